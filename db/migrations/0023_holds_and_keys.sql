-- Credit holds and Idempotency-Keys (issue 14).
--
-- A hold may reserve no credit: a request that costs nothing (a provider
-- priced at zero), made with a key that has a monthly character quota,
-- still holds its characters of that quota until it settles. A hold holds
-- credit, characters, or both; never nothing.
ALTER TABLE credit_holds
    DROP CONSTRAINT credit_holds_amount_micros_check,
    ADD CONSTRAINT credit_holds_amount_micros_check CHECK (amount_micros >= 0),
    ADD CONSTRAINT credit_holds_not_empty CHECK (amount_micros > 0 OR quota_characters > 0);

-- Idempotency-Keys in the ledger live in two namespaces: operators' (the
-- grants and adjustments of POST /v1/admin/workspaces/{id}/credits) and
-- tenants' (their charges). An operator's key "k" and a tenant's key "k"
-- on one workspace are two keys; within each, one row per key, for good
-- (a tenant's key whose stored answer has expired is recognised by it).
CREATE FUNCTION ledger_key_namespace(type text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN type IN ('grant', 'adjustment') THEN 'operator' ELSE 'tenant' END
$$;

DROP INDEX ledger_idempotency_idx;
CREATE UNIQUE INDEX ledger_idempotency_idx
    ON ledger (workspace_id, ledger_key_namespace(type), idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- Who owns a hold: the attempt that made it, by a random id of the
-- server's (the owner of its idempotency_keys claim too), never by the
-- client's X-Request-Id, which request_id keeps for the logs. A retry
-- that takes a key over frees the holds of that key and of the attempt
-- it took it from, and no other. NULL: made before this column.
ALTER TABLE credit_holds ADD COLUMN owner text;
