//! What the role assignment rules' pages show: a preview of what a rule would change, and
//! the progress of "Apply now".
use super::UserId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One grant a rule would make or revoke.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RuleChangeLine {
    pub user: UserId,
    pub user_name: String,
    /// `Role@System`.
    pub role: String,
    pub scope: String,
    /// True: granted; false: revoked.
    pub grant: bool,
    /// A grant not made: the forbidden segregation of duties rule that refuses it.
    #[serde(default)]
    pub withheld_by: Option<String>,
}

/// "Preview changes": how many users the condition selects now, how many grants applying
/// the rule would make and revoke, and the first of them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RulePreview {
    pub selected_users: i64,
    pub grants: i64,
    pub revokes: i64,
    /// Grants the rule would make that segregation of duties forbids: not made.
    pub withheld: i64,
    /// At most `RULE_PREVIEW_LINES`, by user name.
    pub lines: Vec<RuleChangeLine>,
}

/// Most changes a preview lists (the counts cover all of them).
pub const RULE_PREVIEW_LINES: usize = 200;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum RuleRunState {
    Running,
    /// Asked to stop: stops after the batch in progress (each batch is its own transaction).
    Cancelling,
    Finished,
    Cancelled,
    Failed(String),
}

/// The latest "Apply now" of one rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RuleRun {
    pub rule: i64,
    pub started_at: DateTime<Utc>,
    pub started_by: String,
    pub finished_at: Option<DateTime<Utc>>,
    /// Users to evaluate, and how many have been.
    pub total: i64,
    pub done: i64,
    pub granted: i64,
    pub revoked: i64,
    /// Grants not made because segregation of duties forbids them.
    pub withheld: i64,
    pub state: RuleRunState,
}

impl RuleRun {
    pub fn running(&self) -> bool {
        matches!(self.state, RuleRunState::Running | RuleRunState::Cancelling)
    }

    /// "1,200 of 5,000 users, 31 granted, 2 revoked".
    pub fn summary(&self) -> String {
        let mut text = format!(
            "{} of {} users evaluated, {} granted, {} revoked",
            self.done, self.total, self.granted, self.revoked
        );
        if self.withheld > 0 {
            text.push_str(&format!(
                ", {} withheld by segregation of duties",
                self.withheld
            ));
        }
        text
    }
}

/// How bad holding a segregation of duties rule's roles together is. Ordered: a pair of
/// risks compares by severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum SodRisk {
    None,
    Low,
    High,
    Forbidden,
}

impl SodRisk {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "none" => Self::None,
            "low" => Self::Low,
            "high" => Self::High,
            "forbidden" => Self::Forbidden,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Low => "low",
            Self::High => "high",
            Self::Forbidden => "forbidden",
        }
    }
}

/// A user holding roles a segregation of duties rule names together.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SodViolation {
    pub user: UserId,
    pub user_name: String,
    pub rule: i64,
    pub rule_name: String,
    pub risk: SodRisk,
    /// The roles held that the rule names, as `Role@System`.
    pub roles: Vec<String>,
}

impl SodViolation {
    /// "high risk (rule “Purchase and approve”): SAP Purchaser@SAP, SAP Approver@SAP".
    pub fn text(&self) -> String {
        format!(
            "{} risk (rule “{}”): {}",
            self.risk.as_str(),
            self.rule_name,
            self.roles.join(", ")
        )
    }
}
