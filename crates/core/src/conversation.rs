//! A conversation's pure rules: its statuses, and what a customer's message does to it (the same
//! for every channel the message came by).

use serde::{Deserialize, Serialize};

/// Where a conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    Pending,
    Snoozed,
    Resolved,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Open,
        Status::Pending,
        Status::Snoozed,
        Status::Resolved,
    ];

    /// The stored and API name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Pending => "pending",
            Status::Snoozed => "snoozed",
            Status::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a customer's message changes in the conversation it lands in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomerWrote {
    /// The conversation was not open: it opens again (and is no longer snoozed), which is
    /// recorded as a "reopened" activity for staff.
    pub reopen: bool,
    /// It waits for an agent from now: nobody has it, and it was not already waiting (an open
    /// conversation that already waits keeps its place in the queue).
    pub wait_from_now: bool,
}

/// The reopen rule: what a customer writing does to a conversation in `status`, taken by
/// someone or not, already waiting for an agent or not. `None` (a status this version does not
/// know) counts as not open.
pub fn customer_wrote(status: Option<Status>, assigned: bool, waiting: bool) -> CustomerWrote {
    let reopen = status != Some(Status::Open);
    CustomerWrote {
        reopen,
        wait_from_now: !assigned && (!waiting || reopen),
    }
}

crate::try_from_name!(Status);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn any_status() -> impl Strategy<Value = Option<Status>> {
        prop_oneof![
            Just(None),
            (0..Status::ALL.len()).prop_map(|i| Some(Status::ALL[i]))
        ]
    }

    #[test]
    fn names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap_or_default(),
                format!("\"{}\"", s.as_str())
            );
        }
        assert_eq!(Status::parse("closed"), None);
    }

    proptest! {
        /// After a customer writes, the conversation is open; it waits for an agent exactly
        /// when nobody has it; a wait already running is never restarted while it stays open.
        #[test]
        fn a_customer_message_leaves_it_open_and_queued_when_unassigned(
            status in any_status(), assigned: bool, waiting: bool,
        ) {
            let w = customer_wrote(status, assigned, waiting);
            prop_assert_eq!(w.reopen, status != Some(Status::Open));
            let waits_after = !assigned && (waiting && !w.reopen || w.wait_from_now);
            prop_assert_eq!(waits_after, !assigned);
            if assigned {
                prop_assert!(!w.wait_from_now);
            }
            if status == Some(Status::Open) && waiting {
                prop_assert!(!w.wait_from_now);
            }
        }

        /// Writing twice changes nothing the second time (the first made it open).
        #[test]
        fn the_rule_settles_after_one_message(status in any_status(), assigned: bool, waiting: bool) {
            let first = customer_wrote(status, assigned, waiting);
            let waiting = (waiting && !first.reopen) || first.wait_from_now;
            let second = customer_wrote(Some(Status::Open), assigned, waiting);
            prop_assert_eq!(second, CustomerWrote { reopen: false, wait_from_now: false });
        }
    }
}
