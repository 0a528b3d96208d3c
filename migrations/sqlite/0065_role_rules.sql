-- Role assignment rules (model::kinds::ROLE_RULES): a condition over users in the advanced
-- query language and the roles (`Role@System` lines, `; scope` optional) it grants. A
-- grant a rule made names it in `grants.rule_id`; hand-made grants have none.
CREATE TABLE role_rules (
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
    condition           TEXT   NOT NULL,
    roles               TEXT   NOT NULL
);
CREATE UNIQUE INDEX role_rules_current ON role_rules (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX role_rules_name_current ON role_rules (name_key) WHERE valid_to IS NULL;
CREATE INDEX role_rules_object ON role_rules (object_id, valid_from);

ALTER TABLE grants ADD COLUMN rule_id BIGINT;
CREATE INDEX grants_rule ON grants (rule_id) WHERE rule_id IS NOT NULL AND valid_to IS NULL;
