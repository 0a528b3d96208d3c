-- Operators who sign in with OpenID Connect (app::oidc, store::oidc). Console tables, never in
-- backups. An operator is linked to the provider's (issuer, subject) pair, never to a user name
-- an identity provider user could choose; an operator has at most one link.
CREATE TABLE operator_identities (
    issuer       TEXT   NOT NULL,
    subject      TEXT   NOT NULL,
    operator_id  BIGINT NOT NULL UNIQUE REFERENCES operators (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject)
);

-- Sign-ins in progress: the browser holds a random key in a short-lived cookie, this row (found
-- by the key's SHA-256) holds the state, nonce and PKCE verifier sent to the provider. A row is
-- used once (deleted when the provider sends the browser back) and expires after minutes.
-- purpose 'confirm' re-authenticates a signed-in operator: session_hash names that session.
CREATE TABLE oidc_logins (
    key_hash       TEXT   PRIMARY KEY,
    csrf_state     TEXT   NOT NULL,
    nonce          TEXT   NOT NULL,
    pkce_verifier  TEXT   NOT NULL,
    purpose        TEXT   NOT NULL CHECK (purpose IN ('login', 'confirm')),
    session_hash   TEXT,
    return_to      TEXT   NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);
CREATE INDEX oidc_logins_expires ON oidc_logins (expires_at);
