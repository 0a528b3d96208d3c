-- Custom object types (model::kinds::CUSTOM_OBJECT_TYPES) and their objects
-- (model::kinds::CUSTOM_OBJECTS). A type declares its attributes, one `key: type` line each
-- (`attributes`); an object keeps its values as `key=value` lines (`attribute_values`),
-- checked against its type by the store.
CREATE TABLE custom_object_types (
    version_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id           BIGINT NOT NULL,
    valid_from          BIGINT NOT NULL,
    valid_to            BIGINT,
    changed_by          TEXT   NOT NULL,
    operation_id        BIGINT NOT NULL,
    ended_by            TEXT,
    ended_operation_id  BIGINT,
    name                TEXT   NOT NULL,
    name_key            TEXT   NOT NULL,
    description         TEXT   NOT NULL,
    attributes          TEXT   NOT NULL
);
CREATE UNIQUE INDEX custom_object_types_current
    ON custom_object_types (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX custom_object_types_name_current
    ON custom_object_types (name_key) WHERE valid_to IS NULL;
CREATE INDEX custom_object_types_object ON custom_object_types (object_id, valid_from);

CREATE TABLE custom_objects (
    version_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id           BIGINT NOT NULL,
    valid_from          BIGINT NOT NULL,
    valid_to            BIGINT,
    changed_by          TEXT   NOT NULL,
    operation_id        BIGINT NOT NULL,
    ended_by            TEXT,
    ended_operation_id  BIGINT,
    name                TEXT   NOT NULL,
    name_key            TEXT   NOT NULL,
    type_id             BIGINT,
    description         TEXT   NOT NULL,
    attribute_values    TEXT   NOT NULL
);
CREATE UNIQUE INDEX custom_objects_current ON custom_objects (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX custom_objects_name_current
    ON custom_objects (name_key) WHERE valid_to IS NULL;
CREATE INDEX custom_objects_type ON custom_objects (type_id) WHERE valid_to IS NULL;
CREATE INDEX custom_objects_object ON custom_objects (object_id, valid_from);
