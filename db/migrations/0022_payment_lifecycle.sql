-- Payments follow Stripe's PaymentIntent lifecycle (issue 14).
--
-- A payment row is the truth about one recharge: its amount, and the
-- customer and payment method its first call to Stripe used, are what
-- every later call sends under the same Stripe Idempotency-Key. States:
--   pending     made, Stripe not asked yet
--   processing  Stripe has a PaymentIntent that is not final (a bank debit
--               that takes days, a payment that requires action)
--   unknown     Stripe was asked and did not answer: it may have charged
--   succeeded   credited, once (credited_at)
--   failed      declined; canceled: the PaymentIntent was canceled
--   expired     no PaymentIntent was found for it after expires_at: it
--               never reached Stripe and is never charged
-- Once a PaymentIntent id is known it is only retrieved, never created
-- again; before expires_at (23 hours, inside Stripe's 24 hours of
-- idempotency) a create call may be repeated under the same key; after
-- it, the payment is looked up by its metadata (payment_id) or expires.
--
-- Refunds are cumulative (charge.refunded carries the total so far):
-- refunded_micros is the total taken into account. A dispute takes its
-- amount back when it opens and gives it back when it is won. What can
-- not be taken back because it was spent is owed (workspaces.owed_micros)
-- and paid first out of the next payment: a balance never goes negative.

ALTER TABLE payments DROP CONSTRAINT payments_state_check;
ALTER TABLE payments ADD CONSTRAINT payments_state_check CHECK (state IN ('pending', 'processing',
    'unknown', 'succeeded', 'failed', 'canceled', 'expired', 'refunded'));
ALTER TABLE payments
    ADD COLUMN stripe_customer        text,
    ADD COLUMN stripe_payment_method  text,
    ADD COLUMN stripe_attempted_at    timestamptz,
    ADD COLUMN expires_at             timestamptz,
    ADD COLUMN credited_at            timestamptz,
    ADD COLUMN refunded_micros        bigint NOT NULL DEFAULT 0 CHECK (refunded_micros >= 0);
-- What the code before this migration did: a payment was credited when
-- a credit row names its PaymentIntent; a 'refunded' one had taken back
-- what its refund rows say, and one refunded before it succeeded was
-- never to be credited (now: credited and wholly taken back, if it is).
UPDATE payments p SET expires_at = created_at + interval '23 hours',
    credited_at = CASE WHEN EXISTS (SELECT 1 FROM ledger l WHERE l.type = 'credit'
        AND l.reference = p.stripe_payment_intent) THEN updated_at END;
UPDATE payments p SET refunded_micros = least(p.amount_micros, coalesce((SELECT -sum(l.amount_micros)
        FROM ledger l WHERE l.workspace_id = p.workspace_id AND l.type = 'refund'
        AND l.description = 'refund of payment ' || p.stripe_payment_intent), 0))
    WHERE p.state = 'refunded' AND p.credited_at IS NOT NULL;
UPDATE payments SET refunded_micros = amount_micros WHERE state = 'refunded' AND credited_at IS NULL;
ALTER TABLE payments ALTER COLUMN expires_at SET DEFAULT now() + interval '23 hours',
    ALTER COLUMN expires_at SET NOT NULL;
ALTER TABLE payments ADD CONSTRAINT payments_refund_within CHECK (refunded_micros <= amount_micros);

-- at most one open auto payment per workspace, whoever queues it; two
-- that racing charges queued before it are told apart first (the later
-- one expires; a success that Stripe reports for it still credits it)
UPDATE payments p SET state = 'expired', error = 'a second open auto payment of its workspace '
        '(migration 0022); a success reported for it still credits it'
    WHERE kind = 'auto' AND state = 'pending' AND EXISTS (SELECT 1 FROM payments o
        WHERE o.workspace_id = p.workspace_id AND o.kind = 'auto' AND o.state = 'pending'
        AND (o.created_at, o.id) < (p.created_at, p.id));
CREATE UNIQUE INDEX payments_one_open_auto_idx ON payments (workspace_id)
    WHERE kind = 'auto' AND state IN ('pending', 'processing', 'unknown');
CREATE INDEX payments_open_idx ON payments (updated_at)
    WHERE state IN ('pending', 'processing', 'unknown');

ALTER TABLE workspaces ADD COLUMN owed_micros bigint NOT NULL DEFAULT 0 CHECK (owed_micros >= 0);

-- disputes take back and give back, with rows of their own type
ALTER TABLE ledger DROP CONSTRAINT ledger_type_check, DROP CONSTRAINT ledger_check1;
ALTER TABLE ledger ADD CONSTRAINT ledger_type_check CHECK (type IN ('grant', 'debit', 'credit',
    'refund', 'coupon', 'adjustment', 'dispute'));
ALTER TABLE ledger ADD CONSTRAINT ledger_sign_check CHECK (
    (type IN ('grant', 'credit', 'coupon') AND amount_micros > 0)
    OR (type IN ('debit', 'refund') AND amount_micros < 0)
    OR type IN ('adjustment', 'dispute'));
CREATE UNIQUE INDEX ledger_dispute_idx ON ledger (reference) WHERE type = 'dispute';
DROP INDEX ledger_refund_idx;
CREATE UNIQUE INDEX ledger_refund_idx ON ledger (reference) WHERE type = 'refund';

CREATE TABLE payment_disputes (
    id             text        PRIMARY KEY,           -- Stripe's dp_...
    payment_id     uuid        NOT NULL REFERENCES payments (id),
    amount_micros  bigint      NOT NULL CHECK (amount_micros > 0),
    status         text        NOT NULL CHECK (status IN ('open', 'won', 'lost')),
    applied        boolean     NOT NULL DEFAULT false, -- its amount was taken back
    taken_micros   bigint      NOT NULL DEFAULT 0 CHECK (taken_micros >= 0),
    owed_micros    bigint      NOT NULL DEFAULT 0 CHECK (owed_micros >= 0),
    created_at     timestamptz NOT NULL DEFAULT now(),
    closed_at      timestamptz
);

-- Stripe events that match no payment: kept for an operator (dragoman-admin
-- payments unmatched / assign / dismiss), never silently dropped.
CREATE TABLE stripe_unmatched (
    event_id        text        PRIMARY KEY,
    type            text        NOT NULL,
    object_id       text        NOT NULL,
    payment_intent  text,
    amount_micros   bigint,
    currency        text,
    reason          text        NOT NULL,
    payload         text        NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    resolved_at     timestamptz,
    resolution      text
);

-- Lock order: a workspace's row before any of its payments' rows, as a
-- charge that queues an auto payment takes them (db/migrations/0005 and
-- auto_recharge_queue() below); payment_lock() takes both.

-- Locks payment p's workspace row, then p's row. Returns p's workspace.
CREATE FUNCTION payment_lock(p uuid) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    ws uuid;
BEGIN
    SELECT workspace_id INTO ws FROM payments WHERE id = p;
    PERFORM 1 FROM workspaces WHERE id = ws FOR UPDATE;
    PERFORM 1 FROM payments WHERE id = p FOR UPDATE;
    RETURN ws;
END $$;

-- Adds amt micros (> 0) to workspace ws with a ledger row of kind.
-- Returns the new balance. The caller holds the workspace row's lock.
CREATE FUNCTION ledger_add(ws uuid, amt bigint, kind text, what text, ref text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    bal bigint;
BEGIN
    UPDATE workspaces SET balance_micros = balance_micros + amt WHERE id = ws
        RETURNING balance_micros INTO bal;
    INSERT INTO ledger (workspace_id, type, amount_micros, balance_before, balance_after,
        description, reference) VALUES (ws, kind, amt, bal - amt, bal, what, ref);
    RETURN bal;
END $$;

-- Takes up to want micros back from workspace ws (what is not reserved by
-- requests in flight) with a ledger row of kind; the rest becomes owed.
-- Returns what was taken.
CREATE FUNCTION ledger_take_back(ws uuid, want bigint, kind text, what text, ref text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    bal bigint;
    res bigint;
    taken bigint;
BEGIN
    IF want <= 0 THEN
        RETURN 0;
    END IF;
    SELECT balance_micros, reserved_micros INTO bal, res FROM workspaces WHERE id = ws FOR UPDATE;
    taken := least(want, greatest(bal - res, 0));
    IF taken > 0 THEN
        UPDATE workspaces SET balance_micros = balance_micros - taken WHERE id = ws;
        INSERT INTO ledger (workspace_id, type, amount_micros, balance_before, balance_after,
            description, reference) VALUES (ws, kind, -taken, bal, bal - taken, what, ref);
    END IF;
    IF want > taken THEN
        UPDATE workspaces SET owed_micros = owed_micros + (want - taken) WHERE id = ws;
    END IF;
    RETURN taken;
END $$;

-- Takes the amount of dispute d back from its workspace. The caller
-- holds the payment's lock; the payment has been credited.
CREATE FUNCTION payment_dispute_take(d text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r payment_disputes%ROWTYPE;
    ws uuid;
    taken bigint;
BEGIN
    SELECT * INTO r FROM payment_disputes WHERE id = d FOR UPDATE;
    IF r.applied THEN
        RETURN;
    END IF;
    SELECT workspace_id INTO ws FROM payments WHERE id = r.payment_id;
    taken := ledger_take_back(ws, r.amount_micros, 'dispute', 'dispute ' || d,
        'dispute:' || d || ':taken');
    UPDATE payment_disputes SET applied = true, taken_micros = taken,
        owed_micros = r.amount_micros - taken WHERE id = d;
END $$;

-- Credits payment p (PaymentIntent pi) once: then takes back what was
-- refunded or disputed before the success arrived, and pays what the
-- workspace owes out of the new balance. Returns the balance, or NULL
-- when it had been credited before.
CREATE FUNCTION payment_credit(p uuid, pi text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    r payments%ROWTYPE;
    bal bigint;
    res bigint;
    owed bigint;
    pay bigint;
    d text;
BEGIN
    PERFORM payment_lock(p);
    SELECT * INTO r FROM payments WHERE id = p;
    IF NOT FOUND OR r.credited_at IS NOT NULL THEN
        RETURN NULL;
    END IF;
    UPDATE payments SET state = 'succeeded', error = NULL, credited_at = now(), updated_at = now(),
        stripe_payment_intent = coalesce(stripe_payment_intent, pi) WHERE id = p;
    PERFORM ledger_add(r.workspace_id, r.amount_micros, 'credit', 'payment ' || pi, pi);
    IF r.refunded_micros > 0 THEN
        PERFORM ledger_take_back(r.workspace_id, r.refunded_micros, 'refund',
            'refund of payment ' || pi, 'refund:' || pi || ':' || r.refunded_micros);
    END IF;
    FOR d IN SELECT id FROM payment_disputes WHERE payment_id = p AND status <> 'won'
            AND NOT applied ORDER BY created_at LOOP
        PERFORM payment_dispute_take(d);
    END LOOP;
    SELECT balance_micros, reserved_micros, owed_micros INTO bal, res, owed
        FROM workspaces WHERE id = r.workspace_id;
    pay := least(owed, greatest(bal - res, 0));
    IF pay > 0 THEN
        UPDATE workspaces SET owed_micros = owed_micros - pay WHERE id = r.workspace_id;
        bal := ledger_add(r.workspace_id, -pay, 'adjustment', 'owed, paid out of payment ' || pi,
            'owed:' || pi);
    END IF;
    RETURN bal;
END $$;

-- Payment p was refunded total_micros in all so far (Stripe's
-- amount_refunded, cumulative): takes back the difference from what was
-- taken into account before, once the payment is credited. Returns the
-- difference (0: nothing new).
CREATE FUNCTION payment_refunded(p uuid, total_micros bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    r payments%ROWTYPE;
    target bigint;
BEGIN
    PERFORM payment_lock(p);
    SELECT * INTO r FROM payments WHERE id = p;
    target := least(total_micros, r.amount_micros);
    IF NOT FOUND OR target <= r.refunded_micros THEN
        RETURN 0;
    END IF;
    UPDATE payments SET refunded_micros = target, updated_at = now() WHERE id = p;
    IF r.credited_at IS NOT NULL THEN
        PERFORM ledger_take_back(r.workspace_id, target - r.refunded_micros, 'refund',
            'refund of payment ' || r.stripe_payment_intent,
            'refund:' || r.stripe_payment_intent || ':' || target);
    END IF;
    RETURN target - r.refunded_micros;
END $$;

-- Dispute d of payment p for amt micros is now in Stripe's status st:
-- open ones take the amount back (when the payment is credited; else
-- when it is), won ones give back what was taken and forgive what was
-- owed for it, lost ones keep it. A dispute closed once stays closed.
-- Returns false (and changes nothing) when d is another payment's.
CREATE FUNCTION payment_dispute(d text, p uuid, amt bigint, st text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    r payment_disputes%ROWTYPE;
    pay payments%ROWTYPE;
    verdict text;
    owed bigint;
    forgiven bigint;
    give bigint;
BEGIN
    PERFORM payment_lock(p);
    SELECT * INTO pay FROM payments WHERE id = p;
    verdict := CASE WHEN st = 'lost' THEN 'lost'
        WHEN st IN ('won', 'warning_closed', 'charge_refunded') THEN 'won' ELSE 'open' END;
    SELECT * INTO r FROM payment_disputes WHERE id = d FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO payment_disputes (id, payment_id, amount_micros, status, closed_at)
            VALUES (d, p, amt, verdict, CASE WHEN verdict <> 'open' THEN now() END);
        IF verdict <> 'won' AND pay.credited_at IS NOT NULL THEN
            PERFORM payment_dispute_take(d);
        END IF;
        RETURN true;
    END IF;
    IF r.payment_id <> p THEN
        RETURN false;
    END IF;
    IF r.status <> 'open' OR verdict = 'open' THEN
        RETURN true;
    END IF;
    UPDATE payment_disputes SET status = verdict, closed_at = now() WHERE id = d;
    IF verdict = 'won' AND r.applied THEN
        SELECT owed_micros INTO owed FROM workspaces WHERE id = pay.workspace_id FOR UPDATE;
        forgiven := least(owed, r.owed_micros);
        UPDATE workspaces SET owed_micros = owed_micros - forgiven WHERE id = pay.workspace_id;
        give := r.taken_micros + (r.owed_micros - forgiven);
        IF give > 0 THEN
            PERFORM ledger_add(pay.workspace_id, give, 'dispute', 'dispute ' || d || ' won',
                'dispute:' || d || ':returned');
        END IF;
    END IF;
    RETURN true;
END $$;

-- Queues one auto payment for workspace ws whose balance (after the
-- caller's change) is bal: when its auto-recharge is on, bal is under the
-- threshold, a failed attempt's retry is due, the day's limit allows one
-- and no auto payment is open (the unique index decides between
-- concurrent callers). Returns the payment's id, or NULL.
CREATE FUNCTION auto_recharge_queue(ws uuid, bal bigint, request_id text) RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    a auto_recharge%ROWTYPE;
    made uuid;
BEGIN
    SELECT * INTO a FROM auto_recharge WHERE workspace_id = ws;
    IF NOT FOUND OR NOT a.enabled OR bal >= a.threshold_micros
            OR (a.next_attempt_at IS NOT NULL AND a.next_attempt_at > now())
            OR (SELECT count(*) FROM payments p WHERE p.workspace_id = ws AND p.kind = 'auto'
                AND p.created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')
                >= a.max_per_day THEN
        RETURN NULL;
    END IF;
    INSERT INTO payments (workspace_id, amount_micros, kind, state, request_id, idempotency_key)
        VALUES (ws, a.amount_micros, 'auto', 'pending', request_id, 'auto-' || gen_random_uuid())
        ON CONFLICT (workspace_id) WHERE kind = 'auto' AND state IN ('pending', 'processing', 'unknown')
        DO NOTHING RETURNING id INTO made;
    RETURN made;
END $$;

-- Credits the unmatched payment_intent.succeeded event ev to workspace ws
-- as a payment of its own, then applies the refunds and disputes of its
-- PaymentIntent that were kept unmatched, in the order they came.
-- Returns the new balance, or NULL when the event is not an unresolved
-- succeeded payment (or its PaymentIntent was credited already).
CREATE FUNCTION stripe_unmatched_assign(ev text, ws uuid) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    u stripe_unmatched%ROWTYPE;
    k stripe_unmatched%ROWTYPE;
    p uuid;
BEGIN
    SELECT * INTO u FROM stripe_unmatched WHERE event_id = ev FOR UPDATE;
    IF NOT FOUND OR u.resolved_at IS NOT NULL OR u.type <> 'payment_intent.succeeded'
            OR u.amount_micros IS NULL OR u.amount_micros <= 0
            OR EXISTS (SELECT 1 FROM payments WHERE stripe_payment_intent = u.payment_intent) THEN
        RETURN NULL;
    END IF;
    INSERT INTO payments (workspace_id, amount_micros, kind, state, stripe_payment_intent,
        request_id, idempotency_key) VALUES (ws, u.amount_micros, 'manual', 'pending',
        u.payment_intent, 'operator', 'assigned:' || ev) RETURNING id INTO p;
    UPDATE stripe_unmatched SET resolved_at = now(), resolution = 'assigned to ' || ws
        WHERE event_id = ev;
    PERFORM payment_credit(p, u.payment_intent);
    FOR k IN SELECT * FROM stripe_unmatched WHERE payment_intent = u.payment_intent
            AND resolved_at IS NULL AND type IN ('charge.refunded', 'charge.dispute.created',
            'charge.dispute.closed') ORDER BY received_at, event_id LOOP
        IF k.type = 'charge.refunded' THEN
            PERFORM payment_refunded(p, (k.payload::jsonb->>'amount_refunded')::bigint * 10000);
        ELSE
            PERFORM payment_dispute(k.payload::jsonb->>'id', p,
                (k.payload::jsonb->>'amount')::bigint * 10000, k.payload::jsonb->>'status');
        END IF;
        UPDATE stripe_unmatched SET resolved_at = now(),
            resolution = 'applied with ' || ev WHERE event_id = k.event_id;
    END LOOP;
    RETURN (SELECT balance_micros FROM workspaces WHERE id = ws);
END $$;
