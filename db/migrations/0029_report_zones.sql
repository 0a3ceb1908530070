-- Reports in any time zone, over ranges up to a year, from a few rollup
-- rows (issue 16). The rollups stay in UTC and know no zone, so neither a
-- workspace that changes its zone nor a report in another zone needs a
-- rebuild; what they gain is what a zone's buckets need:
--
-- * measures: a local day of a zone whose offset is whole hours holds
--   most of one UTC day. It reads that day's row less the few hours it
--   shares with the local day beside it, and those hours of the UTC day
--   beside it (usage_parts() lists the parts, each with its bucket and
--   sign). Sums and the response-time histogram subtract exactly.
-- * unique users (distinct actors), which do not subtract: an hourly
--   per-workspace row counts its hour's actors; usage_unique_daily counts
--   the actors of each of the 24 windows of 24 whole hours that end in a
--   UTC day, one of which is the local day of any such zone; and
--   usage_actors_daily marks the UTC hours each actor was seen in, so that
--   any whole hours of a closed day count their actors from one row per
--   actor (usage_unique_parts() lists what a report reads).
-- * long ranges: monthly rollups per workspace, per endpoint, provider
--   and pair, and per actor (with the days it was seen in); and rollups of
--   the whole platform, which the operators' analytics read its totals
--   from.
--
-- Zones whose offset is not whole hours (Kolkata, Kathmandu) read raw
-- events for the hour a local day boundary splits, and by hour every hour
-- raw; a day with an offset change is cut hour by hour.

-- The distinct actors of each workspace-hour.
ALTER TABLE usage_workspaces_hourly ADD COLUMN actors integer NOT NULL DEFAULT 0;
UPDATE usage_workspaces_hourly w SET actors = a.n
FROM (SELECT workspace_id, hour, count(*) AS n FROM usage_actors_hourly GROUP BY 1, 2) a
WHERE w.workspace_id = a.workspace_id AND w.hour = a.hour;

-- The UTC hours an actor was seen in that day: bit h for hour h.
ALTER TABLE usage_actors_daily ADD COLUMN hours integer NOT NULL DEFAULT 0;
UPDATE usage_actors_daily d SET hours = a.hours
FROM (SELECT workspace_id, date_trunc('day', hour, 'UTC') AS day, actor,
             bit_or(1 << extract(hour FROM hour AT TIME ZONE 'UTC')::integer) AS hours
      FROM usage_actors_hourly GROUP BY 1, 2, 3) a
WHERE d.workspace_id = a.workspace_id AND d.day = a.day AND d.actor = a.actor;

-- actors[s + 1]: the distinct actors of [day - s hours, day + 24 hours -
-- s hours), s = 0 .. 23 (actors[1]: the UTC day's). A row for each closed
-- day of a workspace with actors that day or the day before.
CREATE TABLE usage_unique_daily (
    workspace_id  uuid        NOT NULL,
    day           timestamptz NOT NULL,
    actors        integer[]   NOT NULL,
    PRIMARY KEY (workspace_id, day)
);

CREATE TABLE usage_monthly (
    workspace_id       uuid        NOT NULL,
    month              timestamptz NOT NULL,   -- the 1st, 00:00 UTC
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
    PRIMARY KEY (workspace_id, month, endpoint, provider, source, target)
);

CREATE TABLE usage_workspaces_monthly (
    workspace_id       uuid        NOT NULL,
    month              timestamptz NOT NULL,
    requests           bigint      NOT NULL,
    errors             bigint      NOT NULL,
    translations       bigint      NOT NULL,
    cached_segments    bigint      NOT NULL,
    characters         bigint      NOT NULL,
    billed_characters  bigint      NOT NULL,
    cost_micros        bigint      NOT NULL,
    duration_ms_sum    bigint      NOT NULL,
    duration_hist      bigint[]    NOT NULL,
    PRIMARY KEY (workspace_id, month)
);

-- days: the days of the month the actor was seen in, bit d - 1 for day d.
CREATE TABLE usage_actors_monthly (
    workspace_id       uuid        NOT NULL,
    month              timestamptz NOT NULL,
    actor              uuid        NOT NULL,
    actor_kind         "char"      NOT NULL,
    requests           bigint      NOT NULL,
    errors             bigint      NOT NULL,
    segments           bigint      NOT NULL,
    cached_segments    bigint      NOT NULL,
    characters         bigint      NOT NULL,
    billed_characters  bigint      NOT NULL,
    cost_micros        bigint      NOT NULL,
    days               integer     NOT NULL,
    PRIMARY KEY (workspace_id, month, actor)
);

-- Every workspace together, per hour, UTC day and month: the totals of
-- the operators' analytics.
CREATE TABLE usage_platform_hourly (
    hour               timestamptz PRIMARY KEY,
    requests           bigint      NOT NULL,
    errors             bigint      NOT NULL,
    translations       bigint      NOT NULL,
    cached_segments    bigint      NOT NULL,
    characters         bigint      NOT NULL,
    billed_characters  bigint      NOT NULL,
    cost_micros        bigint      NOT NULL,
    duration_ms_sum    bigint      NOT NULL,
    duration_hist      bigint[]    NOT NULL
);
CREATE TABLE usage_platform_daily (
    day                timestamptz PRIMARY KEY,
    requests           bigint      NOT NULL,
    errors             bigint      NOT NULL,
    translations       bigint      NOT NULL,
    cached_segments    bigint      NOT NULL,
    characters         bigint      NOT NULL,
    billed_characters  bigint      NOT NULL,
    cost_micros        bigint      NOT NULL,
    duration_ms_sum    bigint      NOT NULL,
    duration_hist      bigint[]    NOT NULL
);
CREATE TABLE usage_platform_monthly (
    month              timestamptz PRIMARY KEY,
    requests           bigint      NOT NULL,
    errors             bigint      NOT NULL,
    translations       bigint      NOT NULL,
    cached_segments    bigint      NOT NULL,
    characters         bigint      NOT NULL,
    billed_characters  bigint      NOT NULL,
    cost_micros        bigint      NOT NULL,
    duration_ms_sum    bigint      NOT NULL,
    duration_hist      bigint[]    NOT NULL
);

-- The analytics rank the workspaces by what they spent from these indexes
-- alone.
DROP INDEX usage_workspaces_hourly_time_idx;
DROP INDEX usage_workspaces_daily_time_idx;
CREATE INDEX usage_workspaces_hourly_time_idx ON usage_workspaces_hourly (hour)
    INCLUDE (workspace_id, requests, cost_micros);
CREATE INDEX usage_workspaces_daily_time_idx ON usage_workspaces_daily (day)
    INCLUDE (workspace_id, requests, cost_micros);
CREATE INDEX usage_workspaces_monthly_time_idx ON usage_workspaces_monthly (month)
    INCLUDE (workspace_id, requests, cost_micros);

-- Rolls up the hours [lo, hi) of usage_events: usage_hourly,
-- usage_actors_hourly, usage_workspaces_hourly, usage_platform_hourly.
CREATE FUNCTION usage_rollup_hours(lo timestamptz, hi timestamptz) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO usage_hourly
    SELECT workspace_id, date_trunc('hour', created_at, 'UTC'), endpoint, coalesce(provider, ''),
           coalesce(source, ''), coalesce(target, ''), count(*),
           count(*) FILTER (WHERE status >= 400), sum(segments), sum(cached_segments),
           sum(characters), sum(billed_characters), sum(cost_micros), sum(duration_ms),
           ARRAY[sum(h[1]), sum(h[2]), sum(h[3]), sum(h[4]), sum(h[5]), sum(h[6]),
                     sum(h[7]), sum(h[8]), sum(h[9]), sum(h[10]), sum(h[11]), sum(h[12]),
                     sum(h[13]), sum(h[14])]::bigint[]
    FROM (SELECT e.*, usage_hist_unit(duration_ms) AS h FROM usage_events e
          WHERE created_at >= lo AND created_at < hi AND endpoint NOT LIKE 'billing.%') e
    GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 2;
    INSERT INTO usage_actors_hourly
    SELECT workspace_id, date_trunc('hour', created_at, 'UTC'), usage_actor(user_id, api_key_id),
           min(usage_actor_kind(user_id, api_key_id)), count(*),
           count(*) FILTER (WHERE status >= 400), sum(segments), sum(cached_segments),
           sum(characters), sum(billed_characters), sum(cost_micros)
    FROM usage_events WHERE created_at >= lo AND created_at < hi
      AND endpoint NOT LIKE 'billing.%'
    GROUP BY 1, 2, 3;
    INSERT INTO usage_workspaces_hourly (workspace_id, hour, requests, errors, translations,
        cached_segments, characters, billed_characters, cost_micros, duration_ms_sum,
        duration_hist, actors)
    SELECT u.*, coalesce(a.n, 0)
    FROM (SELECT workspace_id, hour, sum(requests), sum(errors),
                 coalesce(sum(segments) FILTER (WHERE endpoint LIKE 'translate%'), 0),
                 sum(cached_segments), sum(characters), sum(billed_characters),
                 sum(cost_micros), sum(duration_ms_sum),
                 ARRAY[sum(duration_hist[1]), sum(duration_hist[2]), sum(duration_hist[3]),
                       sum(duration_hist[4]), sum(duration_hist[5]), sum(duration_hist[6]),
                       sum(duration_hist[7]), sum(duration_hist[8]), sum(duration_hist[9]),
                       sum(duration_hist[10]), sum(duration_hist[11]), sum(duration_hist[12]),
                       sum(duration_hist[13]), sum(duration_hist[14])]::bigint[]
          FROM usage_hourly WHERE hour >= lo AND hour < hi GROUP BY 1, 2) u
    LEFT JOIN (SELECT workspace_id, hour, count(*) AS n FROM usage_actors_hourly
               WHERE hour >= lo AND hour < hi GROUP BY 1, 2) a USING (workspace_id, hour)
    ORDER BY u.hour;
    INSERT INTO usage_platform_hourly
    SELECT hour, sum(requests), sum(errors), sum(translations), sum(cached_segments),
           sum(characters), sum(billed_characters), sum(cost_micros), sum(duration_ms_sum),
           ARRAY[sum(duration_hist[1]), sum(duration_hist[2]), sum(duration_hist[3]),
                 sum(duration_hist[4]), sum(duration_hist[5]), sum(duration_hist[6]),
                 sum(duration_hist[7]), sum(duration_hist[8]), sum(duration_hist[9]),
                 sum(duration_hist[10]), sum(duration_hist[11]), sum(duration_hist[12]),
                 sum(duration_hist[13]), sum(duration_hist[14])]::bigint[]
    FROM usage_workspaces_hourly WHERE hour >= lo AND hour < hi GROUP BY 1;
$$;

-- Fills usage_unique_daily for the closed days [lo, hi) from
-- usage_actors_daily (of those days and the day before each).
CREATE FUNCTION usage_rollup_unique(lo timestamptz, hi timestamptz) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO usage_unique_daily
    SELECT workspace_id, day,
           ARRAY[count(*) FILTER (WHERE (m >> 24) & 16777215 <> 0),
                 count(*) FILTER (WHERE (m >> 23) & 16777215 <> 0),
                 count(*) FILTER (WHERE (m >> 22) & 16777215 <> 0),
                 count(*) FILTER (WHERE (m >> 21) & 16777215 <> 0),
                 count(*) FILTER (WHERE (m >> 20) & 16777215 <> 0),
                 count(*) FILTER (WHERE (m >> 19) & 16777215 <> 0),
                 count(*) FILTER (WHERE (m >> 18) & 16777215 <> 0),
                 count(*) FILTER (WHERE (m >> 17) & 16777215 <> 0),
                 count(*) FILTER (WHERE (m >> 16) & 16777215 <> 0),
                 count(*) FILTER (WHERE (m >> 15) & 16777215 <> 0),
                 count(*) FILTER (WHERE (m >> 14) & 16777215 <> 0),
                 count(*) FILTER (WHERE (m >> 13) & 16777215 <> 0),
                 count(*) FILTER (WHERE (m >> 12) & 16777215 <> 0),
                 count(*) FILTER (WHERE (m >> 11) & 16777215 <> 0),
                 count(*) FILTER (WHERE (m >> 10) & 16777215 <> 0),
                 count(*) FILTER (WHERE (m >> 9) & 16777215 <> 0),
                 count(*) FILTER (WHERE (m >> 8) & 16777215 <> 0),
                 count(*) FILTER (WHERE (m >> 7) & 16777215 <> 0),
                 count(*) FILTER (WHERE (m >> 6) & 16777215 <> 0),
                 count(*) FILTER (WHERE (m >> 5) & 16777215 <> 0),
                 count(*) FILTER (WHERE (m >> 4) & 16777215 <> 0),
                 count(*) FILTER (WHERE (m >> 3) & 16777215 <> 0),
                 count(*) FILTER (WHERE (m >> 2) & 16777215 <> 0),
                 count(*) FILTER (WHERE (m >> 1) & 16777215 <> 0)]::integer[]
    -- m: the actor's hours of the day before (bits 0 to 23) and of the day
    -- (bits 24 to 47); the window of s covers bits 24 - s to 47 - s
    FROM (SELECT workspace_id, day, actor, bit_or(m) AS m
          FROM (SELECT workspace_id, day + interval '24 hours' AS day, actor, hours::bigint AS m
                FROM usage_actors_daily
                WHERE day >= lo - interval '24 hours' AND day < hi - interval '24 hours'
                UNION ALL
                SELECT workspace_id, day, actor, hours::bigint << 24
                FROM usage_actors_daily WHERE day >= lo AND day < hi) a
          GROUP BY 1, 2, 3) a
    GROUP BY 1, 2;
$$;

-- Rolls up the closed UTC days [lo, hi) from the hourly rollups:
-- usage_daily, usage_workspaces_daily, usage_actors_daily (with the hours
-- seen), usage_unique_daily, usage_platform_daily.
CREATE FUNCTION usage_rollup_days(lo timestamptz, hi timestamptz) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO usage_daily
    SELECT workspace_id, date_trunc('day', hour, 'UTC'), endpoint, provider, source, target,
           sum(requests), sum(errors), sum(segments), sum(cached_segments), sum(characters),
           sum(billed_characters), sum(cost_micros), sum(duration_ms_sum),
           ARRAY[sum(duration_hist[1]), sum(duration_hist[2]), sum(duration_hist[3]),
                     sum(duration_hist[4]), sum(duration_hist[5]), sum(duration_hist[6]),
                     sum(duration_hist[7]), sum(duration_hist[8]), sum(duration_hist[9]),
                     sum(duration_hist[10]), sum(duration_hist[11]), sum(duration_hist[12]),
                     sum(duration_hist[13]), sum(duration_hist[14])]::bigint[]
    FROM usage_hourly WHERE hour >= lo AND hour < hi
    GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 2;
    INSERT INTO usage_workspaces_daily
    SELECT workspace_id, date_trunc('day', hour, 'UTC'), sum(requests), sum(errors), sum(translations), sum(cached_segments),
           sum(characters), sum(billed_characters), sum(cost_micros), sum(duration_ms_sum),
           ARRAY[sum(duration_hist[1]), sum(duration_hist[2]), sum(duration_hist[3]),
                 sum(duration_hist[4]), sum(duration_hist[5]), sum(duration_hist[6]),
                 sum(duration_hist[7]), sum(duration_hist[8]), sum(duration_hist[9]),
                 sum(duration_hist[10]), sum(duration_hist[11]), sum(duration_hist[12]),
                 sum(duration_hist[13]), sum(duration_hist[14])]::bigint[]
    FROM usage_workspaces_hourly WHERE hour >= lo AND hour < hi
    GROUP BY 1, 2 ORDER BY 2;
    INSERT INTO usage_actors_daily (workspace_id, day, actor, actor_kind, requests, errors,
        segments, cached_segments, characters, billed_characters, cost_micros, hours)
    SELECT workspace_id, date_trunc('day', hour, 'UTC'), actor, min(actor_kind),
           sum(requests), sum(errors), sum(segments), sum(cached_segments), sum(characters),
           sum(billed_characters), sum(cost_micros),
           bit_or(1 << extract(hour FROM hour AT TIME ZONE 'UTC')::integer)
    FROM usage_actors_hourly WHERE hour >= lo AND hour < hi
    GROUP BY 1, 2, 3 ORDER BY 2, 1;
    SELECT usage_rollup_unique(lo, hi);
    INSERT INTO usage_platform_daily
    SELECT date_trunc('day', hour, 'UTC'), sum(requests), sum(errors), sum(translations), sum(cached_segments),
           sum(characters), sum(billed_characters), sum(cost_micros), sum(duration_ms_sum),
           ARRAY[sum(duration_hist[1]), sum(duration_hist[2]), sum(duration_hist[3]),
                 sum(duration_hist[4]), sum(duration_hist[5]), sum(duration_hist[6]),
                 sum(duration_hist[7]), sum(duration_hist[8]), sum(duration_hist[9]),
                 sum(duration_hist[10]), sum(duration_hist[11]), sum(duration_hist[12]),
                 sum(duration_hist[13]), sum(duration_hist[14])]::bigint[]
    FROM usage_platform_hourly WHERE hour >= lo AND hour < hi GROUP BY 1;
$$;

-- Rolls up the closed UTC months [lo, hi) from the daily rollups:
-- usage_monthly, usage_workspaces_monthly, usage_actors_monthly (with the
-- days seen), usage_platform_monthly.
CREATE FUNCTION usage_rollup_months(lo timestamptz, hi timestamptz) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO usage_monthly
    SELECT workspace_id, date_trunc('month', day, 'UTC'), endpoint, provider, source, target,
           sum(requests), sum(errors), sum(segments), sum(cached_segments), sum(characters),
           sum(billed_characters), sum(cost_micros), sum(duration_ms_sum),
           ARRAY[sum(duration_hist[1]), sum(duration_hist[2]), sum(duration_hist[3]),
                     sum(duration_hist[4]), sum(duration_hist[5]), sum(duration_hist[6]),
                     sum(duration_hist[7]), sum(duration_hist[8]), sum(duration_hist[9]),
                     sum(duration_hist[10]), sum(duration_hist[11]), sum(duration_hist[12]),
                     sum(duration_hist[13]), sum(duration_hist[14])]::bigint[]
    FROM usage_daily WHERE day >= lo AND day < hi
    GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 2, 1;
    INSERT INTO usage_workspaces_monthly
    SELECT workspace_id, date_trunc('month', day, 'UTC'), sum(requests), sum(errors), sum(translations), sum(cached_segments),
           sum(characters), sum(billed_characters), sum(cost_micros), sum(duration_ms_sum),
           ARRAY[sum(duration_hist[1]), sum(duration_hist[2]), sum(duration_hist[3]),
                 sum(duration_hist[4]), sum(duration_hist[5]), sum(duration_hist[6]),
                 sum(duration_hist[7]), sum(duration_hist[8]), sum(duration_hist[9]),
                 sum(duration_hist[10]), sum(duration_hist[11]), sum(duration_hist[12]),
                 sum(duration_hist[13]), sum(duration_hist[14])]::bigint[]
    FROM usage_workspaces_daily WHERE day >= lo AND day < hi
    GROUP BY 1, 2 ORDER BY 2, 1;
    INSERT INTO usage_actors_monthly
    SELECT workspace_id, date_trunc('month', day, 'UTC'), actor, min(actor_kind),
           sum(requests), sum(errors), sum(segments), sum(cached_segments), sum(characters),
           sum(billed_characters), sum(cost_micros),
           bit_or(1 << (extract(day FROM day AT TIME ZONE 'UTC')::integer - 1))
    FROM usage_actors_daily WHERE day >= lo AND day < hi
    GROUP BY 1, 2, 3 ORDER BY 2, 1;
    INSERT INTO usage_platform_monthly
    SELECT date_trunc('month', day, 'UTC'), sum(requests), sum(errors), sum(translations), sum(cached_segments),
           sum(characters), sum(billed_characters), sum(cost_micros), sum(duration_ms_sum),
           ARRAY[sum(duration_hist[1]), sum(duration_hist[2]), sum(duration_hist[3]),
                 sum(duration_hist[4]), sum(duration_hist[5]), sum(duration_hist[6]),
                 sum(duration_hist[7]), sum(duration_hist[8]), sum(duration_hist[9]),
                 sum(duration_hist[10]), sum(duration_hist[11]), sum(duration_hist[12]),
                 sum(duration_hist[13]), sum(duration_hist[14])]::bigint[]
    FROM usage_platform_daily WHERE day >= lo AND day < hi GROUP BY 1;
$$;

-- The rollups of what was rolled up before.
SELECT usage_rollup_unique(min(day), (SELECT done_until FROM rollup_watermarks
                                       WHERE name = 'usage_daily'))
FROM usage_actors_daily HAVING count(*) > 0;
INSERT INTO usage_platform_hourly
SELECT hour, sum(requests), sum(errors), sum(translations), sum(cached_segments),
           sum(characters), sum(billed_characters), sum(cost_micros), sum(duration_ms_sum),
           ARRAY[sum(duration_hist[1]), sum(duration_hist[2]), sum(duration_hist[3]),
                 sum(duration_hist[4]), sum(duration_hist[5]), sum(duration_hist[6]),
                 sum(duration_hist[7]), sum(duration_hist[8]), sum(duration_hist[9]),
                 sum(duration_hist[10]), sum(duration_hist[11]), sum(duration_hist[12]),
                 sum(duration_hist[13]), sum(duration_hist[14])]::bigint[]
FROM usage_workspaces_hourly GROUP BY 1;
INSERT INTO usage_platform_daily
SELECT day, sum(requests), sum(errors), sum(translations), sum(cached_segments),
           sum(characters), sum(billed_characters), sum(cost_micros), sum(duration_ms_sum),
           ARRAY[sum(duration_hist[1]), sum(duration_hist[2]), sum(duration_hist[3]),
                 sum(duration_hist[4]), sum(duration_hist[5]), sum(duration_hist[6]),
                 sum(duration_hist[7]), sum(duration_hist[8]), sum(duration_hist[9]),
                 sum(duration_hist[10]), sum(duration_hist[11]), sum(duration_hist[12]),
                 sum(duration_hist[13]), sum(duration_hist[14])]::bigint[]
FROM usage_workspaces_daily GROUP BY 1;
INSERT INTO rollup_watermarks
SELECT 'usage_monthly', date_trunc('month', done_until, 'UTC') FROM rollup_watermarks
WHERE name = 'usage_daily';
SELECT usage_rollup_months(date_trunc('month', min(day), 'UTC'),
                           (SELECT done_until FROM rollup_watermarks
                            WHERE name = 'usage_monthly'))
FROM usage_daily HAVING count(*) > 0;

-- The end of the hours usage_rollup() may close, as in 0025, in UTC hours
-- whatever the session's time zone.
CREATE OR REPLACE FUNCTION usage_rollup_horizon() RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT least(date_trunc('hour', now() - interval '1 minute', 'UTC'),
                 (SELECT date_trunc('hour', min(first_at), 'UTC') FROM usage_spool_segments
                  WHERE done_at IS NULL))
$$;

-- Rolls up the closed hours since the last run, then the closed UTC days,
-- then the closed UTC months (each with its watermark). Returns how many
-- hours.
CREATE OR REPLACE FUNCTION usage_rollup() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    lo timestamptz;
    hi timestamptz := usage_rollup_horizon();
    dlo timestamptz;
    dhi timestamptz;
    mlo timestamptz;
    mhi timestamptz;
    hours integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('usage_rollup'));
    SELECT done_until INTO lo FROM rollup_watermarks WHERE name = 'usage_hourly';
    IF lo IS NULL THEN
        SELECT coalesce(date_trunc('hour', min(created_at), 'UTC'), hi) INTO lo FROM usage_events;
        INSERT INTO rollup_watermarks VALUES ('usage_hourly', lo);
    END IF;
    IF lo < hi THEN
        PERFORM usage_rollup_hours(lo, hi);
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
        PERFORM usage_rollup_days(dlo, dhi);
        UPDATE rollup_watermarks SET done_until = dhi WHERE name = 'usage_daily';
    ELSE
        dhi := dlo;
    END IF;

    mhi := date_trunc('month', dhi, 'UTC');
    SELECT done_until INTO mlo FROM rollup_watermarks WHERE name = 'usage_monthly';
    IF mlo IS NULL THEN
        SELECT coalesce(date_trunc('month', min(day), 'UTC'), mhi) INTO mlo FROM usage_daily;
        INSERT INTO rollup_watermarks VALUES ('usage_monthly', mlo);
    END IF;
    IF mlo < mhi THEN
        PERFORM usage_rollup_months(mlo, mhi);
        UPDATE rollup_watermarks SET done_until = mhi WHERE name = 'usage_monthly';
    END IF;
    RETURN hours;
END $$;

-- Rolls up again every day that still has raw events (after events were
-- loaded or corrected by hand for hours already rolled up), and the months
-- they are in; the rollups of months whose raw events were dropped are
-- kept. Returns the hours.
CREATE OR REPLACE FUNCTION usage_rollup_rebuild() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    since timestamptz;
    msince timestamptz;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('usage_rollup'));
    SELECT date_trunc('day', min(created_at), 'UTC') INTO since FROM usage_events;
    IF since IS NULL THEN
        RETURN 0;
    END IF;
    msince := date_trunc('month', since, 'UTC');
    DELETE FROM usage_hourly WHERE hour >= since;
    DELETE FROM usage_actors_hourly WHERE hour >= since;
    DELETE FROM usage_workspaces_hourly WHERE hour >= since;
    DELETE FROM usage_platform_hourly WHERE hour >= since;
    DELETE FROM usage_daily WHERE day >= since;
    DELETE FROM usage_actors_daily WHERE day >= since;
    DELETE FROM usage_workspaces_daily WHERE day >= since;
    DELETE FROM usage_unique_daily WHERE day >= since;
    DELETE FROM usage_platform_daily WHERE day >= since;
    DELETE FROM usage_monthly WHERE month >= msince;
    DELETE FROM usage_actors_monthly WHERE month >= msince;
    DELETE FROM usage_workspaces_monthly WHERE month >= msince;
    DELETE FROM usage_platform_monthly WHERE month >= msince;
    UPDATE rollup_watermarks SET done_until = since
    WHERE name IN ('usage_hourly', 'usage_daily') AND done_until > since;
    UPDATE rollup_watermarks SET done_until = msince
    WHERE name = 'usage_monthly' AND done_until > msince;
    RETURN usage_rollup();
END $$;

-- The range [p_from, p_to) cut for a report whose buckets are p_grain
-- ('day' or 'hour') in zone p_tz. Each piece lies in one UTC day (day)
-- and is of category cat:
--   'A': whole UTC days [lo, hi) from day, each a local day bucket of its
--        own (by day, in a zone whose days are UTC days);
--   'W': whole UTC hours [lo, hi), all in the local bucket b;
--   'H': whole UTC hours [lo, hi), each a local hour bucket of its own
--        (by hour, in a zone whose offset is whole hours);
--   'R': a time that is not whole hours of one bucket: the range's partial
--        hours, an hour that a bucket boundary or an offset change splits,
--        every hour by hour in a zone whose offset is not whole hours. It
--        lies in the buckets from b (at lo) to b2 (at its end); reports
--        take each event's bucket from its time.
-- b is the bucket's local start. A day whose UTC offset holds all day is
-- cut by arithmetic (at most one local midnight a day), a day with an
-- offset change hour by hour. Like the functions below, it adds hours
-- (not days) to times and months in UTC, so that the session's time zone
-- changes nothing; and it is one SQL query, inlined where it is used.
CREATE FUNCTION usage_pieces(p_from timestamptz, p_to timestamptz, p_tz text, p_grain text)
RETURNS TABLE (day timestamptz, lo timestamptz, hi timestamptz, b timestamp, b2 timestamp,
               cat "char")
LANGUAGE sql STABLE AS $$
WITH offsets AS (
    SELECT d, (d AT TIME ZONE p_tz) - (d AT TIME ZONE 'UTC') AS off
    FROM generate_series(date_trunc('day', p_from, 'UTC') - interval '24 hours',
                         p_to + interval '48 hours', interval '24 hours') d
),
-- a day is steady when its UTC offset holds to the next midnight (by
-- hour, from the midnight before to the one after: a local hour that an
-- offset change repeats may lie in the days beside it)
days AS (
    SELECT * FROM (
        SELECT d, greatest(d, p_from) AS lo, least(d + interval '24 hours', p_to) AS hi, off,
               off = lead(off) OVER w
               AND (p_grain <> 'hour' OR (lag(off) OVER w = off AND lead(off, 2) OVER w = off))
                   AS steady
        FROM offsets WINDOW w AS (ORDER BY d)) o
    WHERE d + interval '24 hours' > p_from AND d < p_to
),
-- a steady day: the local time at x is x + off; by day, cut at the local
-- midnight t inside it
cuts AS (
    SELECT d, lo, hi, off,
           CASE WHEN p_grain = 'day'
                THEN (date_trunc('day', ((hi - interval '1 microsecond') AT TIME ZONE 'UTC') + off)
                      - off) AT TIME ZONE 'UTC' END AS t
    FROM days
    WHERE steady AND (p_grain = 'day' OR off = date_trunc('hour', off))
      AND NOT (p_grain = 'day' AND off = interval '0' AND lo = d
               AND hi = d + interval '24 hours')
),
-- whole days of a zone whose days are UTC days, in a row: one piece
aligned AS (
    SELECT min(d) AS d, max(d) + interval '24 hours' AS hi
    FROM (SELECT d, d - interval '24 hours' * row_number() OVER (ORDER BY d) AS run FROM days
          WHERE steady AND p_grain = 'day' AND off = interval '0' AND lo = d
            AND hi = d + interval '24 hours') a
    GROUP BY run
),
segs AS (
    SELECT d, lo AS a, CASE WHEN t > lo THEN t ELSE hi END AS z, off FROM cuts
    UNION ALL
    SELECT d, t, hi, off FROM cuts WHERE t > lo
),
-- a segment [a, z): its whole hours [ca, fz) and its partial hours
cut AS (
    SELECT d, a, z, off,
           date_trunc('hour', a + interval '3599.999999 seconds', 'UTC') AS ca,
           date_trunc('hour', z, 'UTC') AS fz,
           date_trunc(p_grain, (a AT TIME ZONE 'UTC') + off) AS ba,
           date_trunc(p_grain, ((z - interval '1 microsecond') AT TIME ZONE 'UTC') + off) AS bz
    FROM segs
),
-- an hour of a day with an offset change: whole when it has one offset
-- and lies in one bucket
hours AS (
    SELECT d, greatest(h, lo) AS lo, least(h + interval '1 hour', hi) AS hi,
           date_trunc(p_grain, greatest(h, lo) AT TIME ZONE p_tz) AS b,
           date_trunc(p_grain, (least(h + interval '1 hour', hi) - interval '1 microsecond')
                               AT TIME ZONE p_tz) AS b2,
           greatest(h, lo) = h AND least(h + interval '1 hour', hi) = h + interval '1 hour'
           AND (h AT TIME ZONE p_tz) - (h AT TIME ZONE 'UTC')
               = ((h + interval '3599.999999 seconds') AT TIME ZONE p_tz)
                 - ((h + interval '3599.999999 seconds') AT TIME ZONE 'UTC') AS whole
    FROM days, LATERAL (SELECT h FROM generate_series(date_trunc('hour', lo, 'UTC'),
                                                      hi - interval '1 microsecond',
                                                      interval '1 hour') h
                        LIMIT 24) h  -- (for the planner: a day has 24 hours)
    WHERE NOT steady
),
islands AS (
    SELECT *, sum(starts) OVER (ORDER BY lo) AS island
    FROM (SELECT *, CASE WHEN whole AND b = b2 AND lag(whole AND b = b2) OVER w
                          AND lag(b) OVER w = b AND lag(d) OVER w = d THEN 0 ELSE 1 END AS starts
          FROM hours WINDOW w AS (ORDER BY lo)) m
)
SELECT d, d, hi, NULL, NULL, 'A'::"char" FROM aligned
UNION ALL
SELECT d, ca, fz, ba, ba, CASE WHEN p_grain = 'hour' THEN 'H' ELSE 'W' END::"char"
FROM cut WHERE ca < fz
UNION ALL
SELECT d, a, least(ca, z), ba, CASE WHEN p_grain = 'hour' THEN ba ELSE bz END, 'R'::"char"
FROM cut WHERE a < least(ca, z)
UNION ALL
SELECT d, greatest(fz, ca), z, CASE WHEN p_grain = 'hour' THEN bz ELSE ba END, bz, 'R'::"char"
FROM cut WHERE greatest(fz, ca) < z
UNION ALL
-- by hour in a zone whose offset is not whole hours, a steady day is raw
SELECT d, lo, hi, date_trunc('hour', (lo AT TIME ZONE 'UTC') + off),
       date_trunc('hour', ((hi - interval '1 microsecond') AT TIME ZONE 'UTC') + off), 'R'::"char"
FROM days WHERE steady AND p_grain = 'hour' AND off <> date_trunc('hour', off)
UNION ALL
SELECT d, min(lo), max(hi), b, max(b2),
       CASE WHEN bool_and(whole AND b = b2) THEN 'W' ELSE 'R' END::"char"
FROM islands GROUP BY island, d, b
$$;

-- The range [p_from, p_to) as one bucket: whole closed UTC months, then
-- whole closed days, whole closed hours, and the rest raw, by what they
-- are for (uses): 'v', the measures (kinds 'm', 'd', 'h', 'r' as in
-- usage_report_parts()); 't', the distinct actors (kinds 'M', 'D', 'h',
-- 'r'; a day's whole hours are read from its daily rows, by their mask).
CREATE FUNCTION usage_range_parts(p_from timestamptz, p_to timestamptz)
RETURNS TABLE (uses "char", kind "char", lo timestamptz, hi timestamptz, mask integer)
LANGUAGE sql STABLE AS $$
WITH wm AS (
    SELECT coalesce((SELECT done_until FROM rollup_watermarks WHERE name = 'usage_hourly'),
                    '-infinity') AS hourly,
           coalesce((SELECT done_until FROM rollup_watermarks WHERE name = 'usage_daily'),
                    '-infinity') AS daily,
           coalesce((SELECT done_until FROM rollup_watermarks WHERE name = 'usage_monthly'),
                    '-infinity') AS monthly
),
-- the first and last boundary of each unit inside the range and closed
ends AS (
    SELECT date_trunc('hour', p_from + interval '3599.999999 seconds', 'UTC') AS h1,
           least(date_trunc('hour', p_to, 'UTC'), wm.hourly) AS h2,
           date_trunc('day', p_from + interval '86399.999999 seconds', 'UTC') AS d1,
           least(date_trunc('day', p_to, 'UTC'), wm.daily) AS d2,
           CASE WHEN date_trunc('month', p_from, 'UTC') = p_from THEN p_from
                ELSE (date_trunc('month', p_from AT TIME ZONE 'UTC') + interval '1 month')
                     AT TIME ZONE 'UTC' END AS m1,
           least(date_trunc('month', p_to, 'UTC'), wm.monthly) AS m2,
           wm.daily, wm.monthly
    FROM wm
),
spans AS (
    SELECT v.kind, v.lo, v.hi, e.daily,
           -- days of one closed month: its monthly actor rows, by the days seen
           v.kind = 'd' AND date_trunc('month', v.lo, 'UTC')
                            = date_trunc('month', v.hi - interval '1 microsecond', 'UTC')
           AND (date_trunc('month', v.lo AT TIME ZONE 'UTC') + interval '1 month')
               AT TIME ZONE 'UTC' <= e.monthly AS inmonth
    FROM ends e,
    LATERAL (VALUES ('m', m1, m2),
                    ('d', d1, CASE WHEN m1 < m2 THEN m1 ELSE d2 END),
                    ('d', CASE WHEN m1 < m2 THEN m2 END, d2),
                    ('h', h1, CASE WHEN d1 < d2 THEN d1 ELSE h2 END),
                    ('h', CASE WHEN d1 < d2 THEN d2 END, h2),
                    ('r', p_from, CASE WHEN h1 < h2 THEN h1 ELSE p_to END),
                    ('r', CASE WHEN h1 < h2 THEN h2 END, p_to)) v (kind, lo, hi)
    WHERE v.lo < v.hi
)
SELECT 'v'::"char", kind::"char", lo, hi, NULL::integer FROM spans
UNION ALL
SELECT 't', 'M', date_trunc('month', lo, 'UTC'),
       (date_trunc('month', lo AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC',
       ((1::bigint << extract(day FROM hi AT TIME ZONE 'UTC' - interval '1 microsecond')::integer)
        - (1::bigint << (extract(day FROM lo AT TIME ZONE 'UTC')::integer - 1)))::integer
FROM spans WHERE kind = 'd' AND inmonth
UNION ALL
SELECT 't', CASE WHEN kind = 'm' THEN 'M'
                 WHEN kind = 'd' OR (kind = 'h' AND date_trunc('day', lo, 'UTC')
                                     = date_trunc('day', hi - interval '1 microsecond', 'UTC')
                                     AND date_trunc('day', lo, 'UTC') + interval '24 hours' <= daily)
                 THEN 'D' ELSE kind END::"char",
       CASE WHEN kind = 'h' AND date_trunc('day', lo, 'UTC') + interval '24 hours' <= daily
                 AND date_trunc('day', lo, 'UTC') = date_trunc('day', hi - interval '1 microsecond', 'UTC')
            THEN date_trunc('day', lo, 'UTC') ELSE lo END,
       CASE WHEN kind = 'h' AND date_trunc('day', lo, 'UTC') + interval '24 hours' <= daily
                 AND date_trunc('day', lo, 'UTC') = date_trunc('day', hi - interval '1 microsecond', 'UTC')
            THEN date_trunc('day', lo, 'UTC') + interval '24 hours' ELSE hi END,
       CASE WHEN kind = 'm' THEN -1 WHEN kind = 'd' THEN 16777215
            WHEN kind = 'h' AND date_trunc('day', lo, 'UTC') + interval '24 hours' <= daily
                 AND date_trunc('day', lo, 'UTC') = date_trunc('day', hi - interval '1 microsecond', 'UTC')
            THEN (1 << (extract(epoch FROM hi - date_trunc('day', lo, 'UTC')) / 3600)::integer)
                 - (1 << (extract(epoch FROM lo - date_trunc('day', lo, 'UTC')) / 3600)::integer)
       END
FROM spans WHERE NOT (kind = 'd' AND inmonth)
$$;

-- What a report of buckets p_grain ('day', 'hour' or 'none') in zone p_tz
-- reads over [p_from, p_to), by what it is for (uses):
-- 'v', the measures: kind 'm' (monthly rollups, whole closed UTC months),
--   'd' (daily rollups, whole closed UTC days), 'h' (hourly rollups, whole
--   closed hours) or 'r' (raw events), whose rows count toward bucket b
--   (NULL: the bucket of each row's own time) with sign sgn. By day or
--   hour, a closed UTC day of which a bucket holds more than half is read
--   as its daily row for that bucket, less (sgn -1) its hours in other
--   buckets, which those buckets read as hourly rows.
-- 'u', the unique users (distinct actors) of the buckets: a bucket that is
--   one closed hour counts them from its hourly per-workspace row (kind
--   'u', each row [lo, hi) a bucket); one that is 24 whole hours of closed
--   days from a window of usage_unique_daily (kind 'w': the rows [lo, hi)
--   count the bucket [day - shift hours, day + 24 - shift hours) in
--   actors[shift + 1]); any other bucket b (NULL: each row's own) has the
--   actors of its usage_actors_daily rows [lo, hi) with hours & mask <> 0
--   (kind 'D'), usage_actors_hourly rows (kind 'h') and raw events (kind 'r').
-- 't', the unique users of the whole range: the actors of
--   usage_actors_monthly rows [lo, hi) with days & mask <> 0 (kind 'M'), and
--   of 'D', 'h' and 'r' as above.
-- Adjacent whole days of one use, kind, bucket, sign, shift and mask are
-- merged. STABLE: it sees the watermarks of the calling statement's
-- snapshot, so a rollup committing meanwhile cannot make a report count an
-- hour twice or not at all. PL/pgSQL, so that the plan of its query is
-- kept for the session (planning it costs more than running it) rather
-- than made again within every report statement.
CREATE FUNCTION usage_report_parts(p_from timestamptz, p_to timestamptz, p_tz text,
                                   p_grain text)
RETURNS TABLE (uses "char", kind "char", lo timestamptz, hi timestamptz, b timestamp,
               sgn integer, shift integer, mask integer)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
    mode text := current_setting('plan_cache_mode');
BEGIN
-- one plan for every call: a plan for each call's values would be made
-- again every time, since it always looks cheaper
PERFORM set_config('plan_cache_mode', 'force_generic_plan', true);
RETURN QUERY
WITH wm AS (
    SELECT coalesce((SELECT done_until FROM rollup_watermarks WHERE name = 'usage_hourly'),
                    '-infinity') AS hourly,
           coalesce((SELECT done_until FROM rollup_watermarks WHERE name = 'usage_daily'),
                    '-infinity') AS daily
),
-- the pieces of the buckets, with their day closed
pg AS (
    SELECT coalesce(a.lo, p.day) AS day, coalesce(a.lo, p.lo) AS lo, coalesce(a.hi, p.hi) AS hi,
           p.b, p.b2, p.cat, wm.hourly,
           coalesce(a.closed, p.day + interval '24 hours' <= wm.daily) AS closed
    FROM wm, usage_pieces(p_from, p_to, p_tz, p_grain) p
         -- aligned days, as closed ones and open ones
         LEFT JOIN LATERAL (VALUES (p.lo, least(p.hi, wm.daily), true),
                                   (greatest(p.lo, wm.daily), p.hi, false)) a (lo, hi, closed)
         ON p.cat = 'A' AND a.lo < a.hi
    WHERE p_grain <> 'none'
),
-- the buckets counted by one rollup row: one closed hour, or 24 whole
-- hours of closed days, that no raw piece touches
counted AS (
    SELECT b, max(day) FILTER (WHERE cat = 'W') AS day, max(hi) FILTER (WHERE cat = 'W') AS hi
    FROM (SELECT b, cat, day, hi, lo, closed, hourly FROM pg WHERE cat <> 'A'
          UNION ALL
          SELECT b2, cat, day, hi, lo, closed, hourly FROM pg WHERE cat = 'R' AND b2 <> b) x
    GROUP BY b
    HAVING count(*) FILTER (WHERE cat = 'R') = 0
       AND CASE p_grain WHEN 'day'
                THEN bool_and(closed) AND sum(hi - lo) = interval '24 hours'
                ELSE max(hi) <= min(hourly) AND sum(hi - lo) = interval '1 hour' END
),
-- the pieces, whether their bucket is counted, and whether it holds most
-- of their closed day
pc AS (
    SELECT pg.*, c.b IS NOT NULL AS counted,
           pg.cat = 'W' AND closed
           AND (pg.hi - pg.lo > interval '12 hours'
                OR (pg.hi - pg.lo = interval '12 hours' AND pg.lo = pg.day)) AS major
    FROM pg LEFT JOIN counted c ON c.b = pg.b AND pg.cat = 'W'
),
parts AS (
    -- the range as one bucket: its measures ('none'), its unique users
    SELECT r.uses, r.kind, r.lo, r.hi, NULL::timestamp AS b, 1 AS sgn, NULL::integer AS shift,
           r.mask
    FROM usage_range_parts(p_from, p_to) r WHERE r.uses = 't' OR p_grain = 'none'
    -- the measures of the buckets
    UNION ALL
    SELECT 'v', 'd', lo, hi, NULL, 1, NULL, NULL FROM pc WHERE cat = 'A' AND closed
    UNION ALL
    SELECT 'v', 'd', day, day + interval '24 hours', CASE WHEN lo > day THEN b END, 1, NULL, NULL
    FROM pc WHERE major
    UNION ALL
    SELECT 'v', 'h', day, lo, b, -1, NULL, NULL FROM pc WHERE major AND lo > day
    UNION ALL
    SELECT 'v', 'h', hi, day + interval '24 hours', b, -1, NULL, NULL FROM pc
    WHERE major AND hi < day + interval '24 hours'
    UNION ALL
    SELECT 'v', 'h', lo, least(hi, hourly), NULL, 1, NULL, NULL FROM pc
    WHERE cat <> 'R' AND NOT major AND NOT (cat = 'A' AND closed) AND lo < hourly
    UNION ALL
    SELECT 'v', 'r', greatest(lo, hourly), hi, NULL, 1, NULL, NULL FROM pc
    WHERE cat <> 'R' AND NOT major AND NOT (cat = 'A' AND closed) AND hi > hourly
    UNION ALL
    SELECT 'v', 'r', lo, hi, NULL, 1, NULL, NULL FROM pc WHERE cat = 'R'
    -- the unique users of the buckets
    UNION ALL
    SELECT 'u', 'w', lo, hi, NULL, 1, 0, NULL FROM pc WHERE cat = 'A' AND closed
    UNION ALL
    SELECT 'u', 'w', day, day + interval '24 hours', NULL, 1,
           (extract(epoch FROM day + interval '24 hours' - hi) / 3600)::integer, NULL
    FROM counted WHERE p_grain = 'day'
    UNION ALL
    SELECT 'u', 'u', hi - interval '1 hour', hi, NULL, 1, NULL, NULL
    FROM counted WHERE p_grain = 'hour'
    UNION ALL
    SELECT 'u', 'u', lo, least(hi, hourly), NULL, 1, NULL, NULL FROM pc
    WHERE cat = 'H' AND lo < hourly
    UNION ALL
    SELECT 'u', 'r', greatest(lo, hourly), hi, NULL, 1, NULL, NULL FROM pc
    WHERE cat = 'H' AND hi > hourly
    UNION ALL
    SELECT 'u', CASE WHEN closed THEN 'D' ELSE 'h' END::"char",
           CASE WHEN closed THEN day ELSE lo END,
           CASE WHEN closed THEN day + interval '24 hours' ELSE least(hi, hourly) END,
           CASE WHEN closed THEN b END, 1, NULL,
           CASE WHEN closed THEN (1 << (extract(epoch FROM hi - day) / 3600)::integer)
                                 - (1 << (extract(epoch FROM lo - day) / 3600)::integer) END
    FROM pc WHERE cat = 'W' AND NOT counted AND (closed OR lo < hourly)
    UNION ALL
    SELECT 'u', 'h', lo, least(hi, hourly), NULL, 1, NULL, NULL FROM pc
    WHERE cat = 'A' AND NOT closed AND lo < hourly
    UNION ALL
    SELECT 'u', 'r', greatest(lo, hourly), hi, NULL, 1, NULL, NULL FROM pc
    WHERE cat IN ('W', 'A') AND NOT counted AND NOT closed AND hi > hourly
    UNION ALL
    SELECT 'u', 'r', lo, hi, NULL, 1, NULL, NULL FROM pc WHERE cat = 'R'
),
-- whole days in a row: one part
runs AS (
    SELECT *, CASE WHEN hi - lo = interval '24 hours'
                   THEN lo - interval '24 hours' * row_number() OVER (
                            PARTITION BY uses, kind, b, sgn, shift, mask,
                                         hi - lo = interval '24 hours'
                            ORDER BY lo)
                   ELSE lo END AS run
    FROM parts
)
SELECT uses, kind, min(lo), max(hi), b, sgn, shift, mask FROM runs
GROUP BY uses, kind, b, sgn, shift, mask, hi - lo = interval '24 hours', run;
PERFORM set_config('plan_cache_mode', mode, true);
END
$$;

-- The parts a report's measures read: usage_report_parts()'s 'v'.
CREATE FUNCTION usage_parts(p_from timestamptz, p_to timestamptz, p_tz text, p_grain text)
RETURNS TABLE (kind "char", lo timestamptz, hi timestamptz, b timestamp, sgn integer)
LANGUAGE sql STABLE AS $$
    SELECT kind, lo, hi, b, sgn FROM usage_report_parts(p_from, p_to, p_tz, p_grain)
    WHERE uses = 'v' ORDER BY lo, kind
$$;

-- The parts a report's unique users read, for its buckets
-- (usage_report_parts()'s 'u'), or for 'none' for its whole range ('t').
CREATE FUNCTION usage_unique_parts(p_from timestamptz, p_to timestamptz, p_tz text,
                                   p_grain text)
RETURNS TABLE (kind "char", lo timestamptz, hi timestamptz, b timestamp, shift integer,
               mask integer)
LANGUAGE sql STABLE AS $$
    SELECT kind, lo, hi, b, shift, mask FROM usage_report_parts(p_from, p_to, p_tz, p_grain)
    WHERE uses = CASE WHEN p_grain = 'none' THEN 't' ELSE 'u' END ORDER BY lo, kind
$$;

-- usage_segments() (0013) as the parts reports now read, without their
-- buckets and the hours taken back.
CREATE OR REPLACE FUNCTION usage_segments(p_from timestamptz, p_to timestamptz, p_tz text,
                                          p_grain text)
RETURNS TABLE (kind "char", lo timestamptz, hi timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT kind, lo, hi FROM usage_report_parts(p_from, p_to, p_tz, p_grain)
    WHERE uses = 'v' AND sgn > 0 ORDER BY lo, kind
$$;

-- ts as RFC 3339 local time in zone tz, with its UTC offset, as in 0013; one
-- expression, which a report's statement inlines.
CREATE OR REPLACE FUNCTION report_local_text(ts timestamptz, tz text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT to_char(ts AT TIME ZONE tz, 'YYYY-MM-DD"T"HH24:MI:SS')
           || CASE WHEN extract(epoch FROM (ts AT TIME ZONE tz) - (ts AT TIME ZONE 'UTC'))::integer < 0
                   THEN '-' ELSE '+' END
           || lpad((abs(extract(epoch FROM (ts AT TIME ZONE tz)
                                           - (ts AT TIME ZONE 'UTC'))::integer) / 3600)::text, 2, '0')
           || ':'
           || lpad((abs(extract(epoch FROM (ts AT TIME ZONE tz)
                                           - (ts AT TIME ZONE 'UTC'))::integer) % 3600 / 60)::text,
                   2, '0')
$$;
