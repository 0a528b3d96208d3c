-- The password vault (model::kinds::VAULT_FOLDERS, VAULT_ACCOUNTS): a tree of folders, each
-- with an access list (owner, manager, SSO user, browse), and the shared accounts kept in
-- them. An account's secret is never in `vault_accounts`: its versions are in
-- `vault_secrets`, encrypted with the vault key (store::vault_keys), one row per change, so a
-- history says when a secret changed and by whom and can put an old one back.
CREATE TABLE vault_folders (
    version_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id           BIGINT NOT NULL,
    valid_from          BIGINT NOT NULL,
    valid_to            BIGINT,
    changed_by          TEXT   NOT NULL,
    operation_id        BIGINT NOT NULL,
    ended_by            TEXT,
    ended_operation_id  BIGINT,
    name                TEXT   NOT NULL,
    name_key            TEXT   NOT NULL,
    description         TEXT   NOT NULL,
    parent_id           BIGINT
);
CREATE UNIQUE INDEX vault_folders_current ON vault_folders (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX vault_folders_name_current
    ON vault_folders (name_key) WHERE valid_to IS NULL;
CREATE INDEX vault_folders_parent ON vault_folders (parent_id) WHERE valid_to IS NULL;
CREATE INDEX vault_folders_object ON vault_folders (object_id, valid_from);

-- Who may do what with a folder's accounts: level 'Owner', 'Manager', 'SSO user' or 'Browse'.
CREATE TABLE vault_folder_access (
    version_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id           BIGINT NOT NULL,
    valid_from          BIGINT NOT NULL,
    valid_to            BIGINT,
    changed_by          TEXT   NOT NULL,
    operation_id        BIGINT NOT NULL,
    ended_by            TEXT,
    ended_operation_id  BIGINT,
    folder_id           BIGINT NOT NULL,
    grantee_kind        TEXT   NOT NULL,
    grantee_id          BIGINT NOT NULL,
    level               TEXT   NOT NULL
);
CREATE UNIQUE INDEX vault_folder_access_current
    ON vault_folder_access (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX vault_folder_access_pair_current
    ON vault_folder_access (folder_id, grantee_kind, grantee_id) WHERE valid_to IS NULL;
CREATE INDEX vault_folder_access_object ON vault_folder_access (object_id, valid_from);

CREATE TABLE vault_accounts (
    version_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id           BIGINT NOT NULL,
    valid_from          BIGINT NOT NULL,
    valid_to            BIGINT,
    changed_by          TEXT   NOT NULL,
    operation_id        BIGINT NOT NULL,
    ended_by            TEXT,
    ended_operation_id  BIGINT,
    name                TEXT   NOT NULL,
    name_key            TEXT   NOT NULL,
    folder_id           BIGINT,
    system_id           BIGINT,
    login_name          TEXT   NOT NULL,
    login_url           TEXT   NOT NULL,
    description         TEXT   NOT NULL,
    credential_type     TEXT   NOT NULL
);
CREATE UNIQUE INDEX vault_accounts_current ON vault_accounts (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX vault_accounts_name_current
    ON vault_accounts (name_key) WHERE valid_to IS NULL;
CREATE INDEX vault_accounts_folder ON vault_accounts (folder_id) WHERE valid_to IS NULL;
CREATE INDEX vault_accounts_object ON vault_accounts (object_id, valid_from);

-- `object_id` is the vault account's. `key_id` names the vault key that sealed `ciphertext`
-- (hex, XChaCha20-Poly1305 with the account's id as associated data) under `nonce` (hex).
CREATE TABLE vault_secrets (
    version_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id           BIGINT NOT NULL,
    valid_from          BIGINT NOT NULL,
    valid_to            BIGINT,
    changed_by          TEXT   NOT NULL,
    operation_id        BIGINT NOT NULL,
    ended_by            TEXT,
    ended_operation_id  BIGINT,
    key_id              TEXT   NOT NULL,
    nonce               TEXT   NOT NULL,
    ciphertext          TEXT   NOT NULL
);
CREATE UNIQUE INDEX vault_secrets_current ON vault_secrets (object_id) WHERE valid_to IS NULL;
CREATE INDEX vault_secrets_object ON vault_secrets (object_id, valid_from);
