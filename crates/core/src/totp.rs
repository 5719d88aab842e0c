//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), the scheme
//! every authenticator app speaks.

use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::base32;

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;

/// A new 160-bit secret, base32-encoded for the authenticator app.
pub fn new_secret() -> String {
    base32::encode(&crate::id::random_bytes::<20>())
}

/// The code for one time step (`unix_seconds / 30`).
pub fn code_at_step(secret: &[u8], step: i64) -> u32 {
    #[allow(clippy::expect_used)]
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0x0f) as usize;
    let binary = (u32::from(digest[offset]) & 0x7f) << 24
        | u32::from(digest[offset + 1]) << 16
        | u32::from(digest[offset + 2]) << 8
        | u32::from(digest[offset + 3]);
    binary % 10u32.pow(DIGITS)
}

/// Checks `code` against the steps around `unix_seconds` (one step either way, for clock
/// drift). Returns the matched step so the caller can refuse a second use of the same code.
pub fn verify(secret_b32: &str, code: &str, unix_seconds: i64) -> Option<i64> {
    let secret = base32::decode(secret_b32)?;
    let code = code.trim().replace(' ', "");
    if code.len() != DIGITS as usize || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let wanted: u32 = code.parse().ok()?;
    let now_step = unix_seconds.div_euclid(STEP_SECONDS);
    (now_step - 1..=now_step + 1).find(|&step| code_at_step(&secret, step) == wanted)
}

/// The `otpauth://` URI that authenticator apps read from a QR code.
pub fn provisioning_uri(secret_b32: &str, issuer: &str, account: &str) -> String {
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={}&period={}",
        percent(issuer),
        percent(account),
        secret_b32,
        percent(issuer),
        DIGITS,
        STEP_SECONDS
    )
}

fn percent(s: &str) -> String {
    crate::url::encode(s, b"@")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 column (8 digits there; the low 6 digits here).
    #[test]
    fn rfc6238_vectors() {
        let secret = b"12345678901234567890";
        for (t, expected) in [
            (59, 94287082u32),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
        ] {
            assert_eq!(code_at_step(secret, t / 30), expected % 1_000_000, "t={t}");
        }
    }

    #[test]
    fn verify_accepts_adjacent_steps_only() {
        let secret = new_secret();
        let raw = base32::decode(&secret).unwrap_or_default();
        let now = 1_800_000_000;
        let step = now / 30;
        let code = format!("{:06}", code_at_step(&raw, step));
        assert_eq!(verify(&secret, &code, now), Some(step));
        let prev = format!("{:06}", code_at_step(&raw, step - 1));
        assert_eq!(verify(&secret, &prev, now), Some(step - 1));
        let old = format!("{:06}", code_at_step(&raw, step - 3));
        if old != code && old != prev {
            assert_eq!(verify(&secret, &old, now), None);
        }
        assert_eq!(verify(&secret, "12345", now), None);
        assert_eq!(verify(&secret, "abcdef", now), None);
    }

    #[test]
    fn uri_escapes_account() {
        let uri = provisioning_uri("JBSWY3DPEHPK3PXP", "Kefu Shop", "a b@x.com");
        assert!(uri.starts_with("otpauth://totp/Kefu%20Shop:a%20b@x.com?secret=JBSWY3DPEHPK3PXP"));
    }
}
