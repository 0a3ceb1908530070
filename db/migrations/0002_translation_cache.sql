-- Long-term translation cache (memcached holds the hot copy).
-- key_hash is the SHA-256 of source, target, format, context and text
-- (src/tcache.c); the text itself is not kept, only its translation.

CREATE TABLE translation_cache (
    key_hash    bytea       PRIMARY KEY CHECK (octet_length(key_hash) = 32),
    source      text        NOT NULL,
    target      text        NOT NULL,
    format      text        NOT NULL CHECK (format IN ('text', 'html')),
    provider    text        NOT NULL,
    model       text        NOT NULL,
    translated  text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
