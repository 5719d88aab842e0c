//! Working a conversation as a ticket: the fields admins define (checked on every change,
//! required ones before resolving), merging two conversations of one customer, splitting a
//! message off into a new ticket, and macros (a reply from a template, changes, an assignment
//! in one click).

pub mod cases;
pub mod sla;

use kefu_core::ErrorCode;
use kefu_store::conversations::Conversation;
use kefu_store::macros::{self, Macro};
use kefu_store::messages::{self, NewMessage};
use kefu_store::people::User;
use kefu_store::settings;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Service;
use crate::{Error, Result};

pub const FIELDS_KEY: &str = "ticket_fields";
pub const FIELD_KINDS: [&str; 5] = ["text", "number", "select", "date", "checkbox"];

/// A field admins add to tickets.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldDef {
    /// Lower-case letters, digits and `_`; the key in a ticket's `fields`.
    pub key: String,
    pub label: String,
    /// `text`, `number`, `select`, `date` (`YYYY-MM-DD`) or `checkbox`.
    pub kind: String,
    /// The choices of a `select`.
    #[serde(default)]
    pub options: Vec<String>,
    /// Must be filled in before the ticket is resolved.
    #[serde(default)]
    pub required: bool,
}

pub async fn field_defs(state: &Service) -> Result<Vec<FieldDef>> {
    let json = settings::get(&state.db, FIELDS_KEY)
        .await?
        .unwrap_or_default();
    Ok(serde_json::from_str(&json).unwrap_or_default())
}

pub fn check_defs(defs: &[FieldDef]) -> Result<()> {
    if defs.len() > 50 {
        return Err(Error::invalid(
            ErrorCode::InvalidFields,
            "at most 50 fields",
        ));
    }
    let mut keys = std::collections::HashSet::new();
    for d in defs {
        let key_ok = !d.key.is_empty()
            && d.key.len() <= 40
            && d.key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !key_ok || !keys.insert(d.key.as_str()) {
            return Err(Error::invalid(
                ErrorCode::InvalidFields,
                format!(
                    "field key {:?}: a-z, 0-9 and _, up to 40, each used once",
                    d.key
                ),
            ));
        }
        if d.label.trim().is_empty() || d.label.chars().count() > 100 {
            return Err(Error::invalid(
                ErrorCode::InvalidFields,
                format!("field {}: a label of 1-100 characters", d.key),
            ));
        }
        if !FIELD_KINDS.contains(&d.kind.as_str()) {
            return Err(Error::invalid(
                ErrorCode::InvalidFields,
                format!(
                    "field {}: kind is text, number, select, date or checkbox",
                    d.key
                ),
            ));
        }
        if d.kind == "select"
            && (d.options.is_empty()
                || d.options.len() > 100
                || d.options
                    .iter()
                    .any(|o| o.trim().is_empty() || o.chars().count() > 100))
        {
            return Err(Error::invalid(
                ErrorCode::InvalidFields,
                format!("field {}: a select needs 1-100 options", d.key),
            ));
        }
    }
    Ok(())
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    matches!((num(0..4), num(5..7), num(8..10)), (Some(_), Some(m), Some(d)) if (1..=12).contains(&m) && (1..=31).contains(&d))
}

/// `current` (a JSON object) with `values` applied, each checked against its definition.
pub fn merge_fields(
    defs: &[FieldDef],
    current: &str,
    values: &Map<String, Value>,
) -> Result<String> {
    let mut out: Map<String, Value> = serde_json::from_str(current).unwrap_or_default();
    for (k, v) in values {
        let d = defs.iter().find(|d| &d.key == k).ok_or_else(|| {
            Error::invalid(ErrorCode::InvalidField, format!("there is no field {k:?}"))
        })?;
        if v.is_null() {
            out.remove(k);
            continue;
        }
        let ok = match d.kind.as_str() {
            "text" => v.as_str().is_some_and(|s| s.chars().count() <= 1000),
            "number" => v.is_number(),
            "select" => v.as_str().is_some_and(|s| d.options.iter().any(|o| o == s)),
            "date" => v.as_str().is_some_and(is_date),
            _ => v.is_boolean(),
        };
        if !ok {
            let want = match d.kind.as_str() {
                "text" => "a text of at most 1000 characters".to_string(),
                "number" => "a number".into(),
                "select" => format!("one of {}", d.options.join(", ")),
                "date" => "a date as YYYY-MM-DD".into(),
                _ => "true or false".into(),
            };
            return Err(Error::invalid(
                ErrorCode::InvalidField,
                format!("{} must be {want}", d.label),
            ));
        }
        out.insert(k.clone(), v.clone());
    }
    Ok(Value::Object(out).to_string())
}

/// Refuses when a required field is empty.
pub fn check_required(defs: &[FieldDef], fields: &str) -> Result<()> {
    let values: Map<String, Value> = serde_json::from_str(fields).unwrap_or_default();
    let missing: Vec<&str> = defs
        .iter()
        .filter(|d| d.required)
        .filter(|d| match values.get(&d.key) {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            _ => false,
        })
        .map(|d| d.label.as_str())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::invalid(
            ErrorCode::RequiredFields,
            format!("fill in before resolving: {}", missing.join(", ")),
        ))
    }
}

// ---- Merge and split -------------------------------------------------------------------------

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The conversation that stays; this one is closed into it.
    pub into: String,
}

/// Copies of `source`'s words, files and notes appended to `target`, marked with where they came
/// from.
pub async fn copy_messages(
    state: &Service,
    tx: &mut kefu_store::Tx,
    source: &Conversation,
    target: &Conversation,
    only: Option<&str>,
) -> Result<Vec<messages::Message>> {
    let mut out = vec![];
    let mut after = 0;
    loop {
        let page = messages::after(&mut *tx, &source.id, after, 500, true).await?;
        if page.is_empty() {
            break;
        }
        for m in &page {
            after = m.seq;
            let copy = matches!(
                m.kind.as_str(),
                messages::kind::TEXT | messages::kind::ATTACHMENT | messages::kind::NOTE
            ) && only.is_none_or(|id| id == m.id);
            if !copy {
                continue;
            }
            let mut meta: Value =
                serde_json::from_str(&m.meta).unwrap_or_else(|_| Value::Object(Map::new()));
            if !meta.is_object() {
                meta = Value::Object(Map::new());
            }
            meta["copied_from"] = serde_json::json!({
                "conversation": source.id, "number": source.number, "seq": m.seq, "at": m.created_at,
            });
            let (msg, _) = messages::append(
                &mut *tx,
                &NewMessage {
                    conversation_id: &target.id,
                    kind: &m.kind,
                    author_kind: &m.author_kind,
                    author_id: m.author_id.as_deref(),
                    client_id: None,
                    body: &m.body,
                    meta: &meta.to_string(),
                },
            )
            .await?;
            crate::chat::bus::announce_in(state, tx, target, msg.seq, msg.is_internal()).await?;
            out.push(msg);
        }
        if page.len() < 500 {
            break;
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SplitRequest {
    /// The message that becomes the first of a new ticket.
    pub message_id: String,
    /// The new ticket's subject (default: the old one's, marked as split).
    #[serde(default)]
    pub subject: String,
}

// ---- Macros ----------------------------------------------------------------------------------

/// What a macro does, in this order: changes, assignment, then the reply.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct MacroActions {
    /// A reply sent to the customer; `{customer.name}`, `{agent.name}`, `{order.number}`,
    /// `{ticket.number}` and `{shop.name}` are filled in.
    pub reply: String,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub stage: Option<String>,
    pub ticket_type: Option<String>,
    /// Tags added to the ticket's.
    pub add_tags: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub fields: Option<Map<String, Value>>,
    /// `me` (whoever applies it) or an agent's id.
    pub assign: Option<String>,
    pub team_id: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MacroForm {
    pub name: String,
    /// Shared with the whole shop (admins and supervisors) or the agent's own.
    #[serde(default)]
    pub shared: bool,
    pub actions: MacroActions,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MacroView {
    pub id: String,
    pub name: String,
    pub shared: bool,
    pub actions: MacroActions,
}

pub fn view(m: Macro) -> MacroView {
    MacroView {
        shared: m.owner_id.is_none(),
        actions: serde_json::from_str(&m.actions).unwrap_or_default(),
        id: m.id,
        name: m.name,
    }
}

pub fn check_macro(f: &MacroForm) -> Result<String> {
    if f.name.trim().is_empty() || f.name.chars().count() > 100 {
        return Err(Error::invalid(
            ErrorCode::InvalidMacro,
            "a name of 1-100 characters",
        ));
    }
    let a = &f.actions;
    if a.reply.chars().count() > kefu_core::protocol::MAX_BODY_CHARS || a.add_tags.len() > 20 {
        return Err(Error::invalid(
            ErrorCode::InvalidMacro,
            "the reply or the tag list is too long",
        ));
    }
    let empty = a.reply.trim().is_empty()
        && a.status.is_none()
        && a.priority.is_none()
        && a.stage.is_none()
        && a.ticket_type.is_none()
        && a.add_tags.is_empty()
        && a.fields.is_none()
        && a.assign.is_none()
        && a.team_id.is_none();
    if empty {
        return Err(Error::invalid(
            ErrorCode::InvalidMacro,
            "a macro needs at least one action",
        ));
    }
    serde_json::to_string(a).map_err(|e| Error::Internal(e.to_string()))
}

pub fn may_share(user: &User) -> bool {
    user.role().sees_all_inboxes()
}

/// The macro `id` if `user` may change it: their own, or a shared one for admins and supervisors.
pub async fn own_macro(state: &Service, user: &User, id: &str) -> Result<Macro> {
    let m = macros::get(&state.db, id).await?.ok_or(Error::NotFound)?;
    match &m.owner_id {
        Some(o) if o == &user.id => Ok(m),
        None if may_share(user) => Ok(m),
        None => Err(Error::Forbidden),
        Some(_) => Err(Error::NotFound),
    }
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MacroResult {
    pub conversation: Conversation,
    /// Variables of the reply that could not be filled in (left as written).
    pub unfilled: Vec<String>,
}

/// `{name}` variables of `text` filled from `vars`; the names that had no value.
pub fn fill(text: &str, vars: &[(&str, String)]) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut unfilled = vec![];
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end)
                if after[..end]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
                    && end > 0 =>
            {
                let name = &after[..end];
                match vars.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) if !v.is_empty() => out.push_str(v),
                    _ => {
                        out.push_str(&rest[start..start + end + 2]);
                        unfilled.push(name.to_string());
                    }
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    (out, unfilled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_filled_or_reported() {
        let vars = [
            ("customer.name", "陈静".to_string()),
            ("agent.name", "Li".to_string()),
            ("order.number", String::new()),
        ];
        let (s, missing) = fill(
            "您好 {customer.name}，我是 {agent.name}。订单 {order.number} {x",
            &vars,
        );
        assert_eq!(s, "您好 陈静，我是 Li。订单 {order.number} {x");
        assert_eq!(missing, vec!["order.number".to_string()]);
        let (s, missing) = fill("{} {a b} }{", &vars);
        assert_eq!(s, "{} {a b} }{");
        assert!(missing.is_empty());
    }

    #[test]
    fn fields_are_checked() {
        let defs = vec![
            FieldDef {
                key: "order".into(),
                label: "Order".into(),
                kind: "text".into(),
                options: vec![],
                required: true,
            },
            FieldDef {
                key: "reason".into(),
                label: "Reason".into(),
                kind: "select".into(),
                options: vec!["damaged".into(), "late".into()],
                required: false,
            },
            FieldDef {
                key: "amount".into(),
                label: "Amount".into(),
                kind: "number".into(),
                options: vec![],
                required: false,
            },
            FieldDef {
                key: "when".into(),
                label: "When".into(),
                kind: "date".into(),
                options: vec![],
                required: false,
            },
            FieldDef {
                key: "vip".into(),
                label: "VIP".into(),
                kind: "checkbox".into(),
                options: vec![],
                required: false,
            },
        ];
        check_defs(&defs).expect("valid");
        let set = |json: Value| merge_fields(&defs, "{}", json.as_object().expect("object"));
        let ok = set(serde_json::json!({"order": "A1", "reason": "late", "amount": 12.5, "when": "2026-11-30", "vip": true})).expect("ok");
        check_required(&defs, &ok).expect("complete");
        assert!(set(serde_json::json!({"reason": "lost"})).is_err());
        assert!(set(serde_json::json!({"amount": "12"})).is_err());
        assert!(set(serde_json::json!({"when": "2026-13-01"})).is_err());
        assert!(set(serde_json::json!({"nope": 1})).is_err());
        let cleared = merge_fields(
            &defs,
            &ok,
            serde_json::json!({"order": null}).as_object().expect("o"),
        )
        .expect("ok");
        assert!(check_required(&defs, &cleared).is_err());
        let mut dup = defs.clone();
        dup.push(defs[0].clone());
        assert!(check_defs(&dup).is_err());
    }
}
