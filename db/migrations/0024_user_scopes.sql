-- A user's scopes, as an API key's: NULL may do everything the role
-- allows, a list only the routes of those scopes. A user added through
-- the API (POST /v1/users) holds at most the scopes of the key or user
-- that added them, and their sessions' tokens carry exactly these.

ALTER TABLE users
    ADD COLUMN scopes text[] CHECK (cardinality(scopes) > 0 AND scopes <@
                   ARRAY['translate', 'billing:read', 'billing:write', 'reports']);
