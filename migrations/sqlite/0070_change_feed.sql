-- The change feed (GET /api/v1/changes): every operation gets a feed position in commit
-- order, and every version an operation writes or ends is logged against it.
--
-- Positions come from change_feed_counter, a console table: a system restore replaces the
-- operations but never the counter, so positions only grow and followers' cursors stay
-- valid across restores. On SQLite write transactions run one at a time, so a position taken
-- when the operation is written is already in commit order.
CREATE TABLE change_feed_counter (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    last  BIGINT NOT NULL
);
ALTER TABLE operations ADD COLUMN feed_seq BIGINT;
UPDATE operations SET feed_seq = id;
INSERT INTO change_feed_counter (id, last) SELECT 1, COALESCE(MAX(id), 0) FROM operations;
CREATE UNIQUE INDEX operations_feed_seq ON operations (feed_seq);

-- Restored operations keep the position they had (WHEN): only new ones take the next.
CREATE TRIGGER operations_take_feed_seq AFTER INSERT ON operations WHEN NEW.feed_seq IS NULL
BEGIN
    UPDATE change_feed_counter SET last = last + 1 WHERE id = 1;
    UPDATE operations SET feed_seq = (SELECT last FROM change_feed_counter WHERE id = 1)
     WHERE id = NEW.id;
END;

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
