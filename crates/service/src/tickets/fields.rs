//! The ticket fields admins define, checked on every change and, when required, before resolving.

use kefu_core::ErrorCode;
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

/// Checks and stores the field definitions (keys and labels trimmed).
pub async fn save_field_defs(state: &Service, mut defs: Vec<FieldDef>) -> Result<Vec<FieldDef>> {
    for d in &mut defs {
        d.key = d.key.trim().to_string();
        d.label = d.label.trim().to_string();
    }
    check_defs(&defs)?;
    let json = serde_json::to_string(&defs).map_err(|e| Error::Internal(e.to_string()))?;
    settings::set(&state.db, FIELDS_KEY, &json).await?;
    Ok(defs)
}

#[cfg(test)]
mod tests {
    use super::*;

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
