-- The application access tree (model::kinds::APPLICATIONS): folders (menu <> 0) and
-- application entry points, each under at most one folder (parent_id NULL at the top). The
-- store refuses a move that would put an entry inside itself.
CREATE TABLE application_entries (
    version_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id                   BIGINT NOT NULL,
    valid_from                  BIGINT NOT NULL,
    valid_to                    BIGINT,
    changed_by                  TEXT   NOT NULL,
    operation_id                BIGINT NOT NULL,
    ended_by                    TEXT,
    ended_operation_id          BIGINT,
    name                        TEXT   NOT NULL,
    name_key                    TEXT   NOT NULL,
    description                 TEXT   NOT NULL,
    menu                        BIGINT NOT NULL,
    parent_id                   BIGINT,
    code                        TEXT   NOT NULL,
    information_system          TEXT   NOT NULL,
    system_id                   BIGINT,
    menu_type                   TEXT   NOT NULL,
    public_access               BIGINT NOT NULL,
    visible_without_permission  BIGINT NOT NULL
);
CREATE UNIQUE INDEX application_entries_current
    ON application_entries (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX application_entries_name_current
    ON application_entries (name_key) WHERE valid_to IS NULL;
CREATE INDEX application_entries_parent ON application_entries (parent_id) WHERE valid_to IS NULL;
CREATE INDEX application_entries_object ON application_entries (object_id, valid_from);
