//! Shop-signed customer identities.
//!
//! A shop whose visitor is logged in on its own site tells Kefu who the visitor is by signing
//! the identity with a per-shop secret: `signature = hex(HMAC-SHA256(secret, canonical))`, where
//! `canonical` is the fields joined by newlines in a fixed order. The timestamp bounds how long a
//! signed identity can be replayed. Nothing unsigned, wrongly signed or stale is ever trusted.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::id::constant_time_eq;

/// How long a signed identity stays valid after the shop signed it.
pub const MAX_AGE_SECONDS: i64 = 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIdentity {
    /// The shop's own id for the customer.
    pub external_id: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    /// Unix seconds when the shop signed it.
    pub timestamp: i64,
    /// Lowercase hex HMAC-SHA256.
    pub signature: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("the identity has no external id")]
    MissingId,
    #[error("the identity's signature does not match")]
    BadSignature,
    #[error("the identity was signed too long ago, or in the future")]
    Expired,
    #[error("no identity secret is configured for this shop")]
    NoSecret,
}

pub fn canonical(external_id: &str, email: &str, name: &str, timestamp: i64) -> String {
    format!("{external_id}\n{email}\n{name}\n{timestamp}")
}

pub fn sign(secret: &str, external_id: &str, email: &str, name: &str, timestamp: i64) -> String {
    #[allow(clippy::expect_used)]
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(canonical(external_id, email, name, timestamp).as_bytes());
    let bytes = mac.finalize().into_bytes();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl SignedIdentity {
    /// Checks signature and age. `secret` is the shop's; `now` is Unix seconds.
    pub fn verify(&self, secret: &str, now: i64) -> Result<(), IdentityError> {
        if secret.is_empty() {
            return Err(IdentityError::NoSecret);
        }
        if self.external_id.trim().is_empty() {
            return Err(IdentityError::MissingId);
        }
        let expected = sign(
            secret,
            &self.external_id,
            &self.email,
            &self.name,
            self.timestamp,
        );
        if !constant_time_eq(
            expected.as_bytes(),
            self.signature.to_ascii_lowercase().as_bytes(),
        ) {
            return Err(IdentityError::BadSignature);
        }
        // A little future skew is tolerated for clocks that disagree by a few minutes.
        if now - self.timestamp > MAX_AGE_SECONDS || self.timestamp - now > 300 {
            return Err(IdentityError::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(secret: &str, ts: i64) -> SignedIdentity {
        SignedIdentity {
            external_id: "cust-42".into(),
            email: "li@example.com".into(),
            name: "李雷".into(),
            timestamp: ts,
            signature: sign(secret, "cust-42", "li@example.com", "李雷", ts),
        }
    }

    #[test]
    fn valid_signature_is_accepted() {
        assert_eq!(signed("s3cret", 1000).verify("s3cret", 1010), Ok(()));
    }

    #[test]
    fn wrong_secret_or_tampered_field_is_refused() {
        assert_eq!(
            signed("s3cret", 1000).verify("other", 1010),
            Err(IdentityError::BadSignature)
        );
        let mut id = signed("s3cret", 1000);
        id.email = "attacker@example.com".into();
        assert_eq!(id.verify("s3cret", 1010), Err(IdentityError::BadSignature));
        let mut id = signed("s3cret", 1000);
        id.signature.clear();
        assert_eq!(id.verify("s3cret", 1010), Err(IdentityError::BadSignature));
    }

    #[test]
    fn stale_or_future_identity_is_refused() {
        let id = signed("k", 1000);
        assert_eq!(
            id.verify("k", 1000 + MAX_AGE_SECONDS + 1),
            Err(IdentityError::Expired)
        );
        assert_eq!(id.verify("k", 1000 - 301), Err(IdentityError::Expired));
    }

    #[test]
    fn empty_secret_never_verifies() {
        let id = signed("", 1000);
        assert_eq!(id.verify("", 1000), Err(IdentityError::NoSecret));
    }

    #[test]
    fn known_vector() {
        // printf 'a\nb\nc\n1' | openssl dgst -sha256 -hmac key
        assert_eq!(
            sign("key", "a", "b", "c", 1),
            "1e5a322340faead8b3b679ff104ce6d00213cfabfc7c5e7d9720d60e4fa960e1"
        );
    }
}
