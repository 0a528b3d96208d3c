-- User snapshots: the complete state of one user at a moment (see store::snapshots).

-- One row (id = 1), changeable at run time. min_delay_secs is the throttle; delay_unit only
-- says how the console shows it ('minutes', 'hours' or 'days').
CREATE TABLE snapshot_config (
    id                    BIGINT PRIMARY KEY,
    min_delay_secs        BIGINT NOT NULL,
    delay_unit            TEXT   NOT NULL,
    keep_count            BIGINT NOT NULL,
    entitlements_history  BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL,
    updated_by            TEXT   NOT NULL
);
INSERT INTO snapshot_config (id, min_delay_secs, delay_unit, keep_count, entitlements_history,
                             updated_at, updated_by)
VALUES (1, 3600, 'hours', 50, 1, 0, 'system');

-- document is the state as deterministic JSON; content_hash its SHA-256 (hex).
-- valid_until IS NULL marks the newest snapshot of a live user.
CREATE TABLE user_snapshots (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       BIGINT NOT NULL,
    valid_since   BIGINT NOT NULL,
    valid_until   BIGINT,
    document      TEXT   NOT NULL,
    size          BIGINT NOT NULL,
    content_hash  TEXT   NOT NULL,
    operation_id  BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX user_snapshots_user ON user_snapshots (user_id, valid_since);
