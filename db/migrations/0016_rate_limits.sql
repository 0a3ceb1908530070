-- Rate limits: requests per minute, hour and day for each API key.
-- A plan sets the defaults; a key may set its own (NULL: the plan's) or
-- be exempt. A NULL limit means that window is not limited. The counters
-- themselves live in memcached (see src/ratelimit.c), never here.

ALTER TABLE plans
    ADD COLUMN rate_per_minute integer CHECK (rate_per_minute > 0),
    ADD COLUMN rate_per_hour   integer CHECK (rate_per_hour > 0),
    ADD COLUMN rate_per_day    integer CHECK (rate_per_day > 0);

UPDATE plans SET rate_per_minute = 60   WHERE name = 'freemium';
UPDATE plans SET rate_per_minute = 600  WHERE name = 'pro';
UPDATE plans SET rate_per_minute = 6000 WHERE name = 'enterprise';

ALTER TABLE api_keys
    ADD COLUMN rate_per_minute integer CHECK (rate_per_minute > 0),
    ADD COLUMN rate_per_hour   integer CHECK (rate_per_hour > 0),
    ADD COLUMN rate_per_day    integer CHECK (rate_per_day > 0),
    ADD COLUMN rate_exempt     boolean NOT NULL DEFAULT false;
