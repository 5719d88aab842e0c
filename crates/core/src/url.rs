//! Percent-encoding for URL components and form bodies (RFC 3986 unreserved characters stay).

/// Encodes everything but ASCII letters, digits, `-._~` and the bytes in `keep`.
pub fn encode(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') || keep.contains(&b)
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes and, as forms do, `+` as space. Malformed escapes stay as they are;
/// invalid UTF-8 becomes U+FFFD. Never panics, whatever the input.
pub fn decode_form(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_tolerates_garbage() {
        assert_eq!(encode("a b/李@x", b"@"), "a%20b%2F%E6%9D%8E@x");
        assert_eq!(encode("/account?x=1", b"/"), "/account%3Fx%3D1");
        assert_eq!(decode_form("a+b%20c%zz%4"), "a b c%zz%4");
        assert_eq!(decode_form("%E6%9D%8E"), "李");
        assert_eq!(decode_form("%"), "%");
        assert_eq!(decode_form("%ff%fe"), "\u{fffd}\u{fffd}");
        for s in ["", "x", "李雷 & 韩梅梅", "100%"] {
            assert_eq!(decode_form(&encode(s, b"")), s);
        }
    }
}
