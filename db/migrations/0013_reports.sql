-- Reports (issue 5): daily rollups of the hourly ones, rollups per actor
-- (the user, or the API key when no user made the request) for top users
-- and unique users, and usage_segments(), which tells a report which
-- parts of its range to read from which table.
--
-- A report reads daily rows for whole UTC days, hourly rows for whole
-- hours, and raw events only for what is left: the partial hours at its
-- edges, the hours not yet rolled up, and hours that a time zone with a
-- half-hour offset splits between two buckets. Closed periods are thus
-- never scanned as raw events, and the rollups are written by
-- `dragoman-admin rollup` alone, so no request contends on a rollup row.
--
-- Payments (endpoints billing.*) write usage events too, to commit their
-- Idempotency-Key with them; they are not usage, and stay out of the
-- rollups and the reports.

-- Response-time histogram of one request, in the slots of
-- usage_hourly.duration_hist (inlined by the planner).
CREATE FUNCTION usage_hist_unit(ms integer) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ARRAY[(ms <= 1)::int, (ms > 1 AND ms <= 2)::int, (ms > 2 AND ms <= 5)::int,
                 (ms > 5 AND ms <= 10)::int, (ms > 10 AND ms <= 20)::int,
                 (ms > 20 AND ms <= 50)::int, (ms > 50 AND ms <= 100)::int,
                 (ms > 100 AND ms <= 200)::int, (ms > 200 AND ms <= 500)::int,
                 (ms > 500 AND ms <= 1000)::int, (ms > 1000 AND ms <= 2000)::int,
                 (ms > 2000 AND ms <= 5000)::int, (ms > 5000 AND ms <= 10000)::int,
                 (ms > 10000)::int]::bigint[]
$$;

-- ts as RFC 3339 local time in zone tz, with its UTC offset.
CREATE FUNCTION report_local_text(ts timestamptz, tz text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT to_char(ts AT TIME ZONE tz, 'YYYY-MM-DD"T"HH24:MI:SS')
           || CASE WHEN o.s < 0 THEN '-' ELSE '+' END
           || lpad((abs(o.s) / 3600)::text, 2, '0') || ':'
           || lpad((abs(o.s) % 3600 / 60)::text, 2, '0')
    FROM (SELECT extract(epoch FROM (ts AT TIME ZONE tz) - (ts AT TIME ZONE 'UTC'))::integer
          AS s) o
$$;

-- Who made a request: its user, else its API key, else nobody (the nil
-- UUID); the kind is 'u', 'k' or '-'.
CREATE FUNCTION usage_actor(user_id uuid, api_key_id uuid) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(user_id, api_key_id, '00000000-0000-0000-0000-000000000000'::uuid)
$$;
CREATE FUNCTION usage_actor_kind(user_id uuid, api_key_id uuid) RETURNS "char"
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN user_id IS NOT NULL THEN 'u' WHEN api_key_id IS NOT NULL THEN 'k'
           ELSE '-' END::"char"
$$;

CREATE TABLE usage_daily (
    workspace_id       uuid        NOT NULL,
    day                timestamptz NOT NULL,   -- 00:00 UTC
    endpoint           text        NOT NULL,
    provider           text        NOT NULL,
    source             text        NOT NULL,
    target             text        NOT NULL,
    requests           bigint      NOT NULL,
    errors             bigint      NOT NULL,
    segments           bigint      NOT NULL,
    cached_segments    bigint      NOT NULL,
    characters         bigint      NOT NULL,
    billed_characters  bigint      NOT NULL,
    cost_micros        bigint      NOT NULL,
    duration_ms_sum    bigint      NOT NULL,
    duration_hist      bigint[]    NOT NULL,
    PRIMARY KEY (workspace_id, day, endpoint, provider, source, target)
);

-- Per workspace and hour, and UTC day: the usage report's totals and
-- series, and the reports across workspaces, read these few rows.
CREATE TABLE usage_workspaces_hourly (
    workspace_id       uuid        NOT NULL,
    hour               timestamptz NOT NULL,
    requests           bigint      NOT NULL,
    errors             bigint      NOT NULL,
    translations       bigint      NOT NULL,
    cached_segments    bigint      NOT NULL,
    characters         bigint      NOT NULL,
    billed_characters  bigint      NOT NULL,
    cost_micros        bigint      NOT NULL,
    duration_ms_sum    bigint      NOT NULL,
    duration_hist      bigint[]    NOT NULL,
    PRIMARY KEY (workspace_id, hour)
);

CREATE TABLE usage_workspaces_daily (
    workspace_id       uuid        NOT NULL,
    day                timestamptz NOT NULL,
    requests           bigint      NOT NULL,
    errors             bigint      NOT NULL,
    translations       bigint      NOT NULL,
    cached_segments    bigint      NOT NULL,
    characters         bigint      NOT NULL,
    billed_characters  bigint      NOT NULL,
    cost_micros        bigint      NOT NULL,
    duration_ms_sum    bigint      NOT NULL,
    duration_hist      bigint[]    NOT NULL,
    PRIMARY KEY (workspace_id, day)
);

CREATE TABLE usage_actors_hourly (
    workspace_id       uuid        NOT NULL,
    hour               timestamptz NOT NULL,
    actor              uuid        NOT NULL,
    actor_kind         "char"      NOT NULL,
    requests           bigint      NOT NULL,
    errors             bigint      NOT NULL,
    segments           bigint      NOT NULL,
    cached_segments    bigint      NOT NULL,
    characters         bigint      NOT NULL,
    billed_characters  bigint      NOT NULL,
    cost_micros        bigint      NOT NULL,
    PRIMARY KEY (workspace_id, hour, actor)
);

CREATE TABLE usage_actors_daily (
    workspace_id       uuid        NOT NULL,
    day                timestamptz NOT NULL,
    actor              uuid        NOT NULL,
    actor_kind         "char"      NOT NULL,
    requests           bigint      NOT NULL,
    errors             bigint      NOT NULL,
    segments           bigint      NOT NULL,
    cached_segments    bigint      NOT NULL,
    characters         bigint      NOT NULL,
    billed_characters  bigint      NOT NULL,
    cost_micros        bigint      NOT NULL,
    PRIMARY KEY (workspace_id, day, actor)
);

-- Reports across workspaces (admin analytics) read by time alone. Rows
-- arrive in time order, so block-range indexes stay tiny.
CREATE INDEX usage_events_time_brin ON usage_events USING brin (created_at);
CREATE INDEX usage_hourly_time_brin ON usage_hourly USING brin (hour);
CREATE INDEX usage_daily_time_brin ON usage_daily USING brin (day);
CREATE INDEX usage_workspaces_hourly_time_idx ON usage_workspaces_hourly (hour);
CREATE INDEX usage_workspaces_daily_time_idx ON usage_workspaces_daily (day);
CREATE INDEX ledger_money_in_idx ON ledger (created_at)
    WHERE type IN ('credit', 'refund', 'grant', 'coupon');

-- Backfill the actor rollup of hours already rolled up.
INSERT INTO usage_actors_hourly
SELECT workspace_id, date_trunc('hour', created_at), usage_actor(user_id, api_key_id),
       min(usage_actor_kind(user_id, api_key_id)), count(*), count(*) FILTER (WHERE status >= 400),
       sum(segments), sum(cached_segments), sum(characters), sum(billed_characters),
       sum(cost_micros)
FROM usage_events
WHERE created_at < (SELECT done_until FROM rollup_watermarks WHERE name = 'usage_hourly')
  AND endpoint NOT LIKE 'billing.%'
GROUP BY 1, 2, 3;
DELETE FROM usage_hourly WHERE endpoint LIKE 'billing.%';

-- Rolls up the closed hours since the last run (into usage_hourly and
-- usage_actors_hourly), then the closed UTC days (into usage_daily and
-- usage_actors_daily). Returns how many hours.
CREATE OR REPLACE FUNCTION usage_rollup() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    lo timestamptz;
    hi timestamptz := date_trunc('hour', now() - interval '1 minute');
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

-- The parts of the range [p_from, p_to) a report reads from each table,
-- when its buckets are p_grain ('day', 'hour', or 'none' for one bucket)
-- in time zone p_tz: kind 'd' (usage_daily, whole UTC days), 'h'
-- (usage_hourly, whole hours) or 'r' (raw usage_events); usage_daily's
-- days and hours are those of the per-workspace and per-actor rollups too. A rollup row is
-- used only when it is closed, lies wholly in the range and wholly in
-- one bucket; everything else is read raw. Adjacent parts of one kind
-- are merged. STABLE: it sees the watermarks of the calling statement's
-- snapshot, so a rollup committing meanwhile cannot make a report count
-- an hour twice or not at all.
CREATE FUNCTION usage_segments(p_from timestamptz, p_to timestamptz, p_tz text, p_grain text)
RETURNS TABLE (kind "char", lo timestamptz, hi timestamptz)
LANGUAGE sql STABLE AS $$
WITH wm AS (
    SELECT coalesce((SELECT done_until FROM rollup_watermarks WHERE name = 'usage_hourly'),
                    '-infinity') AS hourly,
           coalesce((SELECT done_until FROM rollup_watermarks WHERE name = 'usage_daily'),
                    '-infinity') AS daily
),
-- the same local bucket and UTC offset at both ends of [a, b)
one_bucket AS (
    SELECT d AS day_lo, d + interval '1 day' AS day_hi,
           d >= p_from AND d + interval '1 day' <= p_to AND d + interval '1 day' <= wm.daily
           AND (p_grain = 'none'
                OR (p_grain = 'day'
                    AND date_trunc('day', d AT TIME ZONE p_tz)
                        = date_trunc('day', (d + interval '1 day' - interval '1 microsecond')
                                            AT TIME ZONE p_tz)
                    AND (d AT TIME ZONE p_tz) - (d AT TIME ZONE 'UTC')
                        = ((d + interval '1 day') AT TIME ZONE p_tz)
                          - ((d + interval '1 day') AT TIME ZONE 'UTC'))) AS whole
    FROM wm, generate_series(date_trunc('day', p_from, 'UTC'), p_to - interval '1 microsecond',
                             interval '1 day') d
),
hours AS (
    SELECT h AS h_lo, h + interval '1 hour' AS h_hi,
           h >= p_from AND h + interval '1 hour' <= p_to AND h + interval '1 hour' <= wm.hourly
           AND (p_grain = 'none'
                OR (date_trunc(p_grain, h AT TIME ZONE p_tz)
                    = date_trunc(p_grain, (h + interval '1 hour' - interval '1 microsecond')
                                          AT TIME ZONE p_tz)
                    AND (h AT TIME ZONE p_tz) - (h AT TIME ZONE 'UTC')
                        = ((h + interval '1 hour') AT TIME ZONE p_tz)
                          - ((h + interval '1 hour') AT TIME ZONE 'UTC'))) AS whole
    FROM wm, one_bucket b, generate_series(b.day_lo, b.day_hi - interval '1 hour',
                                           interval '1 hour') h
    WHERE NOT b.whole
),
parts AS (
    SELECT 'd'::"char" AS kind, day_lo AS lo, day_hi AS hi FROM one_bucket WHERE whole
    UNION ALL
    SELECT CASE WHEN whole THEN 'h' ELSE 'r' END::"char", greatest(h_lo, p_from),
           least(h_hi, p_to)
    FROM hours WHERE h_lo < p_to AND h_hi > p_from
),
marked AS (
    SELECT kind, lo, hi,
           CASE WHEN lag(hi) OVER w = lo AND lag(kind) OVER w = kind THEN 0 ELSE 1 END AS starts
    FROM parts WINDOW w AS (ORDER BY lo)
),
grouped AS (
    SELECT kind, lo, hi, sum(starts) OVER (ORDER BY lo) AS island FROM marked
)
SELECT kind, min(lo), max(hi) FROM grouped GROUP BY island, kind ORDER BY 2
$$;

-- Rolls up again every day that still has raw events (after events were
-- loaded or corrected by hand for hours already rolled up); the rollups
-- of months whose raw events were dropped are kept. Returns the hours.
CREATE FUNCTION usage_rollup_rebuild() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    since timestamptz;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('usage_rollup'));
    SELECT date_trunc('day', min(created_at), 'UTC') INTO since FROM usage_events;
    IF since IS NULL THEN
        RETURN 0;
    END IF;
    DELETE FROM usage_hourly WHERE hour >= since;
    DELETE FROM usage_actors_hourly WHERE hour >= since;
    DELETE FROM usage_daily WHERE day >= since;
    DELETE FROM usage_actors_daily WHERE day >= since;
    DELETE FROM usage_workspaces_hourly WHERE hour >= since;
    DELETE FROM usage_workspaces_daily WHERE day >= since;
    UPDATE rollup_watermarks SET done_until = since
    WHERE name IN ('usage_hourly', 'usage_daily') AND done_until > since;
    RETURN usage_rollup();
END $$;
