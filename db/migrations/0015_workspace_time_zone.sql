-- A workspace's time zone: the zone its reports bucket days and hours in
-- when the request names none. An IANA name PostgreSQL knows (the check
-- fails with 22023 for any other).
ALTER TABLE workspaces ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC'
    CHECK (length(time_zone) BETWEEN 1 AND 63
           AND ('2000-01-01 00:00:00+00'::timestamptz AT TIME ZONE time_zone) IS NOT NULL);
