-- Segregation of duties rules (model::kinds::SOD_RULES): roles no one should hold together.
-- `sod_type` is "all" (every role of `roles`), "more than" (more than `threshold` of them)
-- or "pairs" (each line of `pairs`, `A@S + B@S: risk`, has its own risk); `risk` is none,
-- low, high or forbidden. Role names are kept as `Role@System` and follow renames.
CREATE TABLE sod_rules (
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
    sod_type            TEXT   NOT NULL,
    threshold           TEXT   NOT NULL,
    risk                TEXT   NOT NULL,
    roles               TEXT   NOT NULL,
    pairs               TEXT   NOT NULL
);
CREATE UNIQUE INDEX sod_rules_current ON sod_rules (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX sod_rules_name_current ON sod_rules (name_key) WHERE valid_to IS NULL;
CREATE INDEX sod_rules_object ON sod_rules (object_id, valid_from);
