-- The users list counts the users live at a past instant. Like the group tree (0077), closed
-- user versions get a length class and are found one index range per class; the current
-- versions that began by the instant come from an index on their start. That index is on
-- the expression valid_from + 0, which only the count names: on plain valid_from, SQLite
-- combined it with users_span to answer the list page's "live at T" by an OR of the two
-- indexes and a sort of every live user, instead of walking users_name_key in name order.

ALTER TABLE users ADD COLUMN span_class BIGINT GENERATED ALWAYS AS (
    CASE WHEN valid_to IS NULL THEN NULL
         ELSE length(CAST(valid_to - valid_from AS TEXT)) * 3
              + CASE WHEN substr(CAST(valid_to - valid_from AS TEXT), 1, 1) < '2' THEN 0
                     WHEN substr(CAST(valid_to - valid_from AS TEXT), 1, 1) < '5' THEN 1
                     ELSE 2 END
    END
) STORED;

CREATE INDEX users_span ON users (span_class, valid_from) INCLUDE (valid_to)
    WHERE valid_to IS NOT NULL;
-- PostgreSQL has no such OR plan to avoid and counts only from a plain column's index
-- without visiting the table, so here the index is on valid_from itself.
CREATE INDEX users_current_from ON users (valid_from) WHERE valid_to IS NULL;
