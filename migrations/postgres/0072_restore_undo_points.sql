-- Which snapshot holds the state a restore of a user replaced: undoing the restore (REST API)
-- restores it. Identity data: it travels with the operations and snapshots it names.
CREATE TABLE restore_undo_points (
    operation_id  BIGINT PRIMARY KEY,
    user_id       BIGINT NOT NULL,
    snapshot_id   BIGINT NOT NULL
);
