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
