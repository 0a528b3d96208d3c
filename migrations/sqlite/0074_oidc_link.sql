-- purpose 'link': a signed-in operator links their own account to the provider (session_hash
-- names that session). oidc_logins only holds sign-ins in progress for minutes, so it is
-- recreated with the wider check rather than copied.
DROP TABLE oidc_logins;
CREATE TABLE oidc_logins (
    key_hash       TEXT   PRIMARY KEY,
    csrf_state     TEXT   NOT NULL,
    nonce          TEXT   NOT NULL,
    pkce_verifier  TEXT   NOT NULL,
    purpose        TEXT   NOT NULL CHECK (purpose IN ('login', 'confirm', 'link')),
    session_hash   TEXT,
    return_to      TEXT   NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);
CREATE INDEX oidc_logins_expires ON oidc_logins (expires_at);
