-- Idempotency keys: a POST that changes credits and carries
-- `Idempotency-Key` is done at most once per workspace and key. The first
-- request claims the key (state in_flight, with a lease); its charge and
-- the stored response commit in one transaction, so a retry either
-- replays that response byte for byte or, when the first attempt died
-- before committing (its lease ran out), does the work itself. Keys are
-- kept at least 24 hours (`dragoman-admin maintain` drops older ones).

CREATE TABLE idempotency_keys (
    workspace_id   uuid        NOT NULL REFERENCES workspaces (id),
    key            text        NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
    request_hash   bytea       NOT NULL CHECK (octet_length(request_hash) = 32),
    state          text        NOT NULL CHECK (state IN ('in_flight', 'done')),
    lease_until    timestamptz NOT NULL,
    owner          text        NOT NULL,            -- the request id doing it
    status         smallint,
    content_type   text,
    body           text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, key),
    CHECK (state = 'in_flight' OR (status IS NOT NULL AND body IS NOT NULL))
);

CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- The database's own guarantee: one debit per key and workspace, whatever
-- happens above it.
CREATE UNIQUE INDEX ledger_idempotency_idx ON ledger (workspace_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL AND type = 'debit';
