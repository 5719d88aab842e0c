//! Which conversation a received mail continues. First the conversations it names with our
//! signature (a reply address or a Message-ID we made), in the order the mail gives them:
//! recipients, then In-Reply-To, then References newest first; the first one in this inbox
//! wins. Else a conversation its threading headers point at, but only when one of the mail's
//! senders is that conversation's customer (headers are easy to forge; the signature is not).
//! Else a new conversation.

use crate::mailtoken;

/// The conversations a mail names with our signature, in the order they count.
pub fn signed_candidates<'a>(
    secret: &str,
    recipients: impl IntoIterator<Item = &'a String>,
    in_reply_to: &[String],
    references: &[String],
) -> Vec<String> {
    let mut out = vec![];
    for addr in recipients {
        if let Some(c) = mailtoken::from_address(secret, addr) {
            out.push(c);
        }
    }
    for id in in_reply_to.iter().chain(references.iter().rev()) {
        if let Some(c) = mailtoken::from_message_id(secret, id) {
            out.push(c);
        }
    }
    out
}

/// A conversation as the decision sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: String,
    pub inbox_id: String,
    pub customer_id: Option<String>,
}

/// The decision: `signed` are the signed candidates that exist, in order; `by_headers` the
/// conversation the mail's Message-IDs point at in this inbox, if any; `senders` the people the
/// mail's From address belongs to. `None`: a new conversation.
pub fn choose<'a>(
    inbox_id: &str,
    signed: &'a [Candidate],
    by_headers: Option<&'a Candidate>,
    senders: &[String],
) -> Option<&'a Candidate> {
    if let Some(c) = signed.iter().find(|c| c.inbox_id == inbox_id) {
        return Some(c);
    }
    by_headers.filter(|c| {
        c.customer_id
            .as_ref()
            .is_some_and(|customer| senders.contains(customer))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn candidate() -> impl Strategy<Value = Candidate> {
        (0u8..4, 0u8..3, proptest::option::of(0u8..4)).prop_map(|(id, inbox, customer)| Candidate {
            id: format!("c{id}"),
            inbox_id: format!("i{inbox}"),
            customer_id: customer.map(|c| format!("p{c}")),
        })
    }

    proptest! {
        #[test]
        fn the_choice_follows_the_rules(
            signed in proptest::collection::vec(candidate(), 0..4),
            by_headers in proptest::option::of(candidate()),
            senders in proptest::collection::vec((0u8..4).prop_map(|p| format!("p{p}")), 0..3),
        ) {
            let got = choose("i0", &signed, by_headers.as_ref(), &senders);
            let first_here = signed.iter().find(|c| c.inbox_id == "i0");
            match got {
                // A signed conversation of another inbox is never continued, and the first one
                // of this inbox beats anything the headers say.
                Some(c) if first_here.is_some() => prop_assert_eq!(Some(c), first_here),
                // Without one, only a header match whose customer sent the mail.
                Some(c) => {
                    prop_assert_eq!(Some(c), by_headers.as_ref());
                    prop_assert!(senders.contains(c.customer_id.as_ref().unwrap()));
                }
                None => {
                    prop_assert!(first_here.is_none());
                    prop_assert!(by_headers.as_ref().is_none_or(|h| h
                        .customer_id
                        .as_ref()
                        .is_none_or(|c| !senders.contains(c))));
                }
            }
        }
    }

    #[test]
    fn signed_references_count_newest_first_after_the_recipients() {
        let secret = "s3cret";
        let addr = mailtoken::reply_address(secret, "help@shop.example", "conv-a");
        let mid_b = mailtoken::message_id(secret, "conv-b", "1", "shop.example");
        let mid_c = mailtoken::message_id(secret, "conv-c", "2", "shop.example");
        let got = signed_candidates(
            secret,
            &[addr, "someone@else.example".to_string()],
            &[],
            &[mid_b, "<foreign@x>".into(), mid_c],
        );
        assert_eq!(got, vec!["conv-a", "conv-c", "conv-b"]);
    }
}
