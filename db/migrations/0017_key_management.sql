-- API keys managed through the API (POST/GET/DELETE /v1/keys): a name to
-- tell them apart, and optional scopes. A key with scopes NULL may do
-- everything its role allows; one with a list only the routes of those
-- scopes. created_by is the key that made it (NULL: dragoman-admin).

ALTER TABLE api_keys
    ADD COLUMN name       text   CHECK (char_length(name) BETWEEN 1 AND 100),
    ADD COLUMN scopes     text[] CHECK (cardinality(scopes) > 0 AND scopes <@
                              ARRAY['translate', 'billing:read', 'billing:write', 'reports']),
    ADD COLUMN created_by uuid   REFERENCES api_keys (id);
