-- Login throttling per (user name, client address) and per client address, so failures from
-- one address cannot lock an operator out everywhere; session idle timeout and the time the
-- operator last entered their password (re-authentication for sensitive operations).
-- Times are BIGINT microseconds since the Unix epoch (UTC), as everywhere.
DROP TABLE login_throttle;
CREATE TABLE login_throttle (
    -- '' for the row that counts an address's attempts across all user names.
    username_key     TEXT   NOT NULL,
    client_address   TEXT   NOT NULL,
    -- Attempts since the last success, counted before the password is checked.
    failures         BIGINT NOT NULL,
    last_attempt_at  BIGINT NOT NULL,
    locked_until     BIGINT,
    -- Attempts refused during the current lock (only the first is written to the audit log).
    refused          BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (username_key, client_address)
);
CREATE INDEX login_throttle_last_attempt ON login_throttle (last_attempt_at);

ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN password_at BIGINT NOT NULL DEFAULT 0;
UPDATE sessions SET last_seen_at = created_at, password_at = created_at;
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX system_restore_requests_expires ON system_restore_requests (expires_at);
