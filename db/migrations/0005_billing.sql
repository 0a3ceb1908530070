-- Prepaid credits: plans, each workspace's balance, the immutable ledger
-- and the holds that reserve credit while a request is in flight.
--
-- Money is integer micro-units (1 EUR = 1000000) in bigint, never floats.
-- Every change of a balance is one ledger row written in the same
-- transaction; the database itself refuses anything else:
--   * ledger rows can be neither updated nor deleted (nor truncated);
--   * each row's balance_after = balance_before + amount, and its
--     balance_before is the previous row's balance_after (0 for the first),
--     so the newest balance_after is the sum of the workspace's ledger;
--   * at commit, a workspace's balance must equal its newest balance_after;
--   * balances never go below zero, nor below what is reserved.

CREATE TABLE plans (
    name                text    PRIMARY KEY,
    grant_micros        bigint  NOT NULL CHECK (grant_micros >= 0),
    monthly_cap_micros  bigint  CHECK (monthly_cap_micros >= 0),
    description         text    NOT NULL
);

INSERT INTO plans (name, grant_micros, monthly_cap_micros, description) VALUES
    ('freemium',   3000000,  10000000, 'Freemium: 3.00 EUR to start, at most 10.00 EUR a month'),
    ('pro',              0, 500000000, 'Pro: at most 500.00 EUR a month unless set otherwise'),
    ('enterprise',       0,      NULL, 'Enterprise: no monthly cap unless set otherwise');

ALTER TABLE workspaces
    ADD CONSTRAINT workspaces_plan_fk FOREIGN KEY (plan) REFERENCES plans (name),
    ADD COLUMN currency            text    NOT NULL DEFAULT 'EUR' CHECK (currency ~ '^[A-Z]{3}$'),
    ADD COLUMN balance_micros      bigint  NOT NULL DEFAULT 0 CHECK (balance_micros >= 0),
    ADD COLUMN reserved_micros     bigint  NOT NULL DEFAULT 0 CHECK (reserved_micros >= 0),
    -- NULL: the plan's cap
    ADD COLUMN monthly_cap_micros  bigint  CHECK (monthly_cap_micros >= 0),
    -- debits of the calendar month (UTC) that month_start names
    ADD COLUMN month_start         date    NOT NULL DEFAULT date_trunc('month', now() AT TIME ZONE 'UTC'),
    ADD COLUMN month_spent_micros  bigint  NOT NULL DEFAULT 0 CHECK (month_spent_micros >= 0),
    ADD CONSTRAINT workspaces_reserved_covered CHECK (reserved_micros <= balance_micros);

CREATE TABLE ledger (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id     uuid        NOT NULL REFERENCES workspaces (id),
    type             text        NOT NULL
                                 CHECK (type IN ('grant', 'debit', 'credit', 'refund', 'coupon', 'adjustment')),
    amount_micros    bigint      NOT NULL CHECK (amount_micros <> 0),
    balance_before   bigint      NOT NULL CHECK (balance_before >= 0),
    balance_after    bigint      NOT NULL CHECK (balance_after >= 0),
    description      text        NOT NULL,
    reference        text,
    idempotency_key  text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (balance_after = balance_before + amount_micros),
    -- grants, credits (payments) and coupons add; debits (usage) and
    -- refunds (payments given back) take away; adjustments go either way
    CHECK ((type IN ('grant', 'credit', 'coupon') AND amount_micros > 0)
        OR (type IN ('debit', 'refund') AND amount_micros < 0)
        OR type = 'adjustment')
);

CREATE INDEX ledger_workspace_idx ON ledger (workspace_id, id);
CREATE INDEX ledger_workspace_time_idx ON ledger (workspace_id, created_at);

CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are never updated or deleted'
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER ledger_immutable BEFORE UPDATE OR DELETE ON ledger
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- A new row continues its workspace's chain. Rows of one workspace are
-- serialized by the workspace row lock that every credit change takes.
CREATE FUNCTION ledger_check_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    prev bigint;
BEGIN
    SELECT balance_after INTO prev FROM ledger
        WHERE workspace_id = NEW.workspace_id ORDER BY id DESC LIMIT 1;
    IF coalesce(prev, 0) <> NEW.balance_before THEN
        RAISE EXCEPTION 'ledger chain broken for workspace %: balance_before % after %',
            NEW.workspace_id, NEW.balance_before, coalesce(prev, 0)
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER ledger_chain BEFORE INSERT ON ledger
    FOR EACH ROW EXECUTE FUNCTION ledger_check_chain();

-- At commit, a workspace's balance is its ledger's newest balance_after.
CREATE FUNCTION workspace_check_balance() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bal bigint;
    led bigint;
BEGIN
    SELECT balance_micros INTO bal FROM workspaces WHERE id = NEW.id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT balance_after INTO led FROM ledger
        WHERE workspace_id = NEW.id ORDER BY id DESC LIMIT 1;
    IF bal <> coalesce(led, 0) THEN
        RAISE EXCEPTION 'balance of workspace % is % but its ledger says %',
            NEW.id, bal, coalesce(led, 0)
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER workspace_balance_matches_ledger
    AFTER INSERT OR UPDATE OF balance_micros ON workspaces
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION workspace_check_balance();

-- Credit set aside for a request in flight: the worst case is reserved
-- before any upstream call, and the hold is settled (deleted, with the
-- actual debit) when the request ends. A hold whose worker died expires
-- and is released (see billing_release_expired in src/statements.c).
CREATE TABLE credit_holds (
    id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id   uuid        NOT NULL REFERENCES workspaces (id),
    amount_micros  bigint      NOT NULL CHECK (amount_micros > 0),
    request_id     text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL
);

CREATE INDEX credit_holds_expiry_idx ON credit_holds (workspace_id, expires_at);

-- usage events carry what they cost
ALTER TABLE usage_events ADD COLUMN cost_micros bigint NOT NULL DEFAULT 0 CHECK (cost_micros >= 0);

-- The workspaces created before billing existed get their plan's grant.
WITH g AS (
    UPDATE workspaces w SET balance_micros = p.grant_micros
    FROM plans p WHERE p.name = w.plan AND p.grant_micros > 0
    RETURNING w.id, p.grant_micros, p.name)
INSERT INTO ledger (workspace_id, type, amount_micros, balance_before, balance_after, description)
SELECT id, 'grant', grant_micros, 0, grant_micros, name || ' grant' FROM g;
