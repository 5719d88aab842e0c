//! A conversation's messages carry gap-free sequence numbers; a client sees them in order,
//! each once. Announcements can arrive out of commit order, twice, or after a hole; this is the
//! rule a connection applies to each one.

/// What to do with an announced message numbered `seq` for a client that last saw `last` of
/// its conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Already delivered (or older): drop it.
    Skip,
    /// The next one (or the first this client sees of the conversation): send it.
    Send,
    /// A hole: read `from..=to` back from storage and send those first, then this one.
    FillThenSend { from: i64, to: i64 },
}

/// The delivery rule. After it, the client's last seen number is `seq` unless it skipped.
pub fn delivery(last: Option<i64>, seq: i64) -> Delivery {
    match last {
        Some(l) if seq <= l => Delivery::Skip,
        Some(l) if seq > l + 1 => Delivery::FillThenSend {
            from: l + 1,
            to: seq - 1,
        },
        _ => Delivery::Send,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Runs the rule over announcements and returns what the client received, reading holes
    /// back from "storage" (every number up to the highest committed).
    fn received(first_seen: Option<i64>, announced: &[i64]) -> Vec<i64> {
        let mut last = first_seen;
        let mut out = vec![];
        for &seq in announced {
            match delivery(last, seq) {
                Delivery::Skip => continue,
                Delivery::Send => out.push(seq),
                Delivery::FillThenSend { from, to } => {
                    out.extend(from..=to);
                    out.push(seq);
                }
            }
            last = Some(seq);
        }
        out
    }

    proptest! {
        /// Whatever the order and repeats of announcements, the client gets consecutive
        /// numbers, each once, up to the highest announced.
        #[test]
        fn the_client_sees_every_number_once_in_order(
            n in 1i64..60,
            start in 0i64..5,
            shuffle in proptest::collection::vec(0usize..1000, 0..120),
        ) {
            // Numbers start+1..=n announced in a scrambled order, some twice.
            let mut announced: Vec<i64> = (start + 1..=start + n).collect();
            for (i, k) in shuffle.iter().enumerate() {
                let len = announced.len();
                if i % 3 == 0 {
                    let dup = announced[k % len];
                    announced.push(dup);
                } else {
                    announced.swap(i % len, k % len);
                }
            }
            let got = received(Some(start), &announced);
            let max = *announced.iter().max().unwrap_or(&start);
            prop_assert_eq!(got, (start + 1..=max).collect::<Vec<_>>());
        }

        /// A client that knew nothing of the conversation starts at the first number it hears
        /// and is gap-free from there.
        #[test]
        fn a_new_conversation_starts_where_it_is_first_heard(
            first in 1i64..100,
            more in proptest::collection::vec(1i64..200, 0..50),
        ) {
            let mut announced = vec![first];
            announced.extend(more);
            let got = received(None, &announced);
            prop_assert_eq!(got[0], first);
            prop_assert!(got.windows(2).all(|w| w[1] == w[0] + 1));
        }
    }

    #[test]
    fn the_three_cases() {
        assert_eq!(delivery(None, 7), Delivery::Send);
        assert_eq!(delivery(Some(7), 7), Delivery::Skip);
        assert_eq!(delivery(Some(7), 8), Delivery::Send);
        assert_eq!(
            delivery(Some(7), 10),
            Delivery::FillThenSend { from: 8, to: 9 }
        );
    }
}
