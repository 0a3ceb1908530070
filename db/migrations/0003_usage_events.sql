-- Usage events: one row per metered request (translate, detect), written
-- by the worker and committed before the response leaves it, so that a
-- SIGKILL after the response cannot lose it. Billing and reports read
-- these rows.
--
-- The table is partitioned by month (created_at, UTC) so that old months
-- can be detached or dropped whole and reports scan only the months they
-- ask for. usage_events_ensure_partitions() creates the partitions;
-- `dragoman-admin maintain` calls it (run it daily from cron or a systemd
-- timer); rows outside every month partition land in usage_events_default.
--
-- There is no foreign key to workspaces on purpose: every event would take
-- a KEY SHARE lock on its workspace row, and at thousands of events a
-- second on one workspace those locks turn into multixact churn. Events
-- are an append-only log; workspaces are never deleted while they have
-- events.

CREATE TABLE usage_events (
    id               bigint      GENERATED ALWAYS AS IDENTITY,
    created_at       timestamptz NOT NULL DEFAULT now(),
    workspace_id     uuid        NOT NULL,
    api_key_id       uuid,
    user_id          uuid,
    request_id       text        NOT NULL,
    endpoint         text        NOT NULL,
    source           text,
    target           text,
    provider         text,
    model            text,
    characters       bigint      NOT NULL DEFAULT 0 CHECK (characters >= 0),
    billed_characters bigint     NOT NULL DEFAULT 0 CHECK (billed_characters >= 0),
    segments         integer     NOT NULL DEFAULT 0 CHECK (segments >= 0),
    cached_segments  integer     NOT NULL DEFAULT 0
                                 CHECK (cached_segments BETWEEN 0 AND segments),
    cached           boolean     NOT NULL GENERATED ALWAYS AS
                                 (segments > 0 AND cached_segments = segments) STORED,
    status           smallint    NOT NULL CHECK (status BETWEEN 100 AND 599),
    duration_ms      integer     NOT NULL CHECK (duration_ms >= 0),
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);

CREATE TABLE usage_events_default PARTITION OF usage_events DEFAULT;

CREATE INDEX usage_events_workspace_time_idx ON usage_events (workspace_id, created_at);
CREATE INDEX usage_events_request_idx ON usage_events (request_id);

-- Creates the month partitions from the month of `from` for `months`
-- months (those that exist are left alone). Returns how many it created.
CREATE FUNCTION usage_events_ensure_partitions(from_ts timestamptz, months integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    first date := date_trunc('month', from_ts AT TIME ZONE 'UTC')::date;
    lo date;
    name text;
    made integer := 0;
BEGIN
    FOR i IN 0 .. months - 1 LOOP
        lo := first + make_interval(months => i);
        name := format('usage_events_%s', to_char(lo, 'YYYY_MM'));
        CONTINUE WHEN to_regclass(name) IS NOT NULL;
        EXECUTE format('CREATE TABLE %I PARTITION OF usage_events FOR VALUES FROM (%L) TO (%L)',
                       name, (lo::timestamp AT TIME ZONE 'UTC'),
                       ((lo + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
        made := made + 1;
    END LOOP;
    RETURN made;
END $$;

SELECT usage_events_ensure_partitions(now() - interval '1 month', 15);

-- Hit counter and last hit of the long-term translation cache: hits served
-- from PostgreSQL count one each; hits served by memcached are sampled
-- (src/tcache.c), so hits is an unbiased estimate rather than an exact count.
ALTER TABLE translation_cache
    ADD COLUMN hits        bigint      NOT NULL DEFAULT 0 CHECK (hits >= 0),
    ADD COLUMN last_hit_at timestamptz;

CREATE INDEX translation_cache_hits_idx ON translation_cache (hits DESC);
