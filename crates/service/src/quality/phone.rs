//! Phone service (电话服务): agents log calls on the customer and the conversation; customers
//! ask for a callback from the help centre or the widget, which waits in the console until an
//! agent takes it; the call script gives the lines of each stage of a call, built from the
//! standard phrases.

use kefu_core::error::ErrorCode;
use kefu_core::time::{DAY, now_ms};
use kefu_store::messages;
use kefu_store::people::Person;
use kefu_store::phone::{self as store, Call, Callback, NewCallback};
use kefu_store::quality as phrases_store;
use serde::{Deserialize, Serialize};

use crate::accounts::caller::Caller;
use crate::chat::{self, Actor};
use crate::limits::Rule;
use crate::quality::phrases;
use crate::{Error, Result, Service};

pub const OUTCOMES: [&str; 6] = [
    "answered",
    "resolved",
    "callback_needed",
    "no_answer",
    "voicemail",
    "wrong_number",
];
const CALLBACKS_PER_IP: Rule = Rule::per_minutes(5, 60);

/// A phone number as people write it: digits with `+`, spaces, `-` and brackets, 5-20 long.
pub fn check_phone(s: &str) -> Result<String> {
    let s = s.trim();
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let ok = (5..=20).contains(&s.chars().count())
        && digits >= 5
        && s.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
    if ok {
        Ok(s.to_string())
    } else {
        Err(Error::invalid(
            ErrorCode::InvalidPhone,
            "a phone number is 5-20 digits, with + - ( ) or spaces",
        ))
    }
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CallForm {
    /// The conversation the call belongs to (its customer is the call's).
    #[serde(default)]
    pub conversation_id: Option<String>,
    /// The customer, when there is no conversation.
    #[serde(default)]
    pub customer_id: Option<String>,
    /// `inbound` or `outbound`.
    pub direction: String,
    #[serde(default)]
    pub number: String,
    /// When the call began (ms); default now minus its duration.
    #[serde(default)]
    pub started_at: Option<i64>,
    #[serde(default)]
    pub duration_seconds: i64,
    /// `answered`, `resolved`, `callback_needed`, `no_answer`, `voicemail` or `wrong_number`.
    pub outcome: String,
    #[serde(default)]
    pub notes: String,
    /// The callback this call answers.
    #[serde(default)]
    pub callback_id: Option<String>,
}

fn minutes_text(seconds: i64) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

fn check_call(f: &CallForm, now: i64) -> Result<(String, i64)> {
    if !["inbound", "outbound"].contains(&f.direction.as_str()) {
        return Err(Error::invalid(
            ErrorCode::InvalidDirection,
            "direction is inbound or outbound",
        ));
    }
    if !OUTCOMES.contains(&f.outcome.as_str()) {
        return Err(Error::invalid(
            ErrorCode::InvalidOutcome,
            format!("outcome is one of {}", OUTCOMES.join(", ")),
        ));
    }
    if !(0..=24 * 3600).contains(&f.duration_seconds) || f.notes.chars().count() > 5000 {
        return Err(Error::invalid(
            ErrorCode::InvalidCall,
            "a call lasts up to a day and its notes up to 5000 characters",
        ));
    }
    let number = if f.number.trim().is_empty() {
        String::new()
    } else {
        check_phone(&f.number)?
    };
    let started_at = f.started_at.unwrap_or(now - f.duration_seconds * 1000);
    if started_at > now + 60_000 || started_at < now - 366 * DAY {
        return Err(Error::invalid(
            ErrorCode::InvalidCall,
            "the call's time is in the future or over a year ago",
        ));
    }
    Ok((number, started_at))
}

/// An agent logs a call: on its conversation (with an activity staff see) or its customer, and
/// as the answer to a callback, which it closes.
pub async fn log_call(state: &Service, user: &Person, f: &CallForm) -> Result<Call> {
    let now = now_ms();
    let (number, started_at) = check_call(f, now)?;
    let conv = match &f.conversation_id {
        Some(id) => Some(chat::visible(state, &Actor::Person(user.clone()), id).await?),
        None => None,
    };
    let customer_id = match (&conv, &f.customer_id) {
        (Some(c), _) => c.customer_id.clone(),
        (None, Some(id)) => {
            let c = kefu_store::people::get(&state.db, id)
                .await?
                .filter(|u| !u.role().is_staff())
                .ok_or_else(|| Error::invalid(ErrorCode::InvalidCustomer, "no such customer"))?;
            Some(c.id)
        }
        (None, None) => None,
    };
    let callback = match &f.callback_id {
        Some(id) => Some(
            store::get_callback(&state.db, id)
                .await?
                .ok_or_else(|| Error::invalid(ErrorCode::InvalidCallback, "no such callback"))?,
        ),
        None => None,
    };
    let call = Call {
        id: kefu_core::id::new_id(),
        customer_id: customer_id.or_else(|| callback.as_ref().and_then(|c| c.customer_id.clone())),
        conversation_id: conv.as_ref().map(|c| c.id.clone()),
        agent_id: user.id.clone(),
        direction: f.direction.clone(),
        number: if number.is_empty() {
            callback
                .as_ref()
                .map(|c| c.phone.clone())
                .unwrap_or_default()
        } else {
            number
        },
        started_at,
        duration_seconds: f.duration_seconds,
        outcome: f.outcome.clone(),
        notes: f.notes.trim().to_string(),
        created_at: now,
    };
    let mut tx = state.db.begin().await?;
    store::add_call(&mut tx, &call).await?;
    if let Some(cb) = &callback {
        // Someone else's callback (or one nobody took) is taken by whoever calls.
        if cb.status == "open" {
            store::take_callback(&mut tx, &cb.id, &user.id).await?;
        }
        if !store::finish_callback(&mut tx, &cb.id, &call.id).await? {
            return Err(Error::conflict(
                ErrorCode::CallbackClosed,
                "this callback was already answered",
            ));
        }
    }
    let mut event = None;
    if let Some(c) = &conv {
        let by = user.display_name().to_string();
        event = Some(
            chat::desk::record_event(
                state,
                &mut tx,
                c,
                messages::kind::ACTIVITY,
                Some(user),
                &format!(
                    "{by} logged a {} call ({}, {})",
                    call.direction,
                    minutes_text(call.duration_seconds),
                    call.outcome
                ),
                serde_json::json!({"event": "call", "call": call.id, "direction": call.direction,
                    "duration": call.duration_seconds, "outcome": call.outcome, "by": by}),
            )
            .await?,
        );
    }
    tx.commit().await?;
    if let (Some(c), Some(e)) = (&conv, event) {
        chat::desk::publish_all(state, c, &[e]).await;
    }
    Ok(call)
}

/// The calls of a customer or a conversation that this agent may see: those of conversations
/// they may open, and calls with no conversation.
pub async fn calls(
    state: &Service,
    user: &Person,
    customer_id: &str,
    conversation_id: &str,
) -> Result<Vec<Call>> {
    if customer_id.is_empty() && conversation_id.is_empty() {
        return Err(Error::invalid(
            ErrorCode::InvalidQuery,
            "give customer_id or conversation_id",
        ));
    }
    let actor = Actor::Person(user.clone());
    if !conversation_id.is_empty() {
        chat::visible(state, &actor, conversation_id).await?;
    }
    let mut out = vec![];
    for c in store::calls_of(&state.db, customer_id, conversation_id).await? {
        let ok = match &c.conversation_id {
            Some(id) => chat::visible(state, &actor, id).await.is_ok(),
            None => true,
        };
        if ok {
            out.push(c);
        }
    }
    Ok(out)
}

// ---- Callbacks -------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CallbackRequest {
    #[serde(default)]
    pub name: String,
    pub phone: String,
    /// When the customer would like the call (ms); absent for "as soon as possible".
    #[serde(default)]
    pub preferred_at: Option<i64>,
    #[serde(default)]
    pub note: String,
}

/// A customer (signed in, a visitor, or nobody known) asks to be called back; agents are told
/// at once. Limited per address.
pub async fn request_callback(
    state: &Service,
    caller: &Caller,
    ip: &str,
    r: &CallbackRequest,
) -> Result<String> {
    state
        .limiter
        .hit(&format!("callback:ip:{ip}"), CALLBACKS_PER_IP)
        .map_err(Error::RateLimited)?;
    let phone = check_phone(&r.phone)?;
    if r.name.chars().count() > 100 || r.note.chars().count() > 1000 {
        return Err(Error::invalid(
            ErrorCode::InvalidCallback,
            "the name is up to 100 characters and the note up to 1000",
        ));
    }
    let now = now_ms();
    if let Some(t) = r.preferred_at
        && !(now - 60 * 60_000..=now + 30 * DAY).contains(&t)
    {
        return Err(Error::invalid(
            ErrorCode::InvalidTime,
            "choose a time within the next 30 days",
        ));
    }
    let customer = match caller {
        Caller::Person { user, .. } if !user.role().is_staff() => Some(user.id.clone()),
        Caller::Visitor { visitor } => Some(visitor.customer_id.clone()),
        _ => None,
    };
    let id = store::add_callback(
        &state.db,
        &NewCallback {
            customer_id: customer.as_deref(),
            name: r.name.trim(),
            phone: &phone,
            preferred_at: r.preferred_at,
            note: r.note.trim(),
        },
    )
    .await?;
    // Agents see the new task in the console.
    let f = kefu_core::protocol::ServerFrame::Notification {
        id: id.clone(),
        kind: "callback".into(),
        conversation: String::new(),
        body: format!("{} {}", r.name.trim(), phone),
    };
    chat::bus::announce_staff(state, None, &f.to_json()).await;
    state.hub.publish_staff(None, &f.to_json());
    Ok(id)
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallbackView {
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub callback: Callback,
    pub assignee: Option<String>,
}

/// The callbacks waiting for a call, with the name of whoever took each.
pub async fn pending_callbacks(state: &Service) -> Result<Vec<CallbackView>> {
    let mut out = vec![];
    for cb in store::pending_callbacks(&state.db).await? {
        let assignee = match &cb.assignee_id {
            Some(a) => kefu_store::people::get(&state.db, a)
                .await?
                .map(|u| u.display_name().to_string()),
            None => None,
        };
        out.push(CallbackView {
            callback: cb,
            assignee,
        });
    }
    Ok(out)
}

/// An agent takes a callback nobody else has taken.
pub async fn take_callback(state: &Service, user: &Person, id: &str) -> Result<()> {
    store::get_callback(&state.db, id)
        .await?
        .ok_or(Error::NotFound)?;
    if !store::take_callback(&state.db, id, &user.id).await? {
        return Err(Error::conflict(
            ErrorCode::CallbackTaken,
            "someone else took this callback",
        ));
    }
    Ok(())
}

// ---- The call script -------------------------------------------------------------------------

/// The stages of a call (seed 000, §6.3.1) and the kind of phrase each draws on.
pub const STAGES: [(&str, &str); 6] = [
    ("answer", "greeting"),
    ("ask", "inquiry"),
    ("respond", "response"),
    ("apologise", "apology"),
    ("thank", "thanks"),
    ("hang_up", "hangup"),
];

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScriptStage {
    pub stage: String,
    pub kind: String,
    /// The phrases, filled in for this customer.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub lines: Vec<phrases::Filled>,
}

/// The script of a call: up to five phrases per stage, filled in for the conversation's
/// customer, in the language asked for.
pub async fn script(
    state: &Service,
    user: &Person,
    conversation_id: &str,
    lang: Option<&str>,
) -> Result<Vec<ScriptStage>> {
    let conv = if conversation_id.is_empty() {
        None
    } else {
        Some(chat::visible(state, &Actor::Person(user.clone()), conversation_id).await?)
    };
    let all = phrases_store::phrases_for(&state.db, &user.id).await?;
    let ctx = phrases::Context::of(state, user, conv.as_ref()).await?;
    let mut out = vec![];
    for (stage, kind) in STAGES {
        // Hanging up: the shop's own "hangup" phrases, else the thanks.
        let mut of_kind: Vec<_> = all.iter().filter(|p| p.kind == kind).collect();
        if of_kind.is_empty() && kind == "hangup" {
            of_kind = all.iter().filter(|p| p.kind == "thanks").collect();
        }
        let lines = of_kind
            .into_iter()
            .take(5)
            .map(|p| ctx.phrase(p, lang))
            .collect();
        out.push(ScriptStage {
            stage: stage.into(),
            kind: kind.into(),
            lines,
        });
    }
    Ok(out)
}
