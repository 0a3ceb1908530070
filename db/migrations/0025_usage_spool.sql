-- The usage spool (src/store/spool.c): a worker appends the events of
-- requests that move no money to a file of its own and loads them with
-- COPY in batches. Each file is a segment, registered here before its
-- first line is written; loaded_bytes says how much of it is in
-- usage_events (set in the transaction that loads it, so nothing is
-- loaded twice), and done_at when all of it is.

CREATE TABLE usage_spool_segments (
    segment      text        PRIMARY KEY,
    first_at     timestamptz NOT NULL,
    loaded_bytes bigint      NOT NULL DEFAULT 0 CHECK (loaded_bytes >= 0),
    done_at      timestamptz
);
CREATE INDEX usage_spool_segments_pending_idx ON usage_spool_segments (first_at)
    WHERE done_at IS NULL;

-- Lines PostgreSQL refused (none are expected: every field is checked
-- before it is written), kept rather than lost or retried forever.
CREATE TABLE usage_spool_rejects (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    segment    text        NOT NULL,
    line       text        NOT NULL,
    error      text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The end of the hours usage_rollup() may close: an hour is closed a
-- minute after it ends, and not before every segment that may hold its
-- events is loaded.
CREATE FUNCTION usage_rollup_horizon() RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT least(date_trunc('hour', now() - interval '1 minute'),
                 (SELECT date_trunc('hour', min(first_at)) FROM usage_spool_segments
                  WHERE done_at IS NULL))
$$;

-- usage_rollup() as in 0013, closing hours up to usage_rollup_horizon().
CREATE OR REPLACE FUNCTION usage_rollup() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    lo timestamptz;
    hi timestamptz := usage_rollup_horizon();
    dlo timestamptz;
    dhi timestamptz;
    hours integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('usage_rollup'));
    SELECT done_until INTO lo FROM rollup_watermarks WHERE name = 'usage_hourly';
    IF lo IS NULL THEN
        SELECT coalesce(date_trunc('hour', min(created_at)), hi) INTO lo FROM usage_events;
        INSERT INTO rollup_watermarks VALUES ('usage_hourly', lo);
    END IF;
    IF lo < hi THEN
        INSERT INTO usage_hourly
        SELECT workspace_id, date_trunc('hour', created_at), endpoint, coalesce(provider, ''),
               coalesce(source, ''), coalesce(target, ''), count(*),
               count(*) FILTER (WHERE status >= 400), sum(segments), sum(cached_segments),
               sum(characters), sum(billed_characters), sum(cost_micros), sum(duration_ms),
               ARRAY[sum(h[1]), sum(h[2]), sum(h[3]), sum(h[4]), sum(h[5]), sum(h[6]),
                     sum(h[7]), sum(h[8]), sum(h[9]), sum(h[10]), sum(h[11]), sum(h[12]),
                     sum(h[13]), sum(h[14])]::bigint[]
        FROM (SELECT e.*, usage_hist_unit(duration_ms) AS h FROM usage_events e
              WHERE created_at >= lo AND created_at < hi
                AND endpoint NOT LIKE 'billing.%') e
        GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 2;
        INSERT INTO usage_actors_hourly
        SELECT workspace_id, date_trunc('hour', created_at), usage_actor(user_id, api_key_id),
               min(usage_actor_kind(user_id, api_key_id)), count(*),
               count(*) FILTER (WHERE status >= 400), sum(segments), sum(cached_segments),
               sum(characters), sum(billed_characters), sum(cost_micros)
        FROM usage_events WHERE created_at >= lo AND created_at < hi
          AND endpoint NOT LIKE 'billing.%'
        GROUP BY 1, 2, 3;
        INSERT INTO usage_workspaces_hourly
        SELECT workspace_id, hour, sum(requests), sum(errors),
               coalesce(sum(segments) FILTER (WHERE endpoint LIKE 'translate%'), 0),
               sum(cached_segments), sum(characters), sum(billed_characters), sum(cost_micros),
               sum(duration_ms_sum),
               ARRAY[sum(duration_hist[1]), sum(duration_hist[2]), sum(duration_hist[3]),
                     sum(duration_hist[4]), sum(duration_hist[5]), sum(duration_hist[6]),
                     sum(duration_hist[7]), sum(duration_hist[8]), sum(duration_hist[9]),
                     sum(duration_hist[10]), sum(duration_hist[11]), sum(duration_hist[12]),
                     sum(duration_hist[13]), sum(duration_hist[14])]::bigint[]
        FROM usage_hourly WHERE hour >= lo AND hour < hi
        GROUP BY 1, 2 ORDER BY 2;
        UPDATE rollup_watermarks SET done_until = hi WHERE name = 'usage_hourly';
        hours := (extract(epoch FROM hi - lo) / 3600)::integer;
    ELSE
        hi := lo;
    END IF;

    dhi := date_trunc('day', hi, 'UTC');
    SELECT done_until INTO dlo FROM rollup_watermarks WHERE name = 'usage_daily';
    IF dlo IS NULL THEN
        SELECT coalesce(date_trunc('day', min(hour), 'UTC'), dhi) INTO dlo FROM usage_hourly;
        INSERT INTO rollup_watermarks VALUES ('usage_daily', dlo);
    END IF;
    IF dlo < dhi THEN
        INSERT INTO usage_daily
        SELECT workspace_id, date_trunc('day', hour, 'UTC'), endpoint, provider, source, target,
               sum(requests), sum(errors), sum(segments), sum(cached_segments), sum(characters),
               sum(billed_characters), sum(cost_micros), sum(duration_ms_sum),
               ARRAY[sum(duration_hist[1]), sum(duration_hist[2]), sum(duration_hist[3]),
                     sum(duration_hist[4]), sum(duration_hist[5]), sum(duration_hist[6]),
                     sum(duration_hist[7]), sum(duration_hist[8]), sum(duration_hist[9]),
                     sum(duration_hist[10]), sum(duration_hist[11]), sum(duration_hist[12]),
                     sum(duration_hist[13]), sum(duration_hist[14])]::bigint[]
        FROM usage_hourly WHERE hour >= dlo AND hour < dhi
        GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 2;
        INSERT INTO usage_workspaces_daily
        SELECT workspace_id, date_trunc('day', hour, 'UTC'), sum(requests), sum(errors),
               sum(translations), sum(cached_segments), sum(characters),
               sum(billed_characters), sum(cost_micros), sum(duration_ms_sum),
               ARRAY[sum(duration_hist[1]), sum(duration_hist[2]), sum(duration_hist[3]),
                     sum(duration_hist[4]), sum(duration_hist[5]), sum(duration_hist[6]),
                     sum(duration_hist[7]), sum(duration_hist[8]), sum(duration_hist[9]),
                     sum(duration_hist[10]), sum(duration_hist[11]), sum(duration_hist[12]),
                     sum(duration_hist[13]), sum(duration_hist[14])]::bigint[]
        FROM usage_workspaces_hourly WHERE hour >= dlo AND hour < dhi
        GROUP BY 1, 2 ORDER BY 2;
        INSERT INTO usage_actors_daily
        SELECT workspace_id, date_trunc('day', hour, 'UTC'), actor, min(actor_kind),
               sum(requests), sum(errors), sum(segments), sum(cached_segments), sum(characters),
               sum(billed_characters), sum(cost_micros)
        FROM usage_actors_hourly WHERE hour >= dlo AND hour < dhi
        GROUP BY 1, 2, 3;
        UPDATE rollup_watermarks SET done_until = dhi WHERE name = 'usage_daily';
    END IF;
    RETURN hours;
END $$;
