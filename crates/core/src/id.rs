//! Opaque identifiers and secret tokens.
//!
//! Ids are 128 random bits in URL-safe base64 (22 characters): stable, opaque in URLs, and not
//! enumerable. Secret tokens (sessions, links in mails, API tokens) are 256 random bits; only
//! their SHA-256 digest is stored, so a stolen database does not yield working tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Fills `buf` from the operating system's random source.
///
/// The OS generator failing is not a condition a server can work around; it aborts loudly
/// rather than hand out predictable secrets.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut buf).expect("the operating system's random source failed");
    buf
}

/// A new opaque id for a stored object.
pub fn new_id() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<16>())
}

/// A new opaque id that sorts by creation time: 48 bits of milliseconds, then 80 random bits,
/// 22 characters of the same alphabet as [`new_id`] in ASCII order. For rows written in great
/// numbers (messages): a new one lands at the end of its table's key index instead of at a
/// random page, so a commit dirties fewer pages.
pub fn new_sorted_id() -> String {
    const ALPHABET: &[u8; 64] = b"-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let random = u128::from_le_bytes(random_bytes::<16>()) >> 48;
    // 132 bits in 22 characters: the top 4 are zero.
    let n = ((millis & ((1 << 48) - 1)) << 80) | random;
    (0..22)
        .rev()
        .map(|i| char::from(ALPHABET[((n >> (6 * i)) & 63) as usize]))
        .collect()
}

/// A new secret token to hand to a client once.
pub fn new_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// The digest under which a secret token is stored and looked up.
pub fn token_digest(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// A short code that people read and type: `n` digits.
pub fn numeric_code(digits: usize) -> String {
    let bytes = random_bytes::<16>();
    let mut n = u128::from_le_bytes(bytes);
    let mut out = String::with_capacity(digits);
    for _ in 0..digits {
        out.push(char::from(b'0' + (n % 10) as u8));
        n /= 10;
    }
    out
}

/// Compares secrets without leaking where they differ through timing.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_ids_sort_by_time_and_look_like_the_others() {
        let a = new_sorted_id();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = new_sorted_id();
        assert!(a < b, "{a} < {b}");
        assert_eq!(a.len(), 22);
        assert_ne!(a, new_sorted_id());
        let plain = new_id();
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_eq!(plain.len(), a.len());
    }

    #[test]
    fn ids_are_opaque_and_distinct() {
        let a = new_id();
        let b = new_id();
        assert_eq!(a.len(), 22);
        assert_ne!(a, b);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn token_digest_is_stable_and_differs_from_token() {
        let t = new_token();
        assert_eq!(token_digest(&t), token_digest(&t));
        assert_ne!(token_digest(&t), t);
        assert_ne!(token_digest("a"), token_digest("b"));
    }

    #[test]
    fn numeric_code_has_requested_digits() {
        let c = numeric_code(8);
        assert_eq!(c.len(), 8);
        assert!(c.chars().all(|c| c.is_ascii_digit()));
    }

    #[test]
    fn constant_time_eq_behaves_like_eq() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
