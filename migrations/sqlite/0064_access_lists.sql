-- Access lists of declared kinds (model::AccessList), versioned like memberships:
-- grantee_kind 'user', 'group' or 'role'.
-- Who may execute or manage an application entry (level 'Execute' or 'Manage').
CREATE TABLE application_authorizations (
    version_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id           BIGINT NOT NULL,
    valid_from          BIGINT NOT NULL,
    valid_to            BIGINT,
    changed_by          TEXT   NOT NULL,
    operation_id        BIGINT NOT NULL,
    ended_by            TEXT,
    ended_operation_id  BIGINT,
    entry_id            BIGINT NOT NULL,
    grantee_kind        TEXT   NOT NULL,
    grantee_id          BIGINT NOT NULL,
    level               TEXT   NOT NULL
);
CREATE UNIQUE INDEX application_authorizations_current
    ON application_authorizations (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX application_authorizations_pair_current
    ON application_authorizations (entry_id, grantee_kind, grantee_id) WHERE valid_to IS NULL;
CREATE INDEX application_authorizations_object
    ON application_authorizations (object_id, valid_from);

-- A network's access control: a level for the hosts whose names match `mask` ('' = all).
CREATE TABLE network_access (
    version_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id           BIGINT NOT NULL,
    valid_from          BIGINT NOT NULL,
    valid_to            BIGINT,
    changed_by          TEXT   NOT NULL,
    operation_id        BIGINT NOT NULL,
    ended_by            TEXT,
    ended_operation_id  BIGINT,
    network_id          BIGINT NOT NULL,
    grantee_kind        TEXT   NOT NULL,
    grantee_id          BIGINT NOT NULL,
    level               TEXT   NOT NULL,
    mask                TEXT   NOT NULL
);
CREATE UNIQUE INDEX network_access_current ON network_access (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX network_access_entry_current
    ON network_access (network_id, grantee_kind, grantee_id, mask) WHERE valid_to IS NULL;
CREATE INDEX network_access_object ON network_access (object_id, valid_from);
