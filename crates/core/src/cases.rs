//! The rules of complaint (投诉) and after-sale claim (售后 / 索赔) cases: their statuses, the
//! moves allowed between them, severities, and the tracking numbers customers quote.

use crate::id::random_bytes;
pub use crate::kinds::{CaseKind, CaseStatus, Priority, Resolution, Severity};
use CaseKind::{Claim, Complaint};
use CaseStatus::*;

/// Complaint statuses, in the order a complaint usually moves.
pub const COMPLAINT_STATUSES: [CaseStatus; 5] =
    [Received, Investigating, WaitingCustomer, Resolved, Closed];

/// Claim statuses: requested → approved / rejected → item received → refunded / replaced →
/// closed.
pub const CLAIM_STATUSES: [CaseStatus; 7] = [
    Requested,
    Approved,
    Rejected,
    ItemReceived,
    Refunded,
    Replaced,
    Closed,
];

/// The statuses a case of `kind` may move to from `from`.
pub fn next_statuses(kind: CaseKind, from: CaseStatus) -> &'static [CaseStatus] {
    match (kind, from) {
        (Complaint, Received) => &[Investigating, WaitingCustomer, Resolved],
        (Complaint, Investigating) => &[WaitingCustomer, Resolved],
        (Complaint, WaitingCustomer) => &[Investigating, Resolved],
        (Complaint, Resolved) => &[Investigating, Closed],
        (Claim, Requested) => &[Approved, Rejected, Closed],
        // A refund may need no return (a damaged item the customer keeps).
        (Claim, Approved) => &[ItemReceived, Refunded, Replaced],
        (Claim, ItemReceived) => &[Refunded, Replaced],
        (Claim, Rejected | Refunded | Replaced) => &[Closed],
        _ => &[],
    }
}

pub fn may_move(kind: CaseKind, from: CaseStatus, to: CaseStatus) -> bool {
    next_statuses(kind, from).contains(&to)
}

/// The way a case usually goes, for a progress bar: a claim's ends in a refund or a
/// replacement as asked.
pub fn usual_path(kind: CaseKind, resolution: Option<Resolution>) -> &'static [CaseStatus] {
    match (kind, resolution) {
        (Claim, Some(Resolution::Exchange)) => {
            &[Requested, Approved, ItemReceived, Replaced, Closed]
        }
        (Claim, _) => &[Requested, Approved, ItemReceived, Refunded, Closed],
        (Complaint, _) => &[Received, Investigating, Resolved, Closed],
    }
}

/// The steps to show: the statuses a case went through (`visited`, oldest first, starting with
/// its first status), then the rest of its usual path from where it is.
pub fn progress(
    kind: CaseKind,
    resolution: Option<Resolution>,
    visited: &[CaseStatus],
) -> Vec<CaseStatus> {
    let mut steps: Vec<CaseStatus> = vec![];
    for s in visited {
        // Going back to a status shown before (a complaint reopened) folds the loop away.
        if let Some(i) = steps.iter().position(|x| x == s) {
            steps.truncate(i);
        }
        steps.push(*s);
    }
    let usual = usual_path(kind, resolution);
    if let Some(now) = steps.last()
        && let Some(i) = usual.iter().position(|x| x == now)
    {
        steps.extend_from_slice(&usual[i + 1..]);
    } else if steps.last().is_some_and(|s| *s != Closed) {
        steps.push(Closed);
    }
    steps
}

/// The status a new case starts in.
pub fn first_status(kind: CaseKind) -> CaseStatus {
    match kind {
        Claim => Requested,
        Complaint => Received,
    }
}

/// Whether a customer adding information reopens the case (and to which status).
pub fn reopened_by_customer(kind: CaseKind, status: CaseStatus) -> Option<CaseStatus> {
    match (kind, status) {
        (Complaint, WaitingCustomer | Resolved) => Some(Investigating),
        _ => None,
    }
}

/// The escalation rule: a complaint at or above the shop's `escalate_from` severity goes to the
/// supervisor team, when the shop named one. Claims are never escalated by severity.
pub fn escalates(
    kind: CaseKind,
    severity: Option<Severity>,
    escalate_from: Severity,
    has_supervisor_team: bool,
) -> bool {
    kind == Complaint && has_supervisor_team && severity.is_some_and(|s| s >= escalate_from)
}

/// The ticket priority of a new case: critical is urgent, high (or escalated) is high, the
/// rest normal.
pub fn priority(severity: Option<Severity>, escalated: bool) -> Priority {
    match severity {
        Some(Severity::Critical) => Priority::Urgent,
        Some(Severity::High) => Priority::High,
        _ if escalated => Priority::High,
        _ => Priority::Normal,
    }
}

/// The longest subject a case's conversation gets, in characters.
pub const MAX_SUBJECT_CHARS: usize = 200;

/// The subject of a new case's conversation, in both languages so that every agent reads it:
/// `[投诉 Complaint] {category} · {order}` or `[售后 After-sale] {reason} · {order}`.
pub fn subject(kind: CaseKind, category: &str, reason: &str, order_ref: &str) -> String {
    let (label, topic) = match kind {
        Claim => ("售后 After-sale", reason.trim()),
        Complaint => ("投诉 Complaint", category),
    };
    let mut subject = format!("[{label}] {topic}");
    if !order_ref.trim().is_empty() {
        subject.push_str(&format!(" · {}", order_ref.trim()));
    }
    subject.chars().take(MAX_SUBJECT_CHARS).collect()
}

/// Letters that cannot be misread for one another on a phone call or a receipt.
const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// A new tracking number: `TS-` for complaints (投诉), `SH-` for claims (售后), then eight
/// characters (40 random bits).
pub fn new_tracking(kind: CaseKind) -> String {
    let prefix = match kind {
        Claim => "SH",
        Complaint => "TS",
    };
    let bytes: [u8; 8] = random_bytes();
    let tail: String = bytes
        .iter()
        .map(|b| ALPHABET[(*b & 31) as usize] as char)
        .collect();
    format!("{prefix}-{tail}")
}

/// Whether `s` looks like a tracking number (checked before any lookup).
pub fn is_tracking(s: &str) -> bool {
    let s = s.as_bytes();
    s.len() == 11
        && (s.starts_with(b"TS-") || s.starts_with(b"SH-"))
        && s[3..].iter().all(|c| ALPHABET.contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // The rules take types; these read the names the cases below are written in.
    const SEVERITIES: [&str; 4] = ["low", "medium", "high", "critical"];
    fn k(s: &str) -> CaseKind {
        CaseKind::parse(s).expect("kind")
    }
    fn st(s: &str) -> CaseStatus {
        CaseStatus::parse(s).expect("status")
    }
    fn priority(severity: &str, escalated: bool) -> &'static str {
        super::priority(Severity::parse(severity), escalated).as_str()
    }
    fn escalates(kind: &str, severity: &str, from: &str, team: bool) -> bool {
        super::escalates(
            k(kind),
            Severity::parse(severity),
            Severity::parse(from).expect("threshold"),
            team,
        )
    }
    fn at_least(severity: &str, threshold: &str) -> bool {
        matches!((Severity::parse(severity), Severity::parse(threshold)), (Some(a), Some(b)) if a >= b)
    }
    fn subject(kind: &str, category: &str, reason: &str, order: &str) -> String {
        super::subject(k(kind), category, reason, order)
    }
    fn may_move(kind: &str, from: &str, to: &str) -> bool {
        super::may_move(k(kind), st(from), st(to))
    }
    fn progress(kind: &str, resolution: &str, visited: &[String]) -> Vec<String> {
        let visited: Vec<CaseStatus> = visited.iter().map(|v| st(v)).collect();
        super::progress(k(kind), Resolution::parse(resolution), &visited)
            .into_iter()
            .map(|s| s.as_str().to_string())
            .collect()
    }
    fn new_tracking(kind: &str) -> String {
        super::new_tracking(k(kind))
    }
    fn reopened_by_customer(kind: &str, status: &str) -> Option<&'static str> {
        super::reopened_by_customer(k(kind), st(status)).map(CaseStatus::as_str)
    }

    const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];
    fn rank(p: &str) -> usize {
        PRIORITIES.iter().position(|x| *x == p).unwrap_or(0)
    }

    proptest! {
        /// A worse severity never gets a lower priority; an escalated case is at least high;
        /// critical is always urgent.
        #[test]
        fn priority_follows_severity(a in 0..4usize, b in 0..4usize, escalated: bool) {
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert!(rank(priority(SEVERITIES[lo], escalated)) <= rank(priority(SEVERITIES[hi], escalated)));
            if escalated {
                prop_assert!(rank(priority(SEVERITIES[lo], true)) >= rank("high"));
            }
            prop_assert_eq!(priority("critical", escalated), "urgent");
        }

        /// Only complaints escalate, only with a supervisor team, exactly from the threshold on.
        #[test]
        fn escalation_is_the_threshold(s in 0..4usize, t in 0..4usize, team: bool, claim: bool) {
            let kind = if claim { "claim" } else { "complaint" };
            let e = escalates(kind, SEVERITIES[s], SEVERITIES[t], team);
            prop_assert_eq!(e, !claim && team && s >= t);
        }

        /// A subject is never longer than the limit, names its kind, and ends with the order
        /// number when there is one and it fits.
        #[test]
        fn subjects_are_bounded_and_name_the_order(
            claim: bool, topic in "\\PC{0,300}", order in "[A-Z0-9-]{0,20}",
        ) {
            let kind = if claim { "claim" } else { "complaint" };
            let s = subject(kind, &topic, &topic, &order);
            prop_assert!(s.chars().count() <= MAX_SUBJECT_CHARS);
            let label = if claim { "[售后 After-sale]" } else { "[投诉 Complaint]" };
            prop_assert!(s.starts_with(label));
            if !order.is_empty() && topic.trim().chars().count() < 150 {
                let ending = format!(" · {order}");
                prop_assert!(s.ends_with(&ending));
            }
        }
    }

    #[test]
    fn subjects_read_as_before() {
        assert_eq!(
            subject("complaint", "物流", "", "A-1"),
            "[投诉 Complaint] 物流 · A-1"
        );
        assert_eq!(subject("claim", "", " 坏了 ", ""), "[售后 After-sale] 坏了");
    }

    #[test]
    fn claim_flow() {
        let path = [
            "requested",
            "approved",
            "item_received",
            "refunded",
            "closed",
        ];
        for w in path.windows(2) {
            assert!(may_move("claim", w[0], w[1]), "{} → {}", w[0], w[1]);
        }
        assert!(may_move("claim", "requested", "rejected"));
        assert!(may_move("claim", "item_received", "replaced"));
        assert!(
            !may_move("claim", "requested", "refunded"),
            "approval comes first"
        );
        assert!(!may_move("claim", "closed", "requested"), "closed is final");
        assert!(!may_move("claim", "rejected", "approved"));
        assert!(!may_move("complaint", "requested", "approved"));
        for s in CLAIM_STATUSES {
            for t in next_statuses(Claim, s) {
                assert!(CLAIM_STATUSES.contains(t));
            }
        }
        for s in COMPLAINT_STATUSES {
            for t in next_statuses(Complaint, s) {
                assert!(COMPLAINT_STATUSES.contains(t));
            }
        }
    }

    #[test]
    fn progress_shows_the_path_taken_then_the_usual_rest() {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            progress("claim", "refund", &v(&["requested"])),
            v(&[
                "requested",
                "approved",
                "item_received",
                "refunded",
                "closed"
            ])
        );
        assert_eq!(
            progress(
                "claim",
                "refund",
                &v(&["requested", "approved", "refunded", "closed"])
            ),
            v(&["requested", "approved", "refunded", "closed"]),
            "a refund without a return"
        );
        assert_eq!(
            progress("claim", "exchange", &v(&["requested", "rejected"])),
            v(&["requested", "rejected", "closed"])
        );
        assert_eq!(
            progress(
                "complaint",
                "",
                &v(&["received", "waiting_customer", "investigating"])
            ),
            v(&[
                "received",
                "waiting_customer",
                "investigating",
                "resolved",
                "closed"
            ])
        );
        assert_eq!(
            progress(
                "complaint",
                "",
                &v(&[
                    "received",
                    "investigating",
                    "waiting_customer",
                    "investigating"
                ])
            ),
            v(&["received", "investigating", "resolved", "closed"]),
            "a loop back folds away"
        );
    }

    #[test]
    fn severities_and_tracking() {
        assert!(at_least("critical", "high"));
        assert!(at_least("high", "high"));
        assert!(!at_least("medium", "high"));
        assert!(!at_least("bogus", "low"));
        let t = new_tracking("complaint");
        assert!(is_tracking(&t), "{t}");
        assert!(t.starts_with("TS-"));
        assert!(new_tracking("claim").starts_with("SH-"));
        assert!(!is_tracking("TS-0000000O"));
        assert!(!is_tracking("XX-ABCDEFGH"));
        assert_eq!(
            reopened_by_customer("complaint", "resolved"),
            Some("investigating")
        );
        assert_eq!(reopened_by_customer("claim", "approved"), None);
    }
}
