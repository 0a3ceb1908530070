-- Users of a workspace, who sign in with a password (hashed with scrypt,
-- see src/password.c) and get short-lived access tokens (JWT) and
-- rotating refresh tokens. A user's role in the workspace is owner, admin
-- or member; platform_admin users may also use /v1/admin/*.

CREATE TABLE users (
    id                   uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id         uuid        NOT NULL REFERENCES workspaces (id),
    email                text        NOT NULL UNIQUE
                                     CHECK (email = lower(email) AND char_length(email) <= 254
                                            AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    role                 text        NOT NULL DEFAULT 'member'
                                     CHECK (role IN ('owner', 'admin', 'member')),
    platform_admin       boolean     NOT NULL DEFAULT false,
    password_hash        text        NOT NULL CHECK (password_hash LIKE 'scrypt$%'),
    -- preferences: the default target of /v1/translate, and an off switch
    target_language      text        CHECK (target_language ~ '^[a-z]{2}$'),
    translation_enabled  boolean     NOT NULL DEFAULT true,
    created_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_workspace_idx ON users (workspace_id);

-- One sign-in. Its refresh tokens are one family, rotated on every use;
-- its access tokens carry its id (sid). Revoking it (logout, or the reuse
-- of a refresh token already used) ends them all.
CREATE TABLE sessions (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    revoked_why  text
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Only the SHA-256 of a refresh token is stored.
CREATE TABLE refresh_tokens (
    token_hash   bytea       PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    session_id   uuid        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    used_at      timestamptz
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

-- finding a user's events, to export or anonymise them
CREATE INDEX usage_events_user_idx ON usage_events (user_id) WHERE user_id IS NOT NULL;
