-- Credit lanes (issue 16): a busy workspace's charges need not queue on
-- its one balance row.
--
-- A workspace with credit_lanes = n > 0 has n lanes besides its main
-- balance (workspaces.balance_micros): rows of credit_lanes, each a
-- balance of its own with its own chain in the ledger (ledger.lane; the
-- main balance is lane 0). Credit moves between the main balance and a
-- lane only as a transfer: two ledger rows of type 'transfer' in one
-- transaction, one taking from a chain and one adding to another, so the
-- workspace's money is always the sum of its chains, and the sum of all
-- its ledger rows is still its balance. Every guarantee of 0005 holds per
-- chain: rows never change, each continues its chain, each balance
-- equals its chain's newest balance_after at commit, none is negative.
--
-- A metered charge (meter_charge()) takes a lane that covers it and that
-- no other request holds (FOR UPDATE SKIP LOCKED) and debits it alone:
-- charges of one workspace commit side by side, up to n at once. When no
-- lane covers it, the charge refills one (credit_lane_refill()): under
-- the workspace row's lock, a share of what the main balance does not
-- reserve moves to the emptiest free lane. When the main balance cannot
-- give enough either, the charge debits the main balance, and if that
-- is short, all lanes are first swept back into it (credit_lanes_sweep())
-- under the workspace row's lock, waiting for the charges in flight on
-- them: a 402 is only ever decided with all of the workspace's credit
-- in one place, so it comes exactly at the request that would overdraw.
--
-- The monthly cap: credit moved into a lane counts as spent this month
-- (month_spent_micros) when it moves, and what a sweep brings back of a
-- lane filled this month is taken off again; so a lane's debits need no
-- cap check, the cap is never exceeded, and after a sweep
-- month_spent_micros is exactly the month's debits. A lane filled in an
-- earlier month is not charged; its credit goes back first.
--
-- Lock order: the workspace row (FOR NO KEY UPDATE, or an UPDATE, which
-- takes the same lock), then lanes in lane order. A charge on a lane
-- holds that lane and waits for nothing a sweep holds: inserting its
-- ledger row and usage event checks their foreign keys with KEY SHARE on
-- the workspace row, which a NO KEY UPDATE lock lets through; it queues
-- no auto payment while one is open (whose row a webhook may hold while
-- it sweeps); and a lane it locked but found short is let go (a
-- subtransaction) before it waits for the workspace row. FOR UPDATE on a
-- workspace row would block those checks (it would not deadlock with a
-- sweep unless it swept too), so no function that sweeps (nor
-- payment_lock(), which comes before ledger_take_back()) takes it.

ALTER TABLE workspaces ADD COLUMN credit_lanes smallint NOT NULL DEFAULT 0
    CHECK (credit_lanes BETWEEN 0 AND 64);

CREATE TABLE credit_lanes (
    workspace_id    uuid     NOT NULL REFERENCES workspaces (id),
    lane            smallint NOT NULL CHECK (lane >= 1),
    balance_micros  bigint   NOT NULL DEFAULT 0 CHECK (balance_micros >= 0),
    -- the month (UTC) of the credit moved in, counted in that month's spend
    month_start     date     NOT NULL DEFAULT date_trunc('month', now() AT TIME ZONE 'UTC'),
    PRIMARY KEY (workspace_id, lane)
);

ALTER TABLE ledger ADD COLUMN lane smallint NOT NULL DEFAULT 0 CHECK (lane >= 0);
CREATE INDEX ledger_lane_idx ON ledger (workspace_id, lane, id);
ALTER TABLE ledger DROP CONSTRAINT ledger_type_check, DROP CONSTRAINT ledger_sign_check;
ALTER TABLE ledger ADD CONSTRAINT ledger_type_check CHECK (type IN ('grant', 'debit', 'credit',
    'refund', 'coupon', 'adjustment', 'dispute', 'transfer'));
ALTER TABLE ledger ADD CONSTRAINT ledger_sign_check CHECK (
    (type IN ('grant', 'credit', 'coupon') AND amount_micros > 0)
    OR (type IN ('debit', 'refund') AND amount_micros < 0)
    OR type IN ('adjustment', 'dispute', 'transfer'));

-- A new row continues its chain: its workspace's lane.
CREATE OR REPLACE FUNCTION ledger_check_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    prev bigint;
BEGIN
    SELECT balance_after INTO prev FROM ledger
        WHERE workspace_id = NEW.workspace_id AND lane = NEW.lane ORDER BY id DESC LIMIT 1;
    IF coalesce(prev, 0) <> NEW.balance_before THEN
        RAISE EXCEPTION 'ledger chain broken for workspace % lane %: balance_before % after %',
            NEW.workspace_id, NEW.lane, NEW.balance_before, coalesce(prev, 0)
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

-- At commit, a workspace's main balance is its lane 0 chain's newest
-- balance_after.
CREATE OR REPLACE FUNCTION workspace_check_balance() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bal bigint;
    led bigint;
BEGIN
    SELECT balance_micros INTO bal FROM workspaces WHERE id = NEW.id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT balance_after INTO led FROM ledger
        WHERE workspace_id = NEW.id AND lane = 0 ORDER BY id DESC LIMIT 1;
    IF bal <> coalesce(led, 0) THEN
        RAISE EXCEPTION 'balance of workspace % is % but its ledger says %',
            NEW.id, bal, coalesce(led, 0)
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

-- At commit, a lane's balance is its chain's newest balance_after.
CREATE FUNCTION credit_lane_check_balance() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bal bigint;
    led bigint;
BEGIN
    SELECT balance_micros INTO bal FROM credit_lanes
        WHERE workspace_id = NEW.workspace_id AND lane = NEW.lane;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT balance_after INTO led FROM ledger
        WHERE workspace_id = NEW.workspace_id AND lane = NEW.lane ORDER BY id DESC LIMIT 1;
    IF bal <> coalesce(led, 0) THEN
        RAISE EXCEPTION 'balance of workspace % lane % is % but its ledger says %',
            NEW.workspace_id, NEW.lane, bal, coalesce(led, 0)
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER credit_lane_balance_matches_ledger
    AFTER INSERT OR UPDATE OF balance_micros ON credit_lanes
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION credit_lane_check_balance();

-- A lane's credit may only go back to the main balance, never vanish.
CREATE FUNCTION credit_lane_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.balance_micros <> 0 THEN
        RAISE EXCEPTION 'lane % of workspace % still holds % micros', OLD.lane,
            OLD.workspace_id, OLD.balance_micros USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN OLD;
END $$;

CREATE TRIGGER credit_lane_empty_on_delete BEFORE DELETE ON credit_lanes
    FOR EACH ROW EXECUTE FUNCTION credit_lane_refuse_delete();

-- The calendar month (UTC) a change of a workspace whose month_start is
-- ws_month counts in: now's, or ws_month when a transaction that started
-- later already moved the workspace into the next month (a month never
-- goes back, or the spend of the new one would be forgotten).
CREATE FUNCTION billing_month(ws_month date) RETURNS date LANGUAGE sql STABLE AS $$
    SELECT greatest(date_trunc('month', now() AT TIME ZONE 'UTC')::date, ws_month)
$$;

-- What workspace ws's lanes hold, and of that what was moved in this
-- month (counted in month_spent_micros). Without locks: for display and
-- thresholds.
CREATE FUNCTION credit_lanes_total(ws uuid) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(balance_micros), 0)::bigint FROM credit_lanes WHERE workspace_id = ws
$$;
CREATE FUNCTION credit_lanes_month_total(ws uuid) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(balance_micros), 0)::bigint FROM credit_lanes
     WHERE workspace_id = ws
       AND month_start >= date_trunc('month', now() AT TIME ZONE 'UTC')::date
$$;

-- Moves amt micros (> 0) between workspace ws's main balance and its lane
-- ln: to the lane when to_lane, else back. Two ledger rows. The caller
-- holds the workspace row and the lane. Counts the move in this month's
-- spend (to a lane) or takes it off (back from a lane filled this month).
CREATE FUNCTION credit_lane_move(ws uuid, ln smallint, amt bigint, to_lane boolean)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    month date;
    main_after bigint;
    lane_after bigint;
    filled date;
BEGIN
    SELECT billing_month(month_start) INTO month FROM workspaces WHERE id = ws;
    SELECT month_start INTO filled FROM credit_lanes WHERE workspace_id = ws AND lane = ln;
    -- (never below 0: what a lane brings back was counted when it moved)
    UPDATE workspaces w
       SET balance_micros = w.balance_micros + CASE WHEN to_lane THEN -amt ELSE amt END,
           month_spent_micros = greatest(CASE WHEN w.month_start = month
                                              THEN w.month_spent_micros ELSE 0 END
               + CASE WHEN to_lane THEN amt WHEN filled = month THEN -amt ELSE 0 END, 0),
           month_start = month
     WHERE w.id = ws RETURNING w.balance_micros INTO main_after;
    UPDATE credit_lanes l
       SET balance_micros = l.balance_micros + CASE WHEN to_lane THEN amt ELSE -amt END,
           month_start = CASE WHEN to_lane THEN month ELSE l.month_start END
     WHERE l.workspace_id = ws AND l.lane = ln RETURNING l.balance_micros INTO lane_after;
    INSERT INTO ledger (workspace_id, lane, type, amount_micros, balance_before, balance_after,
                        description)
    VALUES (ws, 0, 'transfer', CASE WHEN to_lane THEN -amt ELSE amt END,
            main_after + CASE WHEN to_lane THEN amt ELSE -amt END, main_after,
            CASE WHEN to_lane THEN 'to lane ' || ln ELSE 'back from lane ' || ln END),
           (ws, ln, 'transfer', CASE WHEN to_lane THEN amt ELSE -amt END,
            lane_after + CASE WHEN to_lane THEN -amt ELSE amt END, lane_after,
            CASE WHEN to_lane THEN 'from the main balance' ELSE 'back to the main balance' END);
END $$;

-- Sweeps all of workspace ws's lanes back into its main balance, waiting
-- for the charges in flight on them. Locks the workspace row until the
-- caller's transaction ends. Returns the micros moved.
CREATE FUNCTION credit_lanes_sweep(ws uuid) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    r record;
    moved bigint := 0;
BEGIN
    PERFORM 1 FROM workspaces WHERE id = ws FOR NO KEY UPDATE;
    -- a lane is only filled under the workspace row's lock, which this
    -- holds: an empty lane stays empty
    FOR r IN SELECT lane, balance_micros FROM credit_lanes
              WHERE workspace_id = ws AND balance_micros > 0 ORDER BY lane FOR UPDATE LOOP
        PERFORM credit_lane_move(ws, r.lane, r.balance_micros, false);
        moved := moved + r.balance_micros;
    END LOOP;
    RETURN moved;
END $$;

-- Debits cost (> 0) from a lane of workspace ws (n lanes) that covers it
-- and that no other request holds. Returns the lane and its balance
-- after, or no row.
CREATE FUNCTION credit_lane_debit(ws uuid, n smallint, cost bigint)
RETURNS TABLE (lane smallint, balance bigint) LANGUAGE sql AS $$
    UPDATE credit_lanes l SET balance_micros = l.balance_micros - cost
     WHERE l.workspace_id = ws AND l.balance_micros >= cost
       AND l.lane = (SELECT c.lane FROM credit_lanes c
                      WHERE c.workspace_id = ws AND c.balance_micros >= cost
                        AND c.month_start >= date_trunc('month', now() AT TIME ZONE 'UTC')::date
                      ORDER BY (c.lane + pg_backend_pid()) % n
                      LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING l.lane, l.balance_micros
$$;

-- When no free lane of workspace ws (n lanes) covers cost: under the
-- workspace row's lock, refills the emptiest free lane with a share of
-- what the main balance does not reserve (at least cost, at most what the
-- monthly cap leaves) and debits cost from it. Returns the lane and its
-- balance after, or no row (the main balance cannot give it, or every
-- lane is held).
CREATE FUNCTION credit_lane_refill(ws uuid, n smallint, cost bigint)
RETURNS TABLE (lane smallint, balance bigint) LANGUAGE plpgsql AS $$
DECLARE
    month date;
    avail bigint;
    room bigint;
    ln smallint;
    lbal bigint;
    lmonth date;
    chunk bigint;
BEGIN
    SELECT billing_month(w.month_start) INTO month FROM workspaces w WHERE w.id = ws
        FOR NO KEY UPDATE;
    -- another request may have refilled one while this one waited
    RETURN QUERY SELECT * FROM credit_lane_debit(ws, n, cost);
    IF FOUND THEN
        RETURN;
    END IF;
    SELECT c.lane, c.balance_micros, c.month_start INTO ln, lbal, lmonth FROM credit_lanes c
     WHERE c.workspace_id = ws ORDER BY c.balance_micros, c.lane LIMIT 1 FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF lmonth < month AND lbal > 0 THEN
        PERFORM credit_lane_move(ws, ln, lbal, false);
    END IF;
    SELECT w.balance_micros - w.reserved_micros,
           coalesce(w.monthly_cap_micros, p.monthly_cap_micros) - w.reserved_micros
           - CASE WHEN w.month_start = month THEN w.month_spent_micros ELSE 0 END
      INTO avail, room
      FROM workspaces w JOIN plans p ON p.name = w.plan WHERE w.id = ws;
    -- each lane gets up to half of its share of the workspace's credit;
    -- the main balance keeps the rest for reservations
    chunk := least(avail, coalesce(room, avail),
                   greatest(cost, (avail + credit_lanes_total(ws)) / (2 * n)));
    IF chunk < cost THEN
        RETURN;
    END IF;
    PERFORM credit_lane_move(ws, ln, chunk, true);
    RETURN QUERY UPDATE credit_lanes l SET balance_micros = l.balance_micros - cost
                  WHERE l.workspace_id = ws AND l.lane = ln
                 RETURNING l.lane, l.balance_micros;
END $$;

-- Sets workspace ws's number of lanes to n (0 turns them off): every lane
-- is swept back first, then lanes are added or removed. Returns the
-- micros swept back.
CREATE FUNCTION credit_lanes_set(ws uuid, n smallint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    moved bigint;
BEGIN
    moved := credit_lanes_sweep(ws);
    DELETE FROM credit_lanes WHERE workspace_id = ws AND lane > n;
    INSERT INTO credit_lanes (workspace_id, lane)
        SELECT ws, g FROM generate_series(1, n) g
        ON CONFLICT DO NOTHING;
    UPDATE workspaces SET credit_lanes = n WHERE id = ws;
    RETURN moved;
END $$;

-- 0026's metered charge, with lanes: a free lane that covers the cost,
-- else a refilled one, else the main balance (all lanes swept back into
-- it first when it is short). The balance returned is the workspace's
-- whole balance (main and lanes).
CREATE OR REPLACE FUNCTION meter_charge(p_ws uuid, p_key text, p_hash bytea, p_owner text,
    p_lease_s integer, p_cost bigint, p_what text, p_api_key uuid, p_user uuid,
    p_request text, p_endpoint text, p_provider text, p_model text, p_characters bigint,
    p_billed bigint, p_duration_ms integer, p_content_type text, p_body text)
RETURNS TABLE (outcome text, balance bigint, queued uuid) LANGUAGE plpgsql AS $$
DECLARE
    bal bigint;
    total bigint;
    n smallint;
    over_cap boolean;
    ln smallint := 0;
    cur date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
BEGIN
    INSERT INTO idempotency_keys (workspace_id, key, request_hash, state, lease_until, owner)
    SELECT p_ws, p_key, p_hash, 'in_flight', now() + make_interval(secs => p_lease_s), p_owner
    WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.workspace_id = p_ws
                      AND l.idempotency_key = p_key AND ledger_key_namespace(l.type) = 'tenant')
    ON CONFLICT (workspace_id, key) DO NOTHING;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'taken'::text, NULL::bigint, NULL::uuid;
        RETURN;
    END IF;
    IF p_cost > 0 THEN
        -- a lane's credit was counted against the cap when it moved in;
        -- a cap lowered below what is counted stops the lanes (the main
        -- way below then sweeps them back and decides)
        SELECT w.credit_lanes,
               coalesce(w.monthly_cap_micros, p.monthly_cap_micros)
               < CASE WHEN w.month_start >= cur THEN w.month_spent_micros ELSE 0 END
                 + w.reserved_micros
          INTO n, over_cap
          FROM workspaces w JOIN plans p ON p.name = w.plan WHERE w.id = p_ws;
        IF n > 0 AND NOT coalesce(over_cap, false) THEN
            -- in a subtransaction: a lane that SKIP LOCKED locked and
            -- then found short stays locked until the end of the
            -- (sub)transaction, and this one may go on to wait for the
            -- workspace row, which a sweep waiting for that lane holds
            BEGIN
                SELECT d.lane, d.balance INTO STRICT ln, bal
                  FROM credit_lane_debit(p_ws, n, p_cost) d;
            EXCEPTION WHEN no_data_found THEN
                ln := NULL;
            END;
            IF ln IS NULL THEN
                SELECT r.lane, r.balance INTO ln, bal FROM credit_lane_refill(p_ws, n, p_cost) r;
            END IF;
            ln := coalesce(ln, 0);
        END IF;
        FOR attempt IN 1..2 LOOP
            EXIT WHEN ln > 0;
            UPDATE workspaces w SET balance_micros = w.balance_micros - p_cost,
                   month_spent_micros = CASE WHEN w.month_start >= cur
                                             THEN w.month_spent_micros ELSE 0 END + p_cost,
                   month_start = billing_month(w.month_start)
              FROM plans p
             WHERE w.id = p_ws AND p.name = w.plan
               AND w.balance_micros - w.reserved_micros >= p_cost
               AND (coalesce(w.monthly_cap_micros, p.monthly_cap_micros) IS NULL
                    OR CASE WHEN w.month_start >= cur THEN w.month_spent_micros ELSE 0 END
                       + w.reserved_micros + p_cost
                       <= coalesce(w.monthly_cap_micros, p.monthly_cap_micros))
            RETURNING w.balance_micros INTO bal;
            EXIT WHEN FOUND;
            -- short: with the lanes' credit back in the main balance, once
            IF attempt = 2 OR coalesce(n, 0) = 0 OR credit_lanes_sweep(p_ws) = 0 THEN
                RETURN QUERY SELECT 'refused'::text, NULL::bigint, NULL::uuid;
                RETURN;
            END IF;
        END LOOP;
        INSERT INTO ledger (workspace_id, lane, type, amount_micros, balance_before,
                            balance_after, description, reference, idempotency_key)
        VALUES (p_ws, ln, 'debit', -p_cost, bal + p_cost, bal, p_what, p_request, p_key);
    END IF;
    INSERT INTO usage_events (workspace_id, api_key_id, request_id, endpoint, provider, model,
                              characters, billed_characters, segments, cached_segments, status,
                              duration_ms, cost_micros, user_id)
    VALUES (p_ws, p_api_key, p_request, p_endpoint, p_provider, p_model, p_characters,
            p_billed, 0, 0, 200, greatest(p_duration_ms, 0), p_cost, p_user);
    UPDATE idempotency_keys SET state = 'done', status = 200, content_type = p_content_type,
           body = p_body
     WHERE workspace_id = p_ws AND key = p_key;
    IF p_cost > 0 THEN
        total := CASE WHEN n > 0 THEN (SELECT w.balance_micros FROM workspaces w
                                        WHERE w.id = p_ws) + credit_lanes_total(p_ws)
                      ELSE bal END;
    END IF;
    RETURN QUERY SELECT 'charged'::text, total,
        CASE WHEN p_cost > 0 THEN auto_recharge_queue(p_ws, total, p_request) END;
END $$;

-- 0022's payment_lock() and ledger_take_back() lock the workspace row FOR
-- NO KEY UPDATE (see the lock order above); a take-back sweeps the lanes
-- first, so that it takes from all of the credit.
CREATE OR REPLACE FUNCTION payment_lock(p uuid) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    ws uuid;
BEGIN
    SELECT workspace_id INTO ws FROM payments WHERE id = p;
    PERFORM 1 FROM workspaces WHERE id = ws FOR NO KEY UPDATE;
    PERFORM 1 FROM payments WHERE id = p FOR UPDATE;
    RETURN ws;
END $$;

CREATE OR REPLACE FUNCTION ledger_take_back(ws uuid, want bigint, kind text, what text, ref text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    bal bigint;
    res bigint;
    taken bigint;
BEGIN
    IF want <= 0 THEN
        RETURN 0;
    END IF;
    PERFORM credit_lanes_sweep(ws);
    SELECT balance_micros, reserved_micros INTO bal, res FROM workspaces WHERE id = ws
        FOR NO KEY UPDATE;
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

-- 0022's auto_recharge_queue(), which does not try to queue a payment
-- while one is open (the unique index still decides between two that
-- race): a lane's charge never waits on a payment row.
CREATE OR REPLACE FUNCTION auto_recharge_queue(ws uuid, bal bigint, request_id text) RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    a auto_recharge%ROWTYPE;
    made uuid;
BEGIN
    SELECT * INTO a FROM auto_recharge WHERE workspace_id = ws;
    IF NOT FOUND OR NOT a.enabled OR bal >= a.threshold_micros
            -- one is open already: no insert that would wait on its row
            -- (a webhook updating it may be sweeping this workspace's
            -- lanes, one of which the caller holds)
            OR EXISTS (SELECT 1 FROM payments p WHERE p.workspace_id = ws AND p.kind = 'auto'
                       AND p.state IN ('pending', 'processing', 'unknown'))
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

-- 0022's payment_dispute(), locking the workspace row FOR NO KEY UPDATE.
CREATE OR REPLACE FUNCTION payment_dispute(d text, p uuid, amt bigint, st text) RETURNS boolean
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
        SELECT owed_micros INTO owed FROM workspaces WHERE id = pay.workspace_id
            FOR NO KEY UPDATE;
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

-- 0022's payment_credit(): what is owed is paid out of all of the credit
-- (the lanes swept back first), and the balance returned is the whole one.
CREATE OR REPLACE FUNCTION payment_credit(p uuid, pi text) RETURNS bigint LANGUAGE plpgsql AS $$
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
    IF (SELECT owed_micros FROM workspaces WHERE id = r.workspace_id) > 0 THEN
        PERFORM credit_lanes_sweep(r.workspace_id);
    END IF;
    SELECT balance_micros, reserved_micros, owed_micros INTO bal, res, owed
        FROM workspaces WHERE id = r.workspace_id;
    pay := least(owed, greatest(bal - res, 0));
    IF pay > 0 THEN
        UPDATE workspaces SET owed_micros = owed_micros - pay WHERE id = r.workspace_id;
        bal := ledger_add(r.workspace_id, -pay, 'adjustment', 'owed, paid out of payment ' || pi,
            'owed:' || pi);
    END IF;
    RETURN bal + credit_lanes_total(r.workspace_id);
END $$;
