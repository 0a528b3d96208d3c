-- API tokens (store::api_tokens): a console table, never in backups. Only the SHA-256 of a
-- token is kept; `prefix` (its first characters) lets people tell tokens apart.
-- `permissions` are permission names (model::Permission::name) separated by spaces.
CREATE TABLE api_tokens (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name           TEXT   NOT NULL,
    name_key       TEXT   NOT NULL UNIQUE,
    token_hash     TEXT   NOT NULL UNIQUE,
    prefix         TEXT   NOT NULL,
    operator_id    BIGINT NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    permissions    TEXT   NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    last_used_at   BIGINT,
    revoked_at     BIGINT,
    revoked_by     TEXT
);
CREATE INDEX api_tokens_operator ON api_tokens (operator_id);
