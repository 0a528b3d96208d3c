-- Console operators, their sessions, login throttling and the audit log.
-- Encoding shared with the PostgreSQL schema: times are BIGINT microseconds since the Unix
-- epoch (UTC); flags are BIGINT 0/1; identifiers are BIGINT.
CREATE TABLE operators (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    username       TEXT    NOT NULL,
    username_key   TEXT    NOT NULL UNIQUE,
    display_name   TEXT    NOT NULL,
    role           TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'auditor')),
    password_hash  TEXT    NOT NULL,
    disabled       BIGINT  NOT NULL DEFAULT 0,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    last_login_at  BIGINT
);
-- Exactly one Owner: at most one here, at least one enforced by the store.
CREATE UNIQUE INDEX operators_single_owner ON operators (role) WHERE role = 'owner';

CREATE TABLE sessions (
    token_hash   TEXT   PRIMARY KEY,
    operator_id  BIGINT NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_operator ON sessions (operator_id);

CREATE TABLE login_throttle (
    username_key  TEXT   PRIMARY KEY,
    failures      BIGINT NOT NULL,
    locked_until  BIGINT
);

CREATE TABLE setup_tokens (
    token_hash  TEXT   PRIMARY KEY,
    created_at  BIGINT NOT NULL
);

CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             BIGINT NOT NULL,
    operator_id    BIGINT,
    operator_name  TEXT   NOT NULL,
    action         TEXT   NOT NULL,
    target         TEXT   NOT NULL,
    outcome        TEXT   NOT NULL,
    details        TEXT   NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
