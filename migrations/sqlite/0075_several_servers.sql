-- Several server processes on one database: what a console polls must be readable from
-- whichever process serves the poll, and what a dead process left behind must be told apart
-- from what a live one is still doing.
-- Times BIGINT microseconds since the Unix epoch (UTC), as everywhere.

-- A background backup or restore and its progress. The process running it refreshes
-- heartbeat_at while it runs; a running job whose heartbeat stopped belongs to a process
-- that died.
CREATE TABLE system_jobs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT   NOT NULL CHECK (kind IN ('backup', 'restore')),
    backup_id     BIGINT NOT NULL,
    state         TEXT   NOT NULL CHECK (state IN ('running', 'succeeded', 'failed')),
    rows_done     BIGINT NOT NULL DEFAULT 0,
    rows_total    BIGINT NOT NULL DEFAULT 0,
    error         TEXT   NOT NULL DEFAULT '',
    -- JSON array of strings: what a finished restore reports besides success.
    notes         TEXT   NOT NULL DEFAULT '[]',
    started_at    BIGINT NOT NULL,
    heartbeat_at  BIGINT NOT NULL
);
CREATE INDEX system_jobs_started_at ON system_jobs (started_at);

-- Refreshed by the process writing a backup while it is `running` (queued or written); a
-- running backup whose heartbeat stopped was interrupted, whichever process notices.
ALTER TABLE system_backups ADD COLUMN heartbeat_at BIGINT;

-- "Apply now" of a role assignment rule: the latest run of each rule with its progress, so
-- that any process shows it, refuses a second start and passes on a cancel. The process
-- running it refreshes heartbeat_at; a run whose heartbeat stopped was interrupted.
CREATE TABLE role_rule_runs (
    rule          BIGINT PRIMARY KEY,
    started_at    BIGINT NOT NULL,
    started_by    TEXT   NOT NULL,
    finished_at   BIGINT,
    total         BIGINT NOT NULL DEFAULT 0,
    done          BIGINT NOT NULL DEFAULT 0,
    granted       BIGINT NOT NULL DEFAULT 0,
    revoked       BIGINT NOT NULL DEFAULT 0,
    withheld      BIGINT NOT NULL DEFAULT 0,
    state         TEXT   NOT NULL
        CHECK (state IN ('running', 'cancelling', 'finished', 'cancelled', 'failed')),
    -- Why a failed run stopped: a message fit to show.
    failure       TEXT   NOT NULL DEFAULT '',
    heartbeat_at  BIGINT NOT NULL
);
