-- A credit hold remembers the Idempotency-Key of the request that made it,
-- so that when a retry takes an abandoned key over, every hold made under
-- that key is released, whichever attempt made it.
ALTER TABLE credit_holds ADD COLUMN idempotency_key text;
CREATE INDEX credit_holds_key_idx ON credit_holds (workspace_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
