-- Printer queues assigned to users and groups (grantee_kind 'user' or 'group'), versioned
-- like memberships: a user's own assignments are part of their snapshots.
CREATE TABLE printer_assignments (
    version_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id           BIGINT NOT NULL,
    valid_from          BIGINT NOT NULL,
    valid_to            BIGINT,
    changed_by          TEXT   NOT NULL,
    operation_id        BIGINT NOT NULL,
    ended_by            TEXT,
    ended_operation_id  BIGINT,
    printer_id          BIGINT NOT NULL,
    grantee_kind        TEXT   NOT NULL,
    grantee_id          BIGINT NOT NULL
);
CREATE UNIQUE INDEX printer_assignments_current
    ON printer_assignments (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX printer_assignments_pair_current
    ON printer_assignments (printer_id, grantee_kind, grantee_id) WHERE valid_to IS NULL;
CREATE INDEX printer_assignments_grantee
    ON printer_assignments (grantee_kind, grantee_id, valid_from);
CREATE INDEX printer_assignments_object ON printer_assignments (object_id, valid_from);
