-- The group tree at a past instant needs the versions whose [valid_from, valid_to) contains
-- it. Ordered by start alone, an index holds them among every version that began earlier
-- (half the history, half-way back); the R*Tree of 0052 (SQLite) found them quickly only
-- while versions began and ended at shared instants, and slowed to a scan's cost on history
-- with random instants (issue 21). Instead each closed version gets a length class: the
-- decimal length of valid_to - valid_from and whether its leading digit is 1, 2-4 or 5-9,
-- so the lengths within a class differ by at most 2.5x. A version of class c live at T began
-- after T - width(c) (the class's longest length), so one index range per class finds the
-- live versions among at most about twice as many (store::temporal::span_windows). Current
-- versions come from the partial index of current versions.
DROP TRIGGER groups_span_insert;
DROP TRIGGER groups_span_update;
DROP TRIGGER groups_span_delete;
DROP TABLE groups_span;

ALTER TABLE groups ADD COLUMN span_class INTEGER GENERATED ALWAYS AS (
    CASE WHEN valid_to IS NULL THEN NULL
         ELSE length(CAST(valid_to - valid_from AS TEXT)) * 3
              + CASE WHEN substr(CAST(valid_to - valid_from AS TEXT), 1, 1) < '2' THEN 0
                     WHEN substr(CAST(valid_to - valid_from AS TEXT), 1, 1) < '5' THEN 1
                     ELSE 2 END
    END
) VIRTUAL;

CREATE INDEX groups_tree_span
    ON groups (span_class, valid_from, valid_to, object_id, parent_id, disabled, name)
    WHERE valid_to IS NOT NULL;
