-- Usage events that arrived for a month without a partition (maintenance
-- had not run, or a clock was off) wait in usage_events_default. Creating
-- that month's partition then moves them there: PostgreSQL refuses a new
-- partition whose range the default partition already holds rows of.
-- Creates the month partitions from the month of `from` for `months`
-- months (those that exist are left alone). Returns how many it created.
CREATE OR REPLACE FUNCTION usage_events_ensure_partitions(from_ts timestamptz, months integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    first date := date_trunc('month', from_ts AT TIME ZONE 'UTC')::date;
    lo date;
    lo_ts timestamptz;
    hi_ts timestamptz;
    name text;
    made integer := 0;
    cols text := 'id, created_at, workspace_id, api_key_id, user_id, request_id, endpoint,'
                 ' source, target, provider, model, characters, billed_characters, segments,'
                 ' cached_segments, status, duration_ms, cost_micros';
BEGIN
    FOR i IN 0 .. months - 1 LOOP
        lo := first + make_interval(months => i);
        lo_ts := lo::timestamp AT TIME ZONE 'UTC';
        hi_ts := (lo + interval '1 month')::timestamp AT TIME ZONE 'UTC';
        name := format('usage_events_%s', to_char(lo, 'YYYY_MM'));
        CONTINUE WHEN to_regclass(name) IS NOT NULL;
        IF EXISTS (SELECT 1 FROM usage_events_default
                   WHERE created_at >= lo_ts AND created_at < hi_ts) THEN
            EXECUTE format('CREATE TABLE %I (LIKE usage_events INCLUDING DEFAULTS'
                           ' INCLUDING GENERATED INCLUDING CONSTRAINTS)', name);
            EXECUTE format('WITH moved AS (DELETE FROM usage_events_default'
                           ' WHERE created_at >= %L AND created_at < %L RETURNING %s)'
                           ' INSERT INTO %I (%s) SELECT %s FROM moved',
                           lo_ts, hi_ts, cols, name, cols, cols);
            EXECUTE format('ALTER TABLE usage_events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                           name, lo_ts, hi_ts);
        ELSE
            EXECUTE format('CREATE TABLE %I PARTITION OF usage_events FOR VALUES FROM (%L) TO (%L)',
                           name, lo_ts, hi_ts);
        END IF;
        made := made + 1;
    END LOOP;
    RETURN made;
END $$;
