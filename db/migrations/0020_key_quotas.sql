-- A key's monthly character quota: the characters billed through it in a
-- calendar month (UTC), reserved before the upstream call in the same
-- transaction as the request's credit hold, and settled with its usage
-- event, so concurrent requests cannot together pass the quota.

ALTER TABLE api_keys
    ADD COLUMN monthly_character_quota bigint CHECK (monthly_character_quota > 0);

CREATE TABLE key_month_usage (
    key_id      uuid    NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    month       date    NOT NULL,
    characters  bigint  NOT NULL DEFAULT 0 CHECK (characters >= 0),
    reserved    bigint  NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    PRIMARY KEY (key_id, month)
);

-- the characters a hold reserved of its key's quota, and in which month
ALTER TABLE credit_holds
    ADD COLUMN quota_key         uuid,
    ADD COLUMN quota_month       date,
    ADD COLUMN quota_characters  bigint NOT NULL DEFAULT 0 CHECK (quota_characters >= 0);
