//! The token Kefu signs into its own mail (`Message-ID` and the reply address) so a customer's
//! reply finds its conversation even when their mail program drops `In-Reply-To`. It is the
//! conversation id and a truncated HMAC-SHA256 of it; a forged or altered token verifies to
//! nothing, so it can never attach a mail to someone else's conversation.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::id::constant_time_eq;

/// Hex characters of the signature kept in a token (80 bits).
const SIG_HEX: usize = 20;

fn signature(secret: &str, conversation_id: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(b"kefu-reply-token\n");
    mac.update(conversation_id.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()[..SIG_HEX]
        .to_string()
}

/// `conversation_id.signature`: safe in a `Message-ID` and in an address's local part.
pub fn sign(secret: &str, conversation_id: &str) -> String {
    format!("{conversation_id}.{}", signature(secret, conversation_id))
}

/// The conversation a token names, when its signature is right.
pub fn verify(secret: &str, token: &str) -> Option<String> {
    let (id, sig) = token.rsplit_once('.')?;
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return None;
    }
    constant_time_eq(sig.as_bytes(), signature(secret, id).as_bytes()).then(|| id.to_string())
}

/// Our `Message-ID` for a mail of a conversation: `<kefu.TOKEN.UNIQUE@domain>`.
pub fn message_id(secret: &str, conversation_id: &str, unique: &str, domain: &str) -> String {
    format!("<kefu.{}.{unique}@{domain}>", sign(secret, conversation_id))
}

/// The conversation named by one of our `Message-ID`s (with or without angle brackets).
pub fn from_message_id(secret: &str, message_id: &str) -> Option<String> {
    let inner = message_id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>');
    let local = inner.split('@').next()?;
    let rest = local.strip_prefix("kefu.")?;
    // TOKEN is `id.sig`; UNIQUE follows after the last dot.
    let (token, _unique) = rest.rsplit_once('.')?;
    verify(secret, token)
}

/// Our reply address: `local+TOKEN@domain` for the support address `local@domain`; the plain
/// address when the local part would pass the 64 characters mail allows (replies then thread
/// by `In-Reply-To` / `References` alone).
pub fn reply_address(secret: &str, support: &str, conversation_id: &str) -> String {
    match support.split_once('@') {
        Some((local, domain)) => {
            let local = format!("{local}+{}", sign(secret, conversation_id));
            if local.len() > 64 {
                support.to_string()
            } else {
                format!("{local}@{domain}")
            }
        }
        None => support.to_string(),
    }
}

/// The conversation named by a `local+TOKEN@domain` address we handed out.
pub fn from_address(secret: &str, address: &str) -> Option<String> {
    let local = address.trim().split('@').next()?;
    let (_, token) = local.split_once('+')?;
    verify(secret, token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_addresses_stay_within_64_characters_of_local_part() {
        let id = "ZaMEjf_kcvMnZ8L33KAetw";
        let short = reply_address("k", "support@shop.test", id);
        assert!(short.starts_with("support+ZaMEjf_kcvMnZ8L33KAetw."));
        assert_eq!(from_address("k", &short).as_deref(), Some(id));
        let long = "a-very-long-support-mailbox-name-for-the-shop@shop.test";
        assert_eq!(reply_address("k", long, id), long);
    }

    #[test]
    fn tokens_round_trip_and_forgeries_fail() {
        let t = sign("secret", "AbC-d_9");
        assert_eq!(verify("secret", &t).as_deref(), Some("AbC-d_9"));
        assert_eq!(verify("other", &t), None);
        // Someone else's conversation with this signature, or a made-up one.
        let (_, sig) = t.rsplit_once('.').unwrap_or_default();
        assert_eq!(verify("secret", &format!("victim.{sig}")), None);
        assert_eq!(verify("secret", "victim.0000000000"), None);
        assert_eq!(verify("secret", "no-signature"), None);
        assert_eq!(verify("secret", "bad id!.abc"), None);
    }

    #[test]
    fn message_ids_and_reply_addresses_carry_the_token() {
        let id = message_id("s", "conv1", "m42", "help.shop.example");
        assert!(
            id.starts_with("<kefu.conv1.") && id.ends_with(".m42@help.shop.example>"),
            "{id}"
        );
        assert_eq!(from_message_id("s", &id).as_deref(), Some("conv1"));
        assert_eq!(from_message_id("x", &id), None);
        assert_eq!(from_message_id("s", "<random@elsewhere>"), None);
        let addr = reply_address("s", "support@shop.example", "conv1");
        assert!(addr.starts_with("support+conv1."), "{addr}");
        assert_eq!(from_address("s", &addr).as_deref(), Some("conv1"));
        assert_eq!(from_address("s", "support@shop.example"), None);
        assert_eq!(
            from_address("s", "support+conv2.0123456789abcdef0123@shop.example"),
            None
        );
    }
}
