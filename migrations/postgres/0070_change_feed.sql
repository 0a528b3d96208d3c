-- The change feed (GET /api/v1/changes): every operation gets a feed position in commit
-- order, and every version an operation writes or ends is logged against it.
--
-- Positions come from change_feed_counter, a console table: a system restore replaces the
-- operations but never the counter, so positions only grow and followers' cursors stay
-- valid across restores. On PostgreSQL transactions commit concurrently, so the position is
-- taken at commit, by a deferred constraint trigger: the counter's row lock is held from
-- then until the commit ends, so a later position is never visible before an earlier one.
CREATE TABLE change_feed_counter (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    last  BIGINT NOT NULL
);
ALTER TABLE operations ADD COLUMN feed_seq BIGINT;
UPDATE operations SET feed_seq = id;
INSERT INTO change_feed_counter (id, last) SELECT 1, COALESCE(MAX(id), 0) FROM operations;
CREATE UNIQUE INDEX operations_feed_seq ON operations (feed_seq);

CREATE FUNCTION operations_take_feed_seq() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    position BIGINT;
BEGIN
    UPDATE change_feed_counter SET last = last + 1 WHERE id = 1 RETURNING last INTO position;
    UPDATE operations SET feed_seq = position WHERE id = NEW.id;
    RETURN NULL;
END
$$;

-- Restored operations keep the position they had (WHEN): only new ones take the next.
CREATE CONSTRAINT TRIGGER operations_take_feed_seq AFTER INSERT ON operations
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.feed_seq IS NULL)
    EXECUTE FUNCTION operations_take_feed_seq();

-- What the feed says besides operations, with positions from the same counter: after a
-- system restore, one announcement naming the backup tells followers to read everything
-- again. A console table, so a restore reproduces the backup's identity tables exactly.
CREATE TABLE change_feed_announcements (
    feed_seq  BIGINT PRIMARY KEY,
    at        BIGINT NOT NULL,
    operator  TEXT   NOT NULL,
    kind      TEXT   NOT NULL,
    summary   TEXT   NOT NULL
);

-- One row per version an operation inserted (ended = 0) or closed (ended = 1).
CREATE TABLE change_log (
    operation_id  BIGINT  NOT NULL,
    table_name    TEXT    NOT NULL,
    object_id     BIGINT  NOT NULL,
    version_id    BIGINT  NOT NULL,
    ended         BIGINT  NOT NULL
);
CREATE INDEX change_log_operation ON change_log (operation_id);
