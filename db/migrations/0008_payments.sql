-- Payments through Stripe. A workspace's saved payment method is a Stripe
-- customer and payment method (set up on Stripe's side). Each recharge is
-- a payments row; the balance is credited exactly once per PaymentIntent,
-- by whichever of the synchronous answer and the webhook comes first (the
-- state moves from pending to succeeded once, and a unique index keeps
-- one credit row per PaymentIntent). Webhook events are recorded by id in
-- the same transaction as their effect, so a redelivery changes nothing.

CREATE TABLE payment_methods (
    workspace_id           uuid        PRIMARY KEY REFERENCES workspaces (id),
    stripe_customer        text        NOT NULL CHECK (stripe_customer ~ '^cus_[A-Za-z0-9]+$'),
    stripe_payment_method  text        NOT NULL CHECK (stripe_payment_method ~ '^pm_[A-Za-z0-9_]+$'),
    updated_at             timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE payments (
    id                     uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id           uuid        NOT NULL REFERENCES workspaces (id),
    amount_micros          bigint      NOT NULL CHECK (amount_micros > 0 AND amount_micros % 10000 = 0),
    kind                   text        NOT NULL CHECK (kind IN ('manual', 'auto')),
    state                  text        NOT NULL
                                       CHECK (state IN ('pending', 'succeeded', 'failed', 'refunded')),
    stripe_payment_intent  text        UNIQUE,
    error                  text,
    request_id             text        NOT NULL,
    idempotency_key        text        NOT NULL,   -- the client's, for its retries
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX payments_workspace_idx ON payments (workspace_id, created_at);
CREATE UNIQUE INDEX payments_idempotency_idx ON payments (workspace_id, idempotency_key);

CREATE UNIQUE INDEX ledger_payment_credit_idx ON ledger (reference)
    WHERE type = 'credit' AND reference LIKE 'pi\_%';
CREATE UNIQUE INDEX ledger_refund_idx ON ledger (reference)
    WHERE type = 'refund';

CREATE TABLE stripe_events (
    id           text        PRIMARY KEY,
    type         text        NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);
