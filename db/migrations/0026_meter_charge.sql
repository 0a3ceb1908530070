-- A metered charge (POST /v1/billing/usage) in one statement, so one round
-- trip and one commit: the Idempotency-Key's claim, the credit and cap
-- check, the debit with its ledger row, the usage event and the stored
-- response. Metering calls no provider, so it needs no credit hold.
--
-- Only the common case is decided here; everything else is left to the
-- general path, which the server then takes with the key claimed or not:
--   'charged'  all of the above committed with this statement; returns
--              the balance after and an auto payment queued, if any;
--   'refused'  the balance not reserved or the monthly cap does not allow
--              it: the key is claimed (in flight, as idem_claim does) and
--              nothing else is written; the server reserves the general
--              way (expired holds released first), answers 402 if still
--              refused, and stores that answer under the key;
--   'taken'    the key is already known (a replay, a request in flight,
--              another request, or an operator's change): nothing is
--              written; the server claims it the general way.
-- The workspace row is locked by the debit, before the ledger and the
-- auto payment, the order every charge takes (0022).
CREATE FUNCTION meter_charge(p_ws uuid, p_key text, p_hash bytea, p_owner text,
    p_lease_s integer, p_cost bigint, p_what text, p_api_key uuid, p_user uuid,
    p_request text, p_endpoint text, p_provider text, p_model text, p_characters bigint,
    p_billed bigint, p_duration_ms integer, p_content_type text, p_body text)
RETURNS TABLE (outcome text, balance bigint, queued uuid) LANGUAGE plpgsql AS $$
DECLARE
    bal bigint;
    month date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
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
        UPDATE workspaces w SET balance_micros = w.balance_micros - p_cost,
               month_spent_micros = CASE WHEN w.month_start = month
                                         THEN w.month_spent_micros ELSE 0 END + p_cost,
               month_start = month
          FROM plans p
         WHERE w.id = p_ws AND p.name = w.plan
           AND w.balance_micros - w.reserved_micros >= p_cost
           AND (coalesce(w.monthly_cap_micros, p.monthly_cap_micros) IS NULL
                OR CASE WHEN w.month_start = month THEN w.month_spent_micros ELSE 0 END
                   + w.reserved_micros + p_cost
                   <= coalesce(w.monthly_cap_micros, p.monthly_cap_micros))
        RETURNING w.balance_micros INTO bal;
        IF NOT FOUND THEN
            RETURN QUERY SELECT 'refused'::text, NULL::bigint, NULL::uuid;
            RETURN;
        END IF;
        INSERT INTO ledger (workspace_id, type, amount_micros, balance_before, balance_after,
                            description, reference, idempotency_key)
        VALUES (p_ws, 'debit', -p_cost, bal + p_cost, bal, p_what, p_request, p_key);
    END IF;
    INSERT INTO usage_events (workspace_id, api_key_id, request_id, endpoint, provider, model,
                              characters, billed_characters, segments, cached_segments, status,
                              duration_ms, cost_micros, user_id)
    VALUES (p_ws, p_api_key, p_request, p_endpoint, p_provider, p_model, p_characters,
            p_billed, 0, 0, 200, greatest(p_duration_ms, 0), p_cost, p_user);
    UPDATE idempotency_keys SET state = 'done', status = 200, content_type = p_content_type,
           body = p_body
     WHERE workspace_id = p_ws AND key = p_key;
    RETURN QUERY SELECT 'charged'::text, bal,
        CASE WHEN p_cost > 0 THEN auto_recharge_queue(p_ws, bal, p_request) END;
END $$;
