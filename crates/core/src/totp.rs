//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), the scheme
//! every authenticator app speaks. The algorithm and base32 are the `totp-rs` crate's; this
//! module fixes Kefu's parameters, reads secrets as people might type them, and builds the
//! `otpauth://` URI the way authenticator apps read it.

use totp_rs::{Algorithm, Builder, Secret, Totp};

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;

/// A new 160-bit secret, base32-encoded (no padding) for the authenticator app.
pub fn new_secret() -> String {
    Secret::from(crate::id::random_bytes::<20>().to_vec()).to_base32()
}

/// Base32 read case-insensitively, ignoring spaces, dashes and `=` padding.
fn decode(secret_b32: &str) -> Option<Vec<u8>> {
    let clean: String = secret_b32
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '='))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    Some(Secret::try_from_base32(clean).ok()?.as_ref().to_vec())
}

fn totp(secret: Vec<u8>) -> Totp {
    // Kefu's own secrets are 160 bits; `build_noncompliant` also takes the shorter ones some
    // apps print, where `build` would refuse anything under 128 bits.
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS as u8)
        .with_skew(1)
        .with_step_duration(STEP_SECONDS as u64)
        .with_secret(secret)
        .build_noncompliant()
}

/// The code for one time step (`unix_seconds / 30`).
pub fn code_at_step(secret: &[u8], step: i64) -> u32 {
    let at = u64::try_from(step).unwrap_or(0) * STEP_SECONDS as u64;
    totp(secret.to_vec())
        .generate(at)
        .to_string()
        .parse()
        .unwrap_or(0)
}

/// The code an authenticator app shows for `secret_b32` at `unix_seconds`.
pub fn code_at(secret_b32: &str, unix_seconds: i64) -> Option<String> {
    let at = u64::try_from(unix_seconds).ok()?;
    Some(totp(decode(secret_b32)?).generate(at).to_string())
}

/// Checks `code` against the steps around `unix_seconds` (one step either way, for clock
/// drift). Returns the matched step so the caller can refuse a second use of the same code.
pub fn verify(secret_b32: &str, code: &str, unix_seconds: i64) -> Option<i64> {
    let secret = decode(secret_b32)?;
    let code = code.trim().replace(' ', "");
    if code.len() != DIGITS as usize || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let step = totp(secret).check(&code, u64::try_from(unix_seconds).ok()?)?;
    i64::try_from(step).ok()
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
        let raw = decode(&secret).unwrap_or_default();
        assert_eq!(raw.len(), 20);
        let now = 1_800_000_000;
        let step = now / 30;
        let code = format!("{:06}", code_at_step(&raw, step));
        assert_eq!(code_at(&secret, now).as_deref(), Some(code.as_str()));
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
    fn secrets_are_read_as_typed() {
        // RFC 4648's vector, typed in lower case with a space, a dash and padding.
        assert_eq!(
            decode("mzxw 6ytb-oi======").as_deref(),
            Some(&b"foobar"[..])
        );
        assert_eq!(decode("M1"), None);
    }

    #[test]
    fn uri_escapes_account() {
        let uri = provisioning_uri("JBSWY3DPEHPK3PXP", "Kefu Shop", "a b@x.com");
        assert!(uri.starts_with("otpauth://totp/Kefu%20Shop:a%20b@x.com?secret=JBSWY3DPEHPK3PXP"));
    }
}
