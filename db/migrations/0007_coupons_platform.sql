-- Coupons: a code worth an amount of credit, redeemable once per
-- workspace, up to max_redemptions in all, until it expires.
CREATE TABLE coupons (
    code             text        PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9_-]{3,64}$'),
    amount_micros    bigint      NOT NULL CHECK (amount_micros > 0),
    max_redemptions  integer     NOT NULL CHECK (max_redemptions > 0),
    redemptions      integer     NOT NULL DEFAULT 0,
    expires_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (redemptions BETWEEN 0 AND max_redemptions)
);

CREATE TABLE coupon_redemptions (
    code          text        NOT NULL REFERENCES coupons (code),
    workspace_id  uuid        NOT NULL REFERENCES workspaces (id),
    ledger_id     bigint      NOT NULL REFERENCES ledger (id),
    redeemed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (code, workspace_id)
);

-- Platform operators: keys with this role may use /v1/admin/* on any
-- workspace. Only `dragoman-admin key create WS --role platform` makes them.
ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check
    CHECK (role IN ('member', 'admin', 'platform'));

-- One ledger row of any kind per workspace and Idempotency-Key (operators'
-- credits take keys too), replacing the debit-only index of 0006.
DROP INDEX ledger_idempotency_idx;
CREATE UNIQUE INDEX ledger_idempotency_idx ON ledger (workspace_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
