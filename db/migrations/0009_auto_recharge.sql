-- Auto-recharge: when a charge takes a workspace's balance below
-- threshold, one recharge of amount is queued (a pending 'auto' payment,
-- made in the same statement as that charge, so exactly one charge sees
-- the crossing however many workers cross it at once) and the worker that
-- queued it runs it after its response has gone. At most max_per_day
-- auto payments a day (UTC); after a failure the next attempt waits.
CREATE TABLE auto_recharge (
    workspace_id      uuid        PRIMARY KEY REFERENCES workspaces (id),
    enabled           boolean     NOT NULL,
    threshold_micros  bigint      NOT NULL CHECK (threshold_micros >= 0),
    amount_micros     bigint      NOT NULL CHECK (amount_micros >= 1000000 AND amount_micros % 10000 = 0),
    max_per_day       integer     NOT NULL CHECK (max_per_day BETWEEN 1 AND 100),
    last_error        text,
    last_error_at     timestamptz,
    next_attempt_at   timestamptz,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
