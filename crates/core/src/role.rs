//! Who a person is to the shop. Roles are ordered by what they may do; access checks ask
//! questions of the role ("may manage people?") rather than compare names.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sets up the shop: people, teams, inboxes, tokens; reads the audit log and the outbox.
    Admin,
    /// Leads agents: sees every inbox, but does not manage people or credentials.
    Supervisor,
    /// Answers customers in the inboxes of their teams.
    Agent,
    /// A shop's customer: sees only their own records.
    Customer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Supervisor, Role::Agent, Role::Customer];
    pub const STAFF: [Role; 3] = [Role::Admin, Role::Supervisor, Role::Agent];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Agent => "agent",
            Role::Customer => "customer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn is_staff(self) -> bool {
        self != Role::Customer
    }

    pub fn manages_people(self) -> bool {
        self == Role::Admin
    }

    /// Sees every inbox regardless of team membership.
    pub fn sees_all_inboxes(self) -> bool {
        matches!(self, Role::Admin | Role::Supervisor)
    }
}

crate::try_from_name!(Role);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_round_trips() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn least_privilege() {
        assert!(!Role::Customer.is_staff());
        assert!(!Role::Agent.sees_all_inboxes());
        assert!(!Role::Supervisor.manages_people());
        assert!(Role::Admin.manages_people());
    }
}
