-- A workspace's own credentials for a provider (bring your own DeepL,
-- Google, OpenAI or LibreTranslate key), sealed with AES-256-GCM under
-- the master key key_id (see src/secrets.c) and bound to their row: the
-- plain key is never stored, returned or logged. hint is its last four
-- characters, to tell keys apart.

CREATE TABLE provider_credentials (
    workspace_id  uuid        NOT NULL REFERENCES workspaces (id),
    provider      text        NOT NULL
                              CHECK (provider IN ('libretranslate', 'deepl', 'google', 'openai')),
    key_id        text        NOT NULL CHECK (key_id ~ '^[0-9a-f]{16}$'),
    nonce         bytea       NOT NULL CHECK (octet_length(nonce) = 12),
    ciphertext    bytea       NOT NULL CHECK (octet_length(ciphertext) > 16),
    hint          text        NOT NULL CHECK (char_length(hint) <= 4),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, provider)
);
CREATE INDEX provider_credentials_key_idx ON provider_credentials (key_id);
