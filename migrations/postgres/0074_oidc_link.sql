-- purpose 'link': a signed-in operator links their own account to the provider (session_hash
-- names that session).
ALTER TABLE oidc_logins DROP CONSTRAINT oidc_logins_purpose_check;
ALTER TABLE oidc_logins ADD CONSTRAINT oidc_logins_purpose_check
    CHECK (purpose IN ('login', 'confirm', 'link'));
