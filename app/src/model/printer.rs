//! Printer queues assigned to users and groups (the printers themselves are a declared kind,
//! `kinds::PRINTERS`).
use serde::{Deserialize, Serialize};

/// Who a printer is assigned to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AssigneeKind {
    User,
    Group,
}

impl AssigneeKind {
    pub const ALL: [AssigneeKind; 2] = [Self::User, Self::Group];

    /// As kept in `printer_assignments.grantee_kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Group => "group",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::User => "User",
            Self::Group => "Group",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// A current assignment of a printer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrinterAssignment {
    pub id: i64,
    pub kind: AssigneeKind,
    pub assignee: i64,
    pub name: String,
}

impl PrinterAssignment {
    /// "User ana", "Group Sales".
    pub fn title(&self) -> String {
        format!("{} {}", self.kind.label(), self.name)
    }
}
