-- History retention (store::retention): keep N months of history, or everything (the
-- default). A console table like the backup schedule: the retention belongs to this
-- installation, so a system restore neither brings another one's nor replaces it.
--
-- One row (id = 1), written on first change. keep_months NULL keeps history forever.
-- feed_horizon is the highest change feed position whose changes were pruned: a follower
-- whose cursor is below it has missed events that no longer exist and must read everything
-- again (GET /api/v1/changes answers 410). last_run_* describe the latest pruning run.
CREATE TABLE history_retention (
    id                BIGINT  PRIMARY KEY CHECK (id = 1),
    keep_months       BIGINT  CHECK (keep_months IS NULL OR keep_months >= 1),
    updated_at        BIGINT  NOT NULL,
    updated_by        TEXT    NOT NULL,
    feed_horizon      BIGINT  NOT NULL DEFAULT 0,
    last_run_at       BIGINT,
    last_run_cutoff   BIGINT,
    last_run_summary  TEXT    NOT NULL DEFAULT ''
);

-- Pruning deletes the versions that ended before the cutoff, oldest first, a batch at a
-- time: without an index on valid_to every batch would scan the whole table while holding
-- the write lock. Partial, so current versions (most rows of a quiet store) cost nothing.
-- On `valid_to + 0`, which only pruning names: a plain `valid_to` index would serve as-of
-- reads' `valid_to > T` too, and PostgreSQL then took it for the past group tree instead of
-- the span-class index (migration 0077), reading every version ended since T (5x slower
-- as of six months ago on the bench's history).
CREATE INDEX users_ended ON users ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX groups_ended ON groups ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX memberships_ended ON memberships ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX systems_ended ON systems ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX information_systems_ended ON information_systems ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX accounts_ended ON accounts ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX account_owners_ended ON account_owners ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX roles_ended ON roles ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX role_inheritance_ended ON role_inheritance ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX grants_ended ON grants ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX mail_domains_ended ON mail_domains ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX mail_lists_ended ON mail_lists ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX mail_list_members_ended ON mail_list_members ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX printer_assignments_ended ON printer_assignments ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX networks_ended ON networks ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX hosts_ended ON hosts ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX printers_ended ON printers ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX detected_browsers_ended ON detected_browsers ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX application_entries_ended ON application_entries ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX application_authorizations_ended ON application_authorizations ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX custom_object_types_ended ON custom_object_types ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX custom_objects_ended ON custom_objects ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX network_access_ended ON network_access ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX role_rules_ended ON role_rules ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX sod_rules_ended ON sod_rules ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX vault_folders_ended ON vault_folders ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX vault_folder_access_ended ON vault_folder_access ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX vault_accounts_ended ON vault_accounts ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX vault_secrets_ended ON vault_secrets ((valid_to + 0)) WHERE valid_to IS NOT NULL;
CREATE INDEX user_snapshots_ended ON user_snapshots ((valid_until + 0)) WHERE valid_until IS NOT NULL;
