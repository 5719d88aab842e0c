//! Standard phrases (规范用语): canned replies in the seed's five kinds — greeting, inquiry,
//! response, apology, thanks — and kinds admins add; the shop's or an agent's own; each in
//! Chinese and English; `{customer.name}`, `{agent.name}`, `{order.number}` and `{shop.name}`
//! filled in from the conversation when inserted, with the names that could not be filled.

use kefu_core::ErrorCode;
use kefu_store::conversations::Conversation;
use kefu_store::people::Person;
use kefu_store::quality::{self as store, NewPhrase, Phrase};
use kefu_store::settings;
use serde::{Deserialize, Serialize};

use crate::Service;
use crate::{Error, Result};

/// The seed's five kinds, in the order a conversation (and a call) goes.
pub const KINDS: [&str; 5] = ["greeting", "inquiry", "response", "apology", "thanks"];
pub const KINDS_KEY: &str = "phrase_kinds";

/// A kind admins added (`hangup`, `shipping` …).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomKind {
    /// a-z, 0-9 and `_`.
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
}

pub async fn custom_kinds(state: &Service) -> Result<Vec<CustomKind>> {
    let json = settings::get(&state.db, KINDS_KEY)
        .await?
        .unwrap_or_default();
    Ok(serde_json::from_str(&json).unwrap_or_default())
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhraseView {
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub phrase: Phrase,
    /// The shop's (everyone's) rather than the agent's own.
    pub shared: bool,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PhraseForm {
    pub kind: String,
    pub title: String,
    #[serde(default)]
    pub body_zh: String,
    #[serde(default)]
    pub body_en: String,
    /// The shop's (admins and supervisors) or the agent's own.
    #[serde(default)]
    pub shared: bool,
}

pub async fn check_form(state: &Service, f: &PhraseForm) -> Result<()> {
    let custom = custom_kinds(state).await?;
    if !KINDS.contains(&f.kind.as_str()) && !custom.iter().any(|k| k.key == f.kind) {
        return Err(Error::invalid(
            ErrorCode::InvalidKind,
            "kind is greeting, inquiry, response, apology, thanks or one an admin added",
        ));
    }
    let t = f.title.trim().chars().count();
    if !(1..=60).contains(&t) {
        return Err(Error::invalid(
            ErrorCode::InvalidTitle,
            "a title of 1-60 characters",
        ));
    }
    if f.body_zh.trim().is_empty() && f.body_en.trim().is_empty() {
        return Err(Error::invalid(
            ErrorCode::InvalidPhrase,
            "write the phrase in Chinese, English or both",
        ));
    }
    if f.body_zh.chars().count() > 2000 || f.body_en.chars().count() > 2000 {
        return Err(Error::invalid(
            ErrorCode::InvalidPhrase,
            "a phrase is at most 2000 characters",
        ));
    }
    Ok(())
}

pub fn new_of<'a>(f: &'a PhraseForm, owner: Option<&'a str>) -> NewPhrase<'a> {
    NewPhrase {
        owner_id: owner,
        kind: &f.kind,
        title: f.title.trim(),
        body_zh: f.body_zh.trim(),
        body_en: f.body_en.trim(),
    }
}

/// The phrase `id` if `user` may change it: their own, or a shared one for admins and
/// supervisors.
pub async fn own(state: &Service, user: &Person, id: &str) -> Result<Phrase> {
    let p = store::get_phrase(&state.db, id)
        .await?
        .ok_or(Error::NotFound)?;
    match &p.owner_id {
        Some(o) if *o == user.id => Ok(p),
        None if user.role().sees_all_inboxes() => Ok(p),
        None => Err(Error::Forbidden),
        Some(_) => Err(Error::NotFound),
    }
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct FillQuery {
    /// `zh` or `en`; default the customer's language, else Chinese.
    pub lang: Option<String>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Filled {
    pub text: String,
    /// `zh` or `en`: the version used.
    pub lang: String,
    /// Variables that had no value here (left as written, for the agent to fill in).
    pub unfilled: Vec<String>,
}

/// What phrases are filled in with for one conversation: its variables and the customer's
/// language. Read once, used for as many phrases as needed (a call script fills thirty).
pub struct Context {
    pub vars: Vec<(&'static str, String)>,
    pub customer_lang: String,
}

impl Context {
    pub async fn of(
        state: &Service,
        agent: &Person,
        conv: Option<&Conversation>,
    ) -> Result<Context> {
        let customer = match conv.and_then(|c| c.customer_id.as_deref()) {
            Some(c) => kefu_store::people::get(&state.db, c).await?,
            None => None,
        };
        let shop = settings::get(&state.db, settings::SHOP_NAME)
            .await?
            .unwrap_or_default();
        // The order: a case's order number, else the ticket's `order` field.
        let mut order = String::new();
        if let Some(c) = conv {
            if let Some(k) = kefu_store::cases::get(&state.db, &c.id).await? {
                order = k.order_ref;
            }
            if order.is_empty() {
                let fields: serde_json::Value = serde_json::from_str(&c.fields).unwrap_or_default();
                order = fields["order"].as_str().unwrap_or_default().to_string();
            }
        }
        let (name, customer_lang) = customer.map(|c| (c.name, c.language)).unwrap_or_default();
        Ok(Context {
            vars: vec![
                ("customer.name", name),
                ("agent.name", agent.display_name().to_string()),
                ("order.number", order),
                ("shop.name", shop),
                (
                    "ticket.number",
                    conv.map(|c| c.number.to_string()).unwrap_or_default(),
                ),
            ],
            customer_lang,
        })
    }

    /// `text` with the variables filled in, and the names that had no value.
    pub fn fill(&self, text: &str) -> (String, Vec<String>) {
        kefu_core::placeholders::fill(text, &self.vars)
    }

    /// The phrase in the asked language (else the customer's, else Chinese), filled in.
    pub fn phrase(&self, p: &Phrase, lang: Option<&str>) -> Filled {
        let want = match lang.unwrap_or(&self.customer_lang) {
            l if l.starts_with("en") => "en",
            _ => "zh",
        };
        let (lang, body) = match (want, p.body_zh.is_empty(), p.body_en.is_empty()) {
            ("en", _, false) | (_, true, false) => ("en", &p.body_en),
            _ => ("zh", &p.body_zh),
        };
        let (text, unfilled) = self.fill(body);
        Filled {
            text,
            lang: lang.into(),
            unfilled,
        }
    }
}

// ---- Use cases -------------------------------------------------------------------------------

/// Checks and stores the kinds admins added (up to 30, new keys of a-z, 0-9 and `_`, each with
/// a Chinese label).
pub async fn save_kinds(state: &Service, kinds: Vec<CustomKind>) -> Result<Vec<CustomKind>> {
    let mut seen = std::collections::HashSet::new();
    for k in &kinds {
        let ok = !k.key.is_empty()
            && k.key.len() <= 30
            && k.key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && !KINDS.contains(&k.key.as_str())
            && seen.insert(k.key.clone())
            && !k.label_zh.trim().is_empty()
            && k.label_zh.chars().count() <= 30
            && k.label_en.chars().count() <= 30;
        if !ok {
            return Err(Error::invalid(
                ErrorCode::InvalidKind,
                format!(
                    "kind {:?}: a new key of a-z, 0-9 and _, with a Chinese label",
                    k.key
                ),
            ));
        }
    }
    if kinds.len() > 30 {
        return Err(Error::invalid(
            ErrorCode::InvalidKind,
            "at most 30 kinds of your own",
        ));
    }
    let json = serde_json::to_string(&kinds).map_err(|e| Error::Internal(e.to_string()))?;
    settings::set(&state.db, KINDS_KEY, &json).await?;
    Ok(kinds)
}

fn view_of(p: Phrase) -> PhraseView {
    PhraseView {
        shared: p.owner_id.is_none(),
        phrase: p,
    }
}

/// The phrases an agent may use: the shop's and their own.
pub async fn usable(state: &Service, user: &Person) -> Result<Vec<PhraseView>> {
    Ok(store::phrases_for(&state.db, &user.id)
        .await?
        .into_iter()
        .map(view_of)
        .collect())
}

/// A new phrase: the agent's own, or the shop's (supervisors and admins only).
pub async fn create(state: &Service, user: &Person, f: &PhraseForm) -> Result<PhraseView> {
    check_form(state, f).await?;
    if f.shared && !user.role().sees_all_inboxes() {
        return Err(Error::Forbidden);
    }
    let owner = (!f.shared).then_some(user.id.as_str());
    Ok(view_of(
        store::add_phrase(&state.db, &new_of(f, owner)).await?,
    ))
}

/// Changes a phrase the agent may change.
pub async fn update(
    state: &Service,
    user: &Person,
    id: &str,
    f: &PhraseForm,
) -> Result<PhraseView> {
    let p = own(state, user, id).await?;
    check_form(state, f).await?;
    store::update_phrase(&state.db, &p.id, &new_of(f, None)).await?;
    let p = store::get_phrase(&state.db, &p.id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(view_of(p))
}

/// Deletes a phrase the agent may change.
pub async fn delete(state: &Service, user: &Person, id: &str) -> Result<()> {
    let p = own(state, user, id).await?;
    store::delete_phrase(&state.db, &p.id).await?;
    Ok(())
}

/// A phrase the agent may use, filled in for a conversation they may open.
pub async fn fill_in(
    state: &Service,
    user: &Person,
    conversation_id: &str,
    phrase_id: &str,
    lang: Option<&str>,
) -> Result<Filled> {
    let conv = crate::chat::visible(
        state,
        &crate::chat::Actor::Person(user.clone()),
        conversation_id,
    )
    .await?;
    let p = store::get_phrase(&state.db, phrase_id)
        .await?
        .filter(|p| p.owner_id.is_none() || p.owner_id.as_deref() == Some(user.id.as_str()))
        .ok_or(Error::NotFound)?;
    let ctx = Context::of(state, user, Some(&conv)).await?;
    Ok(ctx.phrase(&p, lang))
}
