//! Validation of what people type. Each check returns a stable reason code the edge turns into
//! a 4xx with a translated message.

use serde::Serialize;

use crate::error::ErrorCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum Invalid {
    #[error("invalid e-mail address")]
    Email,
    #[error("the password must be 8 to 256 characters")]
    PasswordLength,
    #[error("the password is too easy to guess")]
    PasswordWeak,
    #[error("the name must be 1 to 100 characters")]
    Name,
    #[error("invalid phone number")]
    Phone,
    #[error("unsupported language")]
    Language,
    #[error("unknown contact channel")]
    Channel,
}

impl Invalid {
    pub fn code(self) -> ErrorCode {
        match self {
            Invalid::Email => ErrorCode::InvalidEmail,
            Invalid::PasswordLength => ErrorCode::PasswordLength,
            Invalid::PasswordWeak => ErrorCode::PasswordWeak,
            Invalid::Name => ErrorCode::InvalidName,
            Invalid::Phone => ErrorCode::InvalidPhone,
            Invalid::Language => ErrorCode::InvalidLanguage,
            Invalid::Channel => ErrorCode::InvalidChannel,
        }
    }
}

/// Languages the product speaks.
pub const LANGUAGES: [&str; 2] = ["zh-CN", "en"];
/// Ways a customer may prefer to be contacted.
pub const CHANNELS: [&str; 4] = ["email", "chat", "phone", "sms"];

/// Normalises and checks an e-mail address: trimmed, domain lowercased, one `@`, a dotted
/// domain of letters, digits and hyphens, no spaces or control characters, at most 254 bytes.
pub fn email(input: &str) -> Result<String, Invalid> {
    let s = input.trim();
    if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Invalid::Email);
    }
    let (local, domain) = s.rsplit_once('@').ok_or(Invalid::Email)?;
    if local.is_empty() || local.len() > 64 || local.contains('@') || local.contains("..") {
        return Err(Invalid::Email);
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains(['<', '>', '"', ',', ';']) {
        return Err(Invalid::Email);
    }
    let domain = domain.to_ascii_lowercase();
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2
        || labels.iter().any(|l| {
            l.is_empty()
                || l.len() > 63
                || l.starts_with('-')
                || l.ends_with('-')
                || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
    {
        return Err(Invalid::Email);
    }
    Ok(format!("{local}@{domain}"))
}

/// Lowercased form used for uniqueness, so `Li@Shop.com` and `li@shop.com` are one account.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn password(p: &str) -> Result<(), Invalid> {
    let n = p.chars().count();
    if !(8..=256).contains(&n) {
        return Err(Invalid::PasswordLength);
    }
    let lower = p.to_lowercase();
    const COMMON: [&str; 8] = [
        "password",
        "12345678",
        "123456789",
        "1234567890",
        "qwertyui",
        "11111111",
        "88888888",
        "abcd1234",
    ];
    if COMMON.contains(&lower.as_str()) || p.chars().all(|c| p.starts_with(c)) {
        return Err(Invalid::PasswordWeak);
    }
    Ok(())
}

pub fn name(n: &str) -> Result<String, Invalid> {
    let t = n.trim();
    let len = t.chars().count();
    if len == 0 || len > 100 || t.chars().any(|c| c.is_control()) {
        return Err(Invalid::Name);
    }
    Ok(t.to_string())
}

/// Phone numbers: optional leading `+`, then 5 to 20 digits with spaces, dashes or brackets.
pub fn phone(p: &str) -> Result<String, Invalid> {
    let t = p.trim();
    if t.is_empty() {
        return Ok(String::new());
    }
    let body = t.strip_prefix('+').unwrap_or(t);
    let digits = body.chars().filter(|c| c.is_ascii_digit()).count();
    if !(5..=20).contains(&digits)
        || !body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')'))
    {
        return Err(Invalid::Phone);
    }
    Ok(t.to_string())
}

pub fn language(l: &str) -> Result<String, Invalid> {
    LANGUAGES
        .iter()
        .find(|x| x.eq_ignore_ascii_case(l.trim()))
        .map(|x| x.to_string())
        .ok_or(Invalid::Language)
}

pub fn channel(c: &str) -> Result<String, Invalid> {
    CHANNELS
        .iter()
        .find(|x| **x == c.trim())
        .map(|x| x.to_string())
        .ok_or(Invalid::Channel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(email(" Li.Lei@Shop.COM ").as_deref(), Ok("Li.Lei@shop.com"));
        assert_eq!(email("王@例子.com"), Err(Invalid::Email));
        for bad in [
            "",
            "plain",
            "@x.com",
            "a@",
            "a@b",
            "a@.com",
            "a b@x.com",
            "a@x..com",
            "a@-x.com",
            "a@@x.com",
            "a..b@x.com",
            "<a>@x.com",
            "a@x\n.com",
        ] {
            assert_eq!(email(bad), Err(Invalid::Email), "{bad:?}");
        }
    }

    #[test]
    fn passwords() {
        assert_eq!(password("short"), Err(Invalid::PasswordLength));
        assert_eq!(password("password"), Err(Invalid::PasswordWeak));
        assert_eq!(password("aaaaaaaaaa"), Err(Invalid::PasswordWeak));
        assert_eq!(password("correct horse 电池"), Ok(()));
    }

    #[test]
    fn names_phones_languages_channels() {
        assert_eq!(name("  韩梅梅 ").as_deref(), Ok("韩梅梅"));
        assert_eq!(name(""), Err(Invalid::Name));
        assert_eq!(
            phone("+86 138-0013-8000").as_deref(),
            Ok("+86 138-0013-8000")
        );
        assert_eq!(phone("call me"), Err(Invalid::Phone));
        assert_eq!(phone("").as_deref(), Ok(""));
        assert_eq!(language("zh-cn").as_deref(), Ok("zh-CN"));
        assert_eq!(language("fr"), Err(Invalid::Language));
        assert_eq!(channel("email").as_deref(), Ok("email"));
        assert_eq!(channel("fax"), Err(Invalid::Channel));
    }
}
