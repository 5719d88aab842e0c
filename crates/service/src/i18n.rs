//! Interface text in Simplified Chinese and English (Fluent). The language follows the user's
//! choice (a cookie, or the account's setting), then `Accept-Language`, then English.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use std::borrow::Borrow;
use unic_langid::LanguageIdentifier;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    ZhCn,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Lang::ZhCn)
        } else if s.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The best supported language in an `Accept-Language` header, by quality.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(lang) = Lang::parse(tag)
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l)
    }
}

pub struct I18n {
    zh: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

fn bundle(locale: &str, source: &str) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = locale.parse().unwrap_or_default();
    let mut b = FluentBundle::new_concurrent(vec![id]);
    // Isolation marks would show up as stray characters in HTML attributes and mails.
    b.set_use_isolating(false);
    let res = FluentResource::try_new(source.to_string()).unwrap_or_else(|(res, errors)| {
        tracing::error!(locale, ?errors, "translation file has errors");
        res
    });
    if let Err(errors) = b.add_resource(res) {
        tracing::error!(locale, ?errors, "translation file has duplicate keys");
    }
    b
}

impl I18n {
    pub fn new() -> I18n {
        I18n {
            zh: bundle("zh-CN", include_str!("../i18n/zh-CN.ftl")),
            en: bundle("en", include_str!("../i18n/en.ftl")),
        }
    }

    fn bundle(&self, lang: Lang) -> &FluentBundle<FluentResource> {
        match lang {
            Lang::ZhCn => &self.zh,
            Lang::En => &self.en,
        }
    }

    /// The text for `key`, falling back to English, then to the key itself.
    pub fn t(&self, lang: Lang, key: &str) -> String {
        self.t_args(lang, key, None)
    }

    pub fn t_args(&self, lang: Lang, key: &str, args: Option<&FluentArgs>) -> String {
        for l in [lang, Lang::En] {
            let b = self.bundle(l);
            if let Some(pattern) = b.get_message(key).and_then(|m| m.value()) {
                let mut errors = vec![];
                return b.format_pattern(pattern, args, &mut errors).into_owned();
            }
        }
        key.to_string()
    }

    /// Keys defined in one language but not the other (a test keeps this empty).
    pub fn missing_keys(&self) -> Vec<String> {
        let keys = |src: &str| -> std::collections::BTreeSet<String> {
            src.lines()
                .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_string()))
                .filter(|k| !k.is_empty() && !k.starts_with('#') && !k.contains(' '))
                .collect()
        };
        let zh = keys(include_str!("../i18n/zh-CN.ftl"));
        let en = keys(include_str!("../i18n/en.ftl"));
        zh.symmetric_difference(&en).cloned().collect()
    }
}

impl Default for I18n {
    fn default() -> Self {
        I18n::new()
    }
}

/// A language bound to the catalogue, handed to templates as `t`.
#[derive(Clone, Copy)]
pub struct Tr<'a> {
    pub i18n: &'a I18n,
    pub lang: Lang,
}

impl Tr<'_> {
    pub fn get(&self, key: &str) -> String {
        self.i18n.t(self.lang, key)
    }
    pub fn code(&self) -> &'static str {
        self.lang.code()
    }
    /// A text with `{name}` left in place of its argument, for scripts to fill in.
    pub fn template(&self, key: &str, name: &str) -> String {
        self.template2(key, name, "")
    }
    /// The message with its arguments filled in.
    pub fn fill(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut fa = FluentArgs::new();
        for (name, value) in args {
            fa.set(name.to_string(), value.to_string());
        }
        self.i18n.t_args(self.lang, key, Some(&fa))
    }
    /// The message for a count `n` (plural forms chosen by it) and other arguments.
    pub fn count(&self, key: &str, n: impl Borrow<usize>, args: &[(&str, &str)]) -> String {
        let mut fa = FluentArgs::new();
        fa.set("n", *n.borrow());
        for (name, value) in args {
            fa.set(name.to_string(), value.to_string());
        }
        self.i18n.t_args(self.lang, key, Some(&fa))
    }
    /// The same with two arguments.
    pub fn template2(&self, key: &str, a: &str, b: &str) -> String {
        let mut fa = FluentArgs::new();
        for name in [a, b].into_iter().filter(|n| !n.is_empty()) {
            fa.set(name.to_string(), format!("{{{name}}}"));
        }
        self.i18n.t_args(self.lang, key, Some(&fa))
    }
    /// A conversation's status in words (`open` → 进行中).
    pub fn status(&self, status: &str) -> String {
        self.i18n.t(self.lang, &format!("status-{status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_by_quality() {
        assert_eq!(
            Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"),
            Some(Lang::ZhCn)
        );
        assert_eq!(
            Lang::from_accept_language("fr, en;q=0.5, zh;q=0.4"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("fr"), None);
    }

    #[test]
    fn translation_files_parse_without_errors_or_duplicate_keys() {
        for source in [
            include_str!("../i18n/en.ftl"),
            include_str!("../i18n/zh-CN.ftl"),
        ] {
            let res = FluentResource::try_new(source.to_string());
            assert!(res.is_ok(), "syntax errors: {:?}", res.err().map(|e| e.1));
            let mut ids = std::collections::HashSet::new();
            for line in source.lines() {
                if let Some((id, _)) = line.split_once(" =")
                    && !id.is_empty()
                    && !id.starts_with([' ', '#'])
                {
                    assert!(ids.insert(id.to_string()), "duplicate key {id}");
                }
            }
        }
    }

    #[test]
    fn both_languages_have_the_same_keys() {
        let i = I18n::new();
        assert_eq!(i.missing_keys(), Vec::<String>::new());
        assert_eq!(i.t(Lang::ZhCn, "sign-in"), "登录");
        assert_eq!(i.t(Lang::En, "sign-in"), "Sign in");
        assert_eq!(i.t(Lang::En, "no-such-key"), "no-such-key");
    }
}
