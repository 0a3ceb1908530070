-- Prometheus counters of all workers together. Each worker counts in
-- memory and adds its counts here about once a second (one row per
-- family, label set and histogram slot); GET /metrics reads the table.
-- idx is -1 for a plain counter; for a histogram 0..n-1 are the counts
-- of each bucket (not cumulative), n the sum in microseconds and n+1
-- the number of observations.

CREATE TABLE metrics (
    family  text      NOT NULL,
    labels  text      NOT NULL,
    idx     smallint  NOT NULL,
    value   bigint    NOT NULL CHECK (value >= 0),
    PRIMARY KEY (family, labels, idx)
);
