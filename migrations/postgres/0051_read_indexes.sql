-- Substring search on the users list (`LIKE '%term%'` on the name, full name and e-mail) cannot
-- use a B-tree index: trigram GIN indexes over the current users answer it. pg_trgm ships with
-- PostgreSQL (contrib) and is a trusted extension: the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX users_search_current ON users USING gin (
    name_key gin_trgm_ops,
    lower(first_name || ' ' || last_name) gin_trgm_ops,
    lower(email) gin_trgm_ops
) WHERE valid_to IS NULL;

-- The group tree at a past instant reads four columns of the groups live then: a covering
-- index in the order of groups_valid, which it replaces (same leading columns).
CREATE INDEX groups_tree_valid ON groups (valid_from, valid_to) INCLUDE (object_id, parent_id, disabled, name);
DROP INDEX groups_valid;
