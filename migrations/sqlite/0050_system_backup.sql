-- System backups: the server-side backup catalogue, the automatic-backup schedule, restore
-- requests approved by the Owner with a one-time code, and the operators' in-app inbox.
-- These are console bookkeeping tables: a system backup never contains or replaces them.
-- Encoding as everywhere: times BIGINT microseconds since the Unix epoch (UTC), flags BIGINT 0/1.
CREATE TABLE system_backups (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    label            TEXT    NOT NULL,
    kind             TEXT    NOT NULL CHECK (kind IN ('manual', 'automatic', 'imported')),
    status           TEXT    NOT NULL CHECK (status IN ('running', 'ready', 'failed')),
    created_at       BIGINT  NOT NULL,
    created_by       TEXT    NOT NULL,
    file_name        TEXT    NOT NULL,
    size_bytes       BIGINT  NOT NULL DEFAULT 0,
    schema_version   BIGINT  NOT NULL DEFAULT 0,
    total_rows       BIGINT  NOT NULL DEFAULT 0,
    -- JSON array of {"table": name, "rows": n}, in the archive's order.
    table_counts     TEXT    NOT NULL DEFAULT '[]',
    error            TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX system_backups_created_at ON system_backups (created_at);

-- One row (id = 1): automatic backups daily or weekly at a UTC time, keeping the last N.
CREATE TABLE system_backup_schedule (
    id            BIGINT  PRIMARY KEY CHECK (id = 1),
    enabled       BIGINT  NOT NULL,
    frequency     TEXT    NOT NULL CHECK (frequency IN ('daily', 'weekly')),
    -- 0 = Monday ... 6 = Sunday; used when weekly.
    weekday       BIGINT  NOT NULL,
    -- Minutes after midnight UTC.
    minute_of_day BIGINT  NOT NULL,
    keep_last     BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL,
    last_run_at   BIGINT
);

CREATE TABLE system_restore_requests (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    backup_id       BIGINT  NOT NULL REFERENCES system_backups (id) ON DELETE CASCADE,
    requested_by    BIGINT  NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    created_at      BIGINT  NOT NULL,
    expires_at      BIGINT  NOT NULL,
    -- SHA-256 of salt || code; the code itself is never stored.
    code_salt       TEXT    NOT NULL,
    code_hash       TEXT    NOT NULL,
    failed_attempts BIGINT  NOT NULL DEFAULT 0,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'void'))
);

CREATE TABLE operator_inbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    operator_id  BIGINT  NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    created_at   BIGINT  NOT NULL,
    subject      TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    read_at      BIGINT
);
CREATE INDEX operator_inbox_operator ON operator_inbox (operator_id, read_at);
