//! Standard phrases (规范用语): canned replies in the seed's five kinds — greeting, inquiry,
//! response, apology, thanks — and kinds admins add; the shop's or an agent's own; each in
//! Chinese and English; `{customer.name}`, `{agent.name}`, `{order.number}` and `{shop.name}`
//! filled in from the conversation when inserted, with the names that could not be filled.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kefu_core::error::ErrorCode;
use kefu_store::conversations::Conversation;
use kefu_store::people::User;
use kefu_store::quality::{self as store, NewPhrase, Phrase};
use kefu_store::settings;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::ApiJson;
use crate::auth::Caller;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::realtime::{self, Actor};
use crate::state::AppState;

/// The seed's five kinds, in the order a conversation (and a call) goes.
pub const KINDS: [&str; 5] = ["greeting", "inquiry", "response", "apology", "thanks"];
pub const KINDS_KEY: &str = "phrase_kinds";

/// A kind admins added (`hangup`, `shipping` …).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CustomKind {
    /// a-z, 0-9 and `_`.
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
}

pub async fn custom_kinds(state: &AppState) -> AppResult<Vec<CustomKind>> {
    let json = settings::get(&state.db, KINDS_KEY)
        .await?
        .unwrap_or_default();
    Ok(serde_json::from_str(&json).unwrap_or_default())
}

#[utoipa::path(get, path = "/api/v1/phrase-kinds", tag = "quality",
    responses((status = 200, body = Vec<CustomKind>)))]
pub async fn list_kinds(State(state): State<AppState>) -> AppResult<Json<Vec<CustomKind>>> {
    Ok(Json(custom_kinds(&state).await?))
}

#[utoipa::path(put, path = "/api/v1/phrase-kinds", tag = "quality", request_body = Vec<CustomKind>,
    responses((status = 200, body = Vec<CustomKind>), (status = 400, body = ErrorBody)))]
pub async fn save_kinds(
    State(state): State<AppState>,
    ApiJson(kinds): ApiJson<Vec<CustomKind>>,
) -> AppResult<Json<Vec<CustomKind>>> {
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
            return Err(AppError::bad(
                ErrorCode::InvalidKind,
                format!(
                    "kind {:?}: a new key of a-z, 0-9 and _, with a Chinese label",
                    k.key
                ),
            ));
        }
    }
    if kinds.len() > 30 {
        return Err(AppError::bad(
            ErrorCode::InvalidKind,
            "at most 30 kinds of your own",
        ));
    }
    let json = serde_json::to_string(&kinds).map_err(|e| AppError::Internal(e.to_string()))?;
    settings::set(&state.db, KINDS_KEY, &json).await?;
    Ok(Json(kinds))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PhraseView {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub phrase: Phrase,
    /// The shop's (everyone's) rather than the agent's own.
    pub shared: bool,
}

#[utoipa::path(get, path = "/api/v1/phrases", tag = "quality",
    responses((status = 200, body = Vec<PhraseView>)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> AppResult<Json<Vec<PhraseView>>> {
    let user = caller.staff()?;
    Ok(Json(
        store::phrases_for(&state.db, &user.id)
            .await?
            .into_iter()
            .map(|p| PhraseView {
                shared: p.owner_id.is_none(),
                phrase: p,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
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

async fn check_form(state: &AppState, f: &PhraseForm) -> AppResult<()> {
    let custom = custom_kinds(state).await?;
    if !KINDS.contains(&f.kind.as_str()) && !custom.iter().any(|k| k.key == f.kind) {
        return Err(AppError::bad(
            ErrorCode::InvalidKind,
            "kind is greeting, inquiry, response, apology, thanks or one an admin added",
        ));
    }
    let t = f.title.trim().chars().count();
    if !(1..=60).contains(&t) {
        return Err(AppError::bad(
            ErrorCode::InvalidTitle,
            "a title of 1-60 characters",
        ));
    }
    if f.body_zh.trim().is_empty() && f.body_en.trim().is_empty() {
        return Err(AppError::bad(
            ErrorCode::InvalidPhrase,
            "write the phrase in Chinese, English or both",
        ));
    }
    if f.body_zh.chars().count() > 2000 || f.body_en.chars().count() > 2000 {
        return Err(AppError::bad(
            ErrorCode::InvalidPhrase,
            "a phrase is at most 2000 characters",
        ));
    }
    Ok(())
}

fn new_of<'a>(f: &'a PhraseForm, owner: Option<&'a str>) -> NewPhrase<'a> {
    NewPhrase {
        owner_id: owner,
        kind: &f.kind,
        title: f.title.trim(),
        body_zh: f.body_zh.trim(),
        body_en: f.body_en.trim(),
    }
}

#[utoipa::path(post, path = "/api/v1/phrases", tag = "quality", request_body = PhraseForm,
    responses((status = 201, body = PhraseView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(f): ApiJson<PhraseForm>,
) -> AppResult<Response> {
    let user = caller.staff()?;
    check_form(&state, &f).await?;
    if f.shared && !user.role().sees_all_inboxes() {
        return Err(AppError::Forbidden);
    }
    let owner = (!f.shared).then_some(user.id.as_str());
    let p = store::add_phrase(&state.db, &new_of(&f, owner)).await?;
    Ok((
        StatusCode::CREATED,
        Json(PhraseView {
            shared: p.owner_id.is_none(),
            phrase: p,
        }),
    )
        .into_response())
}

/// The phrase `id` if `user` may change it: their own, or a shared one for admins and
/// supervisors.
async fn own(state: &AppState, user: &User, id: &str) -> AppResult<Phrase> {
    let p = store::get_phrase(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    match &p.owner_id {
        Some(o) if *o == user.id => Ok(p),
        None if user.role().sees_all_inboxes() => Ok(p),
        None => Err(AppError::Forbidden),
        Some(_) => Err(AppError::NotFound),
    }
}

#[utoipa::path(put, path = "/api/v1/phrases/{id}", tag = "quality", request_body = PhraseForm,
    responses((status = 200, body = PhraseView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(f): ApiJson<PhraseForm>,
) -> AppResult<Json<PhraseView>> {
    let user = caller.staff()?;
    let p = own(&state, user, &id).await?;
    check_form(&state, &f).await?;
    store::update_phrase(&state.db, &p.id, &new_of(&f, None)).await?;
    let p = store::get_phrase(&state.db, &p.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(PhraseView {
        shared: p.owner_id.is_none(),
        phrase: p,
    }))
}

#[utoipa::path(delete, path = "/api/v1/phrases/{id}", tag = "quality",
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    let user = caller.staff()?;
    let p = own(&state, user, &id).await?;
    store::delete_phrase(&state.db, &p.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct FillQuery {
    /// `zh` or `en`; default the customer's language, else Chinese.
    pub lang: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
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
        state: &AppState,
        agent: &User,
        conv: Option<&Conversation>,
    ) -> AppResult<Context> {
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
        crate::tickets::fill(text, &self.vars)
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

#[utoipa::path(post, path = "/api/v1/conversations/{id}/phrases/{phrase_id}", tag = "quality", params(FillQuery),
    responses((status = 200, body = Filled), (status = 404, body = ErrorBody)))]
pub async fn fill(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, phrase_id)): Path<(String, String)>,
    Query(q): Query<FillQuery>,
) -> AppResult<Json<Filled>> {
    let user = caller.staff()?;
    let conv = realtime::visible(&state, &Actor::Person(user.clone()), &id).await?;
    let p = store::get_phrase(&state.db, &phrase_id)
        .await?
        .filter(|p| p.owner_id.is_none() || p.owner_id.as_deref() == Some(user.id.as_str()))
        .ok_or(AppError::NotFound)?;
    let ctx = Context::of(&state, user, Some(&conv)).await?;
    Ok(Json(ctx.phrase(&p, q.lang.as_deref())))
}
