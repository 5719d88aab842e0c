//! The rules of complaint (投诉) and after-sale claim (售后 / 索赔) cases: their statuses, the
//! moves allowed between them, severities, and the tracking numbers customers quote.

use crate::id::random_bytes;

/// Complaint statuses, in the order a complaint usually moves.
pub const COMPLAINT_STATUSES: [&str; 5] = [
    "received",
    "investigating",
    "waiting_customer",
    "resolved",
    "closed",
];

/// Claim statuses: requested → approved / rejected → item received → refunded / replaced →
/// closed.
pub const CLAIM_STATUSES: [&str; 7] = [
    "requested",
    "approved",
    "rejected",
    "item_received",
    "refunded",
    "replaced",
    "closed",
];

pub const SEVERITIES: [&str; 4] = ["low", "medium", "high", "critical"];

/// What a claim asks for.
pub const RESOLUTIONS: [&str; 3] = ["return", "refund", "exchange"];

/// The statuses a case of `kind` may move to from `from`.
pub fn next_statuses(kind: &str, from: &str) -> &'static [&'static str] {
    match (kind, from) {
        ("complaint", "received") => &["investigating", "waiting_customer", "resolved"],
        ("complaint", "investigating") => &["waiting_customer", "resolved"],
        ("complaint", "waiting_customer") => &["investigating", "resolved"],
        ("complaint", "resolved") => &["investigating", "closed"],
        ("claim", "requested") => &["approved", "rejected", "closed"],
        // A refund may need no return (a damaged item the customer keeps).
        ("claim", "approved") => &["item_received", "refunded", "replaced"],
        ("claim", "item_received") => &["refunded", "replaced"],
        ("claim", "rejected" | "refunded" | "replaced") => &["closed"],
        _ => &[],
    }
}

pub fn may_move(kind: &str, from: &str, to: &str) -> bool {
    next_statuses(kind, from).contains(&to)
}

/// The way a case usually goes, for a progress bar: a claim's ends in a refund or a
/// replacement as asked.
pub fn usual_path(kind: &str, resolution: &str) -> &'static [&'static str] {
    match (kind, resolution) {
        ("claim", "exchange") => &[
            "requested",
            "approved",
            "item_received",
            "replaced",
            "closed",
        ],
        ("claim", _) => &[
            "requested",
            "approved",
            "item_received",
            "refunded",
            "closed",
        ],
        _ => &["received", "investigating", "resolved", "closed"],
    }
}

/// The steps to show: the statuses a case went through (`visited`, oldest first, starting with
/// its first status), then the rest of its usual path from where it is.
pub fn progress(kind: &str, resolution: &str, visited: &[String]) -> Vec<String> {
    let mut steps: Vec<String> = vec![];
    for s in visited {
        // Going back to a status shown before (a complaint reopened) folds the loop away.
        if let Some(i) = steps.iter().position(|x| x == s) {
            steps.truncate(i);
        }
        steps.push(s.clone());
    }
    let usual = usual_path(kind, resolution);
    if let Some(now) = steps.last()
        && let Some(i) = usual.iter().position(|x| x == now)
    {
        steps.extend(usual[i + 1..].iter().map(|s| s.to_string()));
    } else if steps.last().is_some_and(|s| s != "closed") {
        steps.push("closed".into());
    }
    steps
}

/// The status a new case starts in.
pub fn first_status(kind: &str) -> &'static str {
    if kind == "claim" {
        "requested"
    } else {
        "received"
    }
}

/// Whether a customer adding information reopens the case (and to which status).
pub fn reopened_by_customer(kind: &str, status: &str) -> Option<&'static str> {
    match (kind, status) {
        ("complaint", "waiting_customer" | "resolved") => Some("investigating"),
        _ => None,
    }
}

/// Whether `severity` is at or above `threshold` (both from [`SEVERITIES`]).
pub fn at_least(severity: &str, threshold: &str) -> bool {
    let rank = |s: &str| SEVERITIES.iter().position(|x| *x == s);
    matches!((rank(severity), rank(threshold)), (Some(a), Some(b)) if a >= b)
}

/// The escalation rule: a complaint at or above the shop's `escalate_from` severity goes to the
/// supervisor team, when the shop named one. Claims are never escalated by severity.
pub fn escalates(
    kind: &str,
    severity: &str,
    escalate_from: &str,
    has_supervisor_team: bool,
) -> bool {
    kind == "complaint" && has_supervisor_team && at_least(severity, escalate_from)
}

/// The ticket priority of a new case: critical is urgent, high (or escalated) is high, the
/// rest normal.
pub fn priority(severity: &str, escalated: bool) -> &'static str {
    match severity {
        "critical" => "urgent",
        "high" => "high",
        _ if escalated => "high",
        _ => "normal",
    }
}

/// The longest subject a case's conversation gets, in characters.
pub const MAX_SUBJECT_CHARS: usize = 200;

/// The subject of a new case's conversation, in both languages so that every agent reads it:
/// `[投诉 Complaint] {category} · {order}` or `[售后 After-sale] {reason} · {order}`.
pub fn subject(kind: &str, category: &str, reason: &str, order_ref: &str) -> String {
    let (label, topic) = if kind == "claim" {
        ("售后 After-sale", reason.trim())
    } else {
        ("投诉 Complaint", category)
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
pub fn new_tracking(kind: &str) -> String {
    let prefix = if kind == "claim" { "SH" } else { "TS" };
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
            for t in next_statuses("claim", s) {
                assert!(CLAIM_STATUSES.contains(t));
            }
        }
        for s in COMPLAINT_STATUSES {
            for t in next_statuses("complaint", s) {
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
