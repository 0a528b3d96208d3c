-- Per-operator console preferences (e.g. the columns of a list and their order).
CREATE TABLE operator_preferences (
    operator_id  BIGINT NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    name         TEXT   NOT NULL,
    value        TEXT   NOT NULL,
    PRIMARY KEY (operator_id, name)
);
