-- A restore request is bound to the SHA-256 of the backup file it approves, recorded when
-- the code is sent and checked on the bytes restored: a file replaced on disk afterwards is
-- refused. Requests from before this migration have none and can no longer be used.
ALTER TABLE system_restore_requests ADD COLUMN file_sha256 TEXT NOT NULL DEFAULT '';

-- At most one pending request per backup, so the Owner's inbox receives one code at a time.
UPDATE system_restore_requests SET status = 'void'
WHERE status = 'pending'
  AND id NOT IN (SELECT MAX(id) FROM system_restore_requests WHERE status = 'pending'
                 GROUP BY backup_id);
CREATE UNIQUE INDEX system_restore_requests_one_pending
    ON system_restore_requests (backup_id) WHERE status = 'pending';

-- A row while a system restore runs: identity writes are refused meanwhile ("A restore is in
-- progress") instead of waiting for the restore and landing on top of the restored data. The
-- server clears a row left by a restore that was killed when it starts.
CREATE TABLE system_maintenance (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    started_at  BIGINT NOT NULL,
    started_by  TEXT   NOT NULL
);
