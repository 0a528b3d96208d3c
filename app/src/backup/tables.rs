//! Which tables a system backup carries. Every table of the database is classified here
//! explicitly: identity tables travel in backups and are replaced by a restore; the console's
//! own tables (operators, their sessions and preferences, the audit log, the backup catalogue)
//! never do, so a backup restores onto another installation whatever its operators are. A
//! test lists the tables of a freshly migrated database and fails on one that is not
//! classified, so a new migration has to decide.
use std::collections::BTreeSet;

/// The identity data: what a backup carries and a restore replaces. The tables of the
/// declared resource kinds (`model::kinds::ALL`) are identity data whether listed here or not
/// (`is_identity`).
pub const IDENTITY_TABLES: &[&str] = &[
    "operations",
    // What each operation wrote, for the change feed: travels with the operations.
    "change_log",
    "objects",
    "users",
    "groups",
    "memberships",
    "systems",
    "information_systems",
    "accounts",
    "account_owners",
    "roles",
    "role_inheritance",
    "grants",
    "mail_domains",
    "mail_lists",
    "mail_list_members",
    "printer_assignments",
    "application_authorizations",
    "network_access",
    "vault_folder_access",
    // Sealed with the vault key, never in clear: a backup restores them only where that key
    // is in the vault key file (README, "Password vault").
    "vault_secrets",
    "snapshot_config",
    "user_snapshots",
    "restore_undo_points",
];

/// The console's own tables: never in a backup, never touched by a restore. Operator ids
/// differ between installations, so nothing that refers to them may travel.
pub const CONSOLE_TABLES: &[&str] = &[
    "_sqlx_migrations",
    "operators",
    "sessions",
    "login_throttle",
    "setup_tokens",
    "audit_log",
    "operator_preferences",
    "system_backups",
    "system_backup_schedule",
    "system_restore_requests",
    "operator_inbox",
    "system_maintenance",
    // Backup and restore jobs, for whichever server process a console's poll reaches.
    "system_jobs",
    // "Apply now" runs of role assignment rules: progress of work in flight, not data.
    "role_rule_runs",
    "api_tokens",
    // Change feed positions only grow, across restores too (followers keep their cursors).
    "change_feed_counter",
    "change_feed_announcements",
    // Operators' links to an identity provider, and sign-ins through it in progress.
    "operator_identities",
    "oidc_logins",
    // How long this installation keeps history, and how far its change feed was pruned.
    "history_retention",
];

/// SQLite virtual tables derived from identity tables by triggers (the users search, FTS5,
/// migration 0051), with their shadow tables `<name>_*`. A restore rebuilds them through
/// the triggers, so backups leave them out.
pub const DERIVED_TABLES: &[&str] = &["users_search"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableClass {
    Identity,
    Console,
    /// A derived SQLite table or one of its shadow tables.
    Derived,
    /// SQLite's own bookkeeping (`sqlite_sequence`, `sqlite_stat1`...).
    Internal,
    /// In no list: a table this version does not know. It is neither backed up nor touched.
    Unclassified,
}

/// An identity table: listed above, or the table of a declared resource kind.
pub fn is_identity(name: &str) -> bool {
    IDENTITY_TABLES.contains(&name) || crate::model::kinds::ALL.iter().any(|k| k.table == name)
}

pub fn classify(name: &str) -> TableClass {
    if is_identity(name) {
        TableClass::Identity
    } else if CONSOLE_TABLES.contains(&name) {
        TableClass::Console
    } else if DERIVED_TABLES
        .iter()
        .any(|derived| name == *derived || name.starts_with(&format!("{derived}_")))
    {
        TableClass::Derived
    } else if name.starts_with("sqlite_") {
        TableClass::Internal
    } else {
        TableClass::Unclassified
    }
}

/// The tables one backup service carries: the identity tables, plus any extra tables an
/// installation (or a test of the engine) adds on purpose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupTables {
    carried: BTreeSet<String>,
}

impl Default for BackupTables {
    fn default() -> Self {
        Self::with_extra(&[])
    }
}

impl BackupTables {
    /// The identity tables and `extra` ones.
    pub fn with_extra(extra: &[&str]) -> Self {
        Self {
            carried: IDENTITY_TABLES
                .iter()
                .chain(crate::model::kinds::ALL.iter().map(|k| &k.table))
                .chain(extra)
                .map(|t| t.to_string())
                .collect(),
        }
    }

    pub fn carries(&self, name: &str) -> bool {
        self.carried.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_table_is_both_identity_and_console() {
        for table in IDENTITY_TABLES {
            assert!(!CONSOLE_TABLES.contains(table), "{table} is in both lists");
            assert_eq!(classify(table), TableClass::Identity);
        }
        for table in CONSOLE_TABLES {
            assert_eq!(classify(table), TableClass::Console);
        }
    }

    #[test]
    fn the_tables_of_declared_kinds_are_identity_data() {
        for kind in crate::model::kinds::ALL {
            assert_eq!(classify(kind.table), TableClass::Identity, "{}", kind.table);
            assert!(BackupTables::default().carries(kind.table));
        }
    }

    #[test]
    fn shadow_tables_of_derived_tables_are_derived() {
        assert_eq!(classify("users_search_data"), TableClass::Derived);
        assert_eq!(classify("users_search_idx"), TableClass::Derived);
        assert_eq!(classify("sqlite_sequence"), TableClass::Internal);
        assert_eq!(classify("bk_users"), TableClass::Unclassified);
        assert!(!BackupTables::default().carries("operator_preferences"));
        assert!(BackupTables::with_extra(&["bk_users"]).carries("bk_users"));
    }
}
