-- Substring search on the users list (`LIKE '%term%'` on the name, full name and e-mail) cannot
-- use a B-tree index. An FTS5 trigram index over the current users narrows it to the rows that
-- contain the term; the list still applies the exact LIKE to them. The triggers keep it in step
-- with `users` inside the writing transaction. Derived data: system backups skip these tables
-- (the triggers rebuild them when a backup is restored).
CREATE VIRTUAL TABLE users_search USING fts5 (text, tokenize = 'trigram');

INSERT INTO users_search (rowid, text)
SELECT version_id, name_key || ' ' || first_name || ' ' || last_name || ' ' || email
FROM users WHERE valid_to IS NULL;

CREATE TRIGGER users_search_insert AFTER INSERT ON users WHEN NEW.valid_to IS NULL
BEGIN
    INSERT INTO users_search (rowid, text) VALUES (NEW.version_id,
        NEW.name_key || ' ' || NEW.first_name || ' ' || NEW.last_name || ' ' || NEW.email);
END;

-- One trigger, so the old entry goes before the new one comes (a version may stay current).
CREATE TRIGGER users_search_update AFTER UPDATE ON users
BEGIN
    DELETE FROM users_search WHERE OLD.valid_to IS NULL AND rowid = OLD.version_id;
    INSERT INTO users_search (rowid, text)
    SELECT NEW.version_id,
        NEW.name_key || ' ' || NEW.first_name || ' ' || NEW.last_name || ' ' || NEW.email
    WHERE NEW.valid_to IS NULL;
END;

CREATE TRIGGER users_search_delete AFTER DELETE ON users WHEN OLD.valid_to IS NULL
BEGIN
    DELETE FROM users_search WHERE rowid = OLD.version_id;
END;

-- The group tree reads four columns of every group live at an instant. Covering indexes
-- answer it without visiting the table: the current tree from a partial index, a past tree
-- from one ordered like groups_valid (which it replaces: same leading columns).
CREATE INDEX groups_tree_current ON groups (valid_from, valid_to, object_id, parent_id, disabled, name)
    WHERE valid_to IS NULL;
CREATE INDEX groups_tree_valid ON groups (valid_from, valid_to, object_id, parent_id, disabled, name);
DROP INDEX groups_valid;
