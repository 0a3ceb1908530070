-- Workspaces and their API keys.
-- Applied by `dragoman-admin migrate` inside one transaction; do not add
-- BEGIN/COMMIT here.

CREATE TABLE workspaces (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    plan        text        NOT NULL DEFAULT 'freemium'
                            CHECK (plan IN ('freemium', 'pro', 'enterprise')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Only the SHA-256 of a key is stored; the visible prefix ("dgm_" + 8 hex
-- digits) lets people tell their keys apart.
CREATE TABLE api_keys (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id  uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    prefix        text        NOT NULL UNIQUE CHECK (prefix ~ '^dgm_[0-9a-f]{8}$'),
    key_hash      bytea       NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
    role          text        NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);

CREATE INDEX api_keys_workspace_idx ON api_keys (workspace_id);
