-- Usage events that arrived for a month without a partition (maintenance
-- had not run, or a clock was off) wait in usage_events_default. Making
-- that month's partition moves them there: PostgreSQL refuses a new
-- partition whose range the default partition holds rows of.

-- Makes the partition of the month starting at lo unless it exists.
-- Returns 1 when it made it, else 0.
CREATE FUNCTION usage_events_make_partition(lo date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    lo_ts timestamptz := lo::timestamp AT TIME ZONE 'UTC';
    hi_ts timestamptz := (lo + interval '1 month')::timestamp AT TIME ZONE 'UTC';
    name text := format('usage_events_%s', to_char(lo, 'YYYY_MM'));
    cols text := 'id, created_at, workspace_id, api_key_id, user_id, request_id, endpoint,'
                 ' source, target, provider, model, characters, billed_characters, segments,'
                 ' cached_segments, status, duration_ms, cost_micros';
BEGIN
    IF to_regclass(name) IS NOT NULL THEN
        RETURN 0;
    END IF;
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
    RETURN 1;
END $$;

-- Creates the month partitions from the month of `from` for `months`
-- months, and those of the months whose events wait in the default
-- partition. Returns how many it created.
CREATE OR REPLACE FUNCTION usage_events_ensure_partitions(from_ts timestamptz, months integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    first date := date_trunc('month', from_ts AT TIME ZONE 'UTC')::date;
    waiting date;
    made integer := 0;
BEGIN
    FOR i IN 0 .. months - 1 LOOP
        made := made + usage_events_make_partition((first + make_interval(months => i))::date);
    END LOOP;
    FOR waiting IN SELECT DISTINCT date_trunc('month', created_at AT TIME ZONE 'UTC')::date
                   FROM usage_events_default LOOP
        made := made + usage_events_make_partition(waiting);
    END LOOP;
    RETURN made;
END $$;
