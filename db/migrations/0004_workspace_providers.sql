-- A workspace may choose its own provider order (comma-separated names,
-- tried first to last); NULL means the server's `providers` setting.
-- Names the server does not configure are skipped when translating.
ALTER TABLE workspaces
    ADD COLUMN providers text CHECK (providers ~ '^[a-z]+(,[a-z]+){0,7}$');
