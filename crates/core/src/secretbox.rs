//! Secrets kept in the database (mail server passwords) are sealed with ChaCha20-Poly1305
//! under a key derived from the configured secret, so a copy of the database alone does not
//! give them away. A sealed value is `v1:` + base64(nonce ‖ ciphertext ‖ tag); opening a value
//! sealed under another key, or altered, fails.

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use sha2::{Digest, Sha256};

const PREFIX: &str = "v1:";

/// A 256-bit key, never printed.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpenError {
    #[error("the stored secret is not in a known format")]
    Format,
    #[error("the stored secret was sealed with another key or was altered")]
    Key,
}

impl SecretKey {
    /// Derives the key from the configured secret (any length; at least 32 random characters
    /// are advised).
    pub fn derive(configured: &str) -> SecretKey {
        let mut h = Sha256::new();
        h.update(b"kefu-secret-key\n");
        h.update(configured.as_bytes());
        SecretKey(h.finalize().into())
    }

    /// A sub-key for one purpose (for example the mail reply token's HMAC key), as hex.
    pub fn purpose(&self, purpose: &str) -> String {
        let mut h = Sha256::new();
        h.update(self.0);
        h.update(b"\n");
        h.update(purpose.as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn seal(&self, plain: &str) -> String {
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.0));
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).expect("the operating system's random source failed");
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .expect("encrypting in memory cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}", B64.encode(out))
    }

    pub fn open(&self, sealed: &str) -> Result<String, OpenError> {
        let raw = sealed.strip_prefix(PREFIX).ok_or(OpenError::Format)?;
        let bytes = B64.decode(raw).map_err(|_| OpenError::Format)?;
        if bytes.len() < 12 + 16 {
            return Err(OpenError::Format);
        }
        let (nonce, body) = bytes.split_at(12);
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.0));
        let plain = cipher
            .decrypt(Nonce::from_slice(nonce), body)
            .map_err(|_| OpenError::Key)?;
        String::from_utf8(plain).map_err(|_| OpenError::Format)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens() {
        let k = SecretKey::derive("a configured secret");
        let s = k.seal("imap 密码");
        assert!(s.starts_with("v1:"));
        assert!(!s.contains("imap"));
        assert_eq!(k.open(&s).as_deref(), Ok("imap 密码"));
        // Each sealing uses a fresh nonce.
        assert_ne!(k.seal("x"), k.seal("x"));
    }

    #[test]
    fn another_key_or_an_altered_value_fails() {
        let k = SecretKey::derive("one");
        let other = SecretKey::derive("two");
        let s = k.seal("secret");
        assert_eq!(other.open(&s), Err(OpenError::Key));
        let mut altered = s.clone().into_bytes();
        let last = altered.len() - 2;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert!(k.open(&String::from_utf8(altered).unwrap()).is_err());
        assert_eq!(k.open("plain"), Err(OpenError::Format));
        assert_eq!(k.open("v1:!!"), Err(OpenError::Format));
        assert_eq!(k.open("v1:AAAA"), Err(OpenError::Format));
    }

    #[test]
    fn purposes_differ_and_are_stable() {
        let k = SecretKey::derive("x");
        assert_eq!(k.purpose("mail"), SecretKey::derive("x").purpose("mail"));
        assert_ne!(k.purpose("mail"), k.purpose("other"));
        assert!(!format!("{k:?}").contains('['));
    }
}
