-- Hourly rollups of usage events, so that reports over closed hours never
-- scan raw events. They are filled by usage_rollup() (`dragoman-admin
-- rollup`, which `maintain` runs), never by the requests themselves: no
-- request contends on a rollup row. Hours are rolled up once they have
-- been closed for a minute; usage events are stamped at their insert, so
-- none arrives later for a closed hour.
CREATE TABLE usage_hourly (
    workspace_id       uuid        NOT NULL,
    hour               timestamptz NOT NULL,
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
    -- response times: counts at or below 1, 2, 5, 10, 20, 50, 100, 200,
    -- 500, 1000, 2000, 5000, 10000 ms, and above
    duration_hist      bigint[]    NOT NULL,
    PRIMARY KEY (workspace_id, hour, endpoint, provider, source, target)
);

CREATE TABLE rollup_watermarks (
    name        text        PRIMARY KEY,
    done_until  timestamptz NOT NULL
);

-- Rolls up the closed hours since the last run. Returns how many hours.
CREATE FUNCTION usage_rollup() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    lo timestamptz;
    hi timestamptz := date_trunc('hour', now() - interval '1 minute');
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('usage_rollup'));
    SELECT done_until INTO lo FROM rollup_watermarks WHERE name = 'usage_hourly';
    IF lo IS NULL THEN
        SELECT coalesce(date_trunc('hour', min(created_at)), hi) INTO lo FROM usage_events;
        INSERT INTO rollup_watermarks VALUES ('usage_hourly', lo);
    END IF;
    IF lo >= hi THEN
        RETURN 0;
    END IF;
    INSERT INTO usage_hourly
    SELECT workspace_id, date_trunc('hour', created_at), endpoint, coalesce(provider, ''),
           coalesce(source, ''), coalesce(target, ''), count(*),
           count(*) FILTER (WHERE status >= 400), sum(segments), sum(cached_segments),
           sum(characters), sum(billed_characters), sum(cost_micros), sum(duration_ms),
           ARRAY[count(*) FILTER (WHERE duration_ms <= 1),
                 count(*) FILTER (WHERE duration_ms > 1 AND duration_ms <= 2),
                 count(*) FILTER (WHERE duration_ms > 2 AND duration_ms <= 5),
                 count(*) FILTER (WHERE duration_ms > 5 AND duration_ms <= 10),
                 count(*) FILTER (WHERE duration_ms > 10 AND duration_ms <= 20),
                 count(*) FILTER (WHERE duration_ms > 20 AND duration_ms <= 50),
                 count(*) FILTER (WHERE duration_ms > 50 AND duration_ms <= 100),
                 count(*) FILTER (WHERE duration_ms > 100 AND duration_ms <= 200),
                 count(*) FILTER (WHERE duration_ms > 200 AND duration_ms <= 500),
                 count(*) FILTER (WHERE duration_ms > 500 AND duration_ms <= 1000),
                 count(*) FILTER (WHERE duration_ms > 1000 AND duration_ms <= 2000),
                 count(*) FILTER (WHERE duration_ms > 2000 AND duration_ms <= 5000),
                 count(*) FILTER (WHERE duration_ms > 5000 AND duration_ms <= 10000),
                 count(*) FILTER (WHERE duration_ms > 10000)]
    FROM usage_events WHERE created_at >= lo AND created_at < hi
    GROUP BY 1, 2, 3, 4, 5, 6;
    UPDATE rollup_watermarks SET done_until = hi WHERE name = 'usage_hourly';
    RETURN (extract(epoch FROM hi - lo) / 3600)::integer;
END $$;
