-- The identity store, system-versioned (SQL:2011 style, enforced by the store).
--
-- Every versioned table has the same temporal columns: `object_id` is the stable id of the
-- logical object (allocated in `objects`), `version_id` one version of it. A version is current
-- while `valid_to` IS NULL; rows are never updated except to close them (valid_to, ended_by,
-- ended_operation_id), and deleting an object closes its last version. An object as of T is
-- the version with valid_from <= T AND (valid_to IS NULL OR valid_to > T).
-- `operation_id` groups the versions one logical change wrote (see `operations`).
-- Encoding as in 0001: times BIGINT microseconds since the epoch (UTC), flags BIGINT 0/1.

CREATE TABLE operations (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        BIGINT NOT NULL,
    operator  TEXT   NOT NULL,
    kind      TEXT   NOT NULL,
    summary   TEXT   NOT NULL
);
CREATE INDEX operations_at ON operations (at);

CREATE TABLE objects (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    kind  TEXT NOT NULL
);

CREATE TABLE users (
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
    first_name          TEXT   NOT NULL,
    middle_name         TEXT   NOT NULL,
    last_name           TEXT   NOT NULL,
    user_type           TEXT   NOT NULL,
    primary_group_id    BIGINT NOT NULL,
    home_server         TEXT   NOT NULL,
    profile_server      TEXT   NOT NULL,
    mail_server         TEXT   NOT NULL,
    email               TEXT   NOT NULL,
    mail_aliases        TEXT   NOT NULL,
    enabled             BIGINT NOT NULL,
    multi_session       BIGINT NOT NULL,
    comments            TEXT   NOT NULL,
    attributes          TEXT   NOT NULL
);
CREATE UNIQUE INDEX users_current ON users (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX users_name_current ON users (name_key) WHERE valid_to IS NULL;
CREATE INDEX users_object ON users (object_id, valid_from);
CREATE INDEX users_primary_group ON users (primary_group_id) WHERE valid_to IS NULL;
CREATE INDEX users_name_key ON users (name_key, valid_from);

CREATE TABLE groups (
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
    parent_id           BIGINT,
    group_type          TEXT   NOT NULL,
    drive_letter        TEXT   NOT NULL,
    drive_server        TEXT   NOT NULL,
    disabled            BIGINT NOT NULL,
    active_since        BIGINT,
    active_until        BIGINT
);
CREATE UNIQUE INDEX groups_current ON groups (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX groups_name_current ON groups (name_key) WHERE valid_to IS NULL;
CREATE INDEX groups_object ON groups (object_id, valid_from);
CREATE INDEX groups_parent ON groups (parent_id) WHERE valid_to IS NULL;
CREATE INDEX groups_valid ON groups (valid_from, valid_to);

CREATE TABLE memberships (
    version_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id           BIGINT NOT NULL,
    valid_from          BIGINT NOT NULL,
    valid_to            BIGINT,
    changed_by          TEXT   NOT NULL,
    operation_id        BIGINT NOT NULL,
    ended_by            TEXT,
    ended_operation_id  BIGINT,
    user_id             BIGINT NOT NULL,
    group_id            BIGINT NOT NULL,
    start_date          BIGINT,
    end_date            BIGINT,
    comments            TEXT   NOT NULL
);
CREATE UNIQUE INDEX memberships_current ON memberships (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX memberships_pair_current ON memberships (user_id, group_id) WHERE valid_to IS NULL;
CREATE INDEX memberships_object ON memberships (object_id, valid_from);
CREATE INDEX memberships_user ON memberships (user_id, valid_from);
CREATE INDEX memberships_group ON memberships (group_id, valid_from);

CREATE TABLE systems (
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
    description         TEXT   NOT NULL
);
CREATE UNIQUE INDEX systems_current ON systems (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX systems_name_current ON systems (name_key) WHERE valid_to IS NULL;
CREATE INDEX systems_object ON systems (object_id, valid_from);

CREATE TABLE information_systems (
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
    description         TEXT   NOT NULL
);
CREATE UNIQUE INDEX information_systems_current ON information_systems (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX information_systems_name_current ON information_systems (name_key) WHERE valid_to IS NULL;
CREATE INDEX information_systems_object ON information_systems (object_id, valid_from);

CREATE TABLE accounts (
    version_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id           BIGINT NOT NULL,
    valid_from          BIGINT NOT NULL,
    valid_to            BIGINT,
    changed_by          TEXT   NOT NULL,
    operation_id        BIGINT NOT NULL,
    ended_by            TEXT,
    ended_operation_id  BIGINT,
    system_id           BIGINT NOT NULL,
    name                TEXT   NOT NULL,
    name_key            TEXT   NOT NULL,
    login_name          TEXT   NOT NULL,
    description         TEXT   NOT NULL,
    account_type        TEXT   NOT NULL,
    status              TEXT   NOT NULL,
    attributes          TEXT   NOT NULL
);
CREATE UNIQUE INDEX accounts_current ON accounts (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX accounts_name_current ON accounts (system_id, name_key) WHERE valid_to IS NULL;
CREATE INDEX accounts_object ON accounts (object_id, valid_from);

CREATE TABLE account_owners (
    version_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id           BIGINT NOT NULL,
    valid_from          BIGINT NOT NULL,
    valid_to            BIGINT,
    changed_by          TEXT   NOT NULL,
    operation_id        BIGINT NOT NULL,
    ended_by            TEXT,
    ended_operation_id  BIGINT,
    account_id          BIGINT NOT NULL,
    user_id             BIGINT NOT NULL,
    level               TEXT   NOT NULL
);
CREATE UNIQUE INDEX account_owners_current ON account_owners (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX account_owners_pair_current ON account_owners (account_id, user_id) WHERE valid_to IS NULL;
CREATE INDEX account_owners_object ON account_owners (object_id, valid_from);
CREATE INDEX account_owners_user ON account_owners (user_id, valid_from);
CREATE INDEX account_owners_account ON account_owners (account_id, valid_from);

CREATE TABLE roles (
    version_id              INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id               BIGINT NOT NULL,
    valid_from              BIGINT NOT NULL,
    valid_to                BIGINT,
    changed_by              TEXT   NOT NULL,
    operation_id            BIGINT NOT NULL,
    ended_by                TEXT,
    ended_operation_id      BIGINT,
    system_id               BIGINT NOT NULL,
    name                    TEXT   NOT NULL,
    name_key                TEXT   NOT NULL,
    description             TEXT   NOT NULL,
    category                TEXT   NOT NULL,
    information_system_id   BIGINT,
    domain_type             TEXT   NOT NULL
);
CREATE UNIQUE INDEX roles_current ON roles (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX roles_name_current ON roles (system_id, name_key) WHERE valid_to IS NULL;
CREATE INDEX roles_object ON roles (object_id, valid_from);

CREATE TABLE role_inheritance (
    version_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id           BIGINT NOT NULL,
    valid_from          BIGINT NOT NULL,
    valid_to            BIGINT,
    changed_by          TEXT   NOT NULL,
    operation_id        BIGINT NOT NULL,
    ended_by            TEXT,
    ended_operation_id  BIGINT,
    role_id             BIGINT NOT NULL,
    inherited_role_id   BIGINT NOT NULL
);
CREATE UNIQUE INDEX role_inheritance_current ON role_inheritance (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX role_inheritance_pair_current ON role_inheritance (role_id, inherited_role_id) WHERE valid_to IS NULL;
CREATE INDEX role_inheritance_object ON role_inheritance (object_id, valid_from);
CREATE INDEX role_inheritance_role ON role_inheritance (role_id, valid_from);

-- grantee_kind: 'user', 'account' or 'group'; grantee_id is that object's id.
CREATE TABLE grants (
    version_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id           BIGINT NOT NULL,
    valid_from          BIGINT NOT NULL,
    valid_to            BIGINT,
    changed_by          TEXT   NOT NULL,
    operation_id        BIGINT NOT NULL,
    ended_by            TEXT,
    ended_operation_id  BIGINT,
    role_id             BIGINT NOT NULL,
    grantee_kind        TEXT   NOT NULL CHECK (grantee_kind IN ('user', 'account', 'group')),
    grantee_id          BIGINT NOT NULL,
    scope               TEXT   NOT NULL,
    start_date          BIGINT,
    end_date            BIGINT
);
CREATE UNIQUE INDEX grants_current ON grants (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX grants_tuple_current ON grants (role_id, grantee_kind, grantee_id, scope) WHERE valid_to IS NULL;
CREATE INDEX grants_object ON grants (object_id, valid_from);
CREATE INDEX grants_grantee ON grants (grantee_kind, grantee_id, valid_from);
CREATE INDEX grants_role ON grants (role_id, valid_from);

CREATE TABLE mail_domains (
    version_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id           BIGINT NOT NULL,
    valid_from          BIGINT NOT NULL,
    valid_to            BIGINT,
    changed_by          TEXT   NOT NULL,
    operation_id        BIGINT NOT NULL,
    ended_by            TEXT,
    ended_operation_id  BIGINT,
    code                TEXT   NOT NULL,
    code_key            TEXT   NOT NULL,
    description         TEXT   NOT NULL,
    obsolete            BIGINT NOT NULL
);
CREATE UNIQUE INDEX mail_domains_current ON mail_domains (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX mail_domains_code_current ON mail_domains (code_key) WHERE valid_to IS NULL;
CREATE INDEX mail_domains_object ON mail_domains (object_id, valid_from);

CREATE TABLE mail_lists (
    version_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id           BIGINT NOT NULL,
    valid_from          BIGINT NOT NULL,
    valid_to            BIGINT,
    changed_by          TEXT   NOT NULL,
    operation_id        BIGINT NOT NULL,
    ended_by            TEXT,
    ended_operation_id  BIGINT,
    domain_id           BIGINT NOT NULL,
    name                TEXT   NOT NULL,
    name_key            TEXT   NOT NULL,
    description         TEXT   NOT NULL
);
CREATE UNIQUE INDEX mail_lists_current ON mail_lists (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX mail_lists_name_current ON mail_lists (domain_id, name_key) WHERE valid_to IS NULL;
CREATE INDEX mail_lists_object ON mail_lists (object_id, valid_from);

-- member_kind: 'user', 'list', 'group', 'role' (member_id set) or 'external' (address set).
CREATE TABLE mail_list_members (
    version_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id           BIGINT NOT NULL,
    valid_from          BIGINT NOT NULL,
    valid_to            BIGINT,
    changed_by          TEXT   NOT NULL,
    operation_id        BIGINT NOT NULL,
    ended_by            TEXT,
    ended_operation_id  BIGINT,
    list_id             BIGINT NOT NULL,
    member_kind         TEXT   NOT NULL CHECK (member_kind IN ('user', 'list', 'group', 'role', 'external')),
    member_id           BIGINT NOT NULL,
    address             TEXT   NOT NULL
);
CREATE UNIQUE INDEX mail_list_members_current ON mail_list_members (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX mail_list_members_tuple_current ON mail_list_members (list_id, member_kind, member_id, address) WHERE valid_to IS NULL;
CREATE INDEX mail_list_members_object ON mail_list_members (object_id, valid_from);
CREATE INDEX mail_list_members_member ON mail_list_members (member_kind, member_id, valid_from);
CREATE INDEX mail_list_members_list ON mail_list_members (list_id, valid_from);
