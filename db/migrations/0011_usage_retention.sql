-- Retention of usage events: whole month partitions older than the kept
-- months are dropped (no bulk DELETE). Returns the names dropped.
CREATE FUNCTION usage_events_drop_before(cutoff timestamptz)
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    part text;
    month date;
BEGIN
    FOR part IN
        SELECT c.relname FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname = 'usage_events' AND c.relname ~ '^usage_events_[0-9]{4}_[0-9]{2}$'
        ORDER BY c.relname
    LOOP
        month := to_date(substr(part, 14, 7), 'YYYY_MM');
        IF (month + interval '1 month') <= (cutoff AT TIME ZONE 'UTC') THEN
            EXECUTE format('DROP TABLE %I', part);
            RETURN NEXT part;
        END IF;
    END LOOP;
END $$;
