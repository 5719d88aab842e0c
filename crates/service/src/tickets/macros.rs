//! Macros: a reply from a template, changes and an assignment in one click.

use kefu_core::ErrorCode;
use kefu_store::conversations::{self, Conversation};
use kefu_store::macros::{self, Macro};
use kefu_store::messages;
use kefu_store::people::Person;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::chat::desk::{self, ConversationPatch};
use crate::chat::{self, Actor};
use crate::{Error, Result, Service};

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

pub fn may_share(user: &Person) -> bool {
    user.role().sees_all_inboxes()
}

/// The macro `id` if `user` may change it: their own, or a shared one for admins and supervisors.
pub async fn own_macro(state: &Service, user: &Person, id: &str) -> Result<Macro> {
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

/// The macros an agent may use: the shared ones and their own.
pub async fn usable(state: &Service, user: &Person) -> Result<Vec<MacroView>> {
    Ok(macros::usable_by(&state.db, &user.id)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

/// A new macro: the agent's own, or shared (supervisors and admins only).
pub async fn create(state: &Service, user: &Person, f: &MacroForm) -> Result<MacroView> {
    let actions = check_macro(f)?;
    if f.shared && !may_share(user) {
        return Err(Error::Forbidden);
    }
    let owner = (!f.shared).then_some(user.id.as_str());
    Ok(view(
        macros::create(&state.db, owner, f.name.trim(), &actions).await?,
    ))
}

/// Changes a macro the agent may change.
pub async fn update(state: &Service, user: &Person, id: &str, f: &MacroForm) -> Result<MacroView> {
    let m = own_macro(state, user, id).await?;
    let actions = check_macro(f)?;
    macros::update(&state.db, &m.id, f.name.trim(), &actions).await?;
    Ok(view(
        macros::get(&state.db, &m.id)
            .await?
            .ok_or(Error::NotFound)?,
    ))
}

/// Deletes a macro the agent may change.
pub async fn delete(state: &Service, user: &Person, id: &str) -> Result<()> {
    let m = own_macro(state, user, id).await?;
    macros::delete(&state.db, &m.id).await?;
    Ok(())
}

/// Runs a macro on a conversation: its reply first (variables filled in for this customer),
/// then its changes (a resolving macro answers, then resolves).
pub async fn apply(
    state: &Service,
    user: &Person,
    id: &str,
    macro_id: &str,
) -> Result<MacroResult> {
    let m = macros::get(&state.db, macro_id)
        .await?
        .filter(|m| m.owner_id.is_none() || m.owner_id.as_deref() == Some(user.id.as_str()))
        .ok_or(Error::NotFound)?;
    let a: MacroActions = serde_json::from_str(&m.actions).unwrap_or_default();
    let actor = Actor::Person(user.clone());
    let conv = chat::visible(state, &actor, id).await?;
    let tags = (!a.add_tags.is_empty()).then(|| {
        conversations::split_tags(&conv.tags)
            .map(str::to_string)
            .chain(a.add_tags.iter().cloned())
            .collect::<Vec<_>>()
    });
    let patch = ConversationPatch {
        status: a.status.clone().filter(|s| s != "snoozed"),
        snoozed_until: None,
        stage: a.stage.clone(),
        priority: a.priority.clone(),
        assignee_id: a.assign.as_ref().map(|who| {
            Some(if who == "me" {
                user.id.clone()
            } else {
                who.clone()
            })
        }),
        team_id: a.team_id.clone().map(Some),
        tags,
        ticket_type: a.ticket_type.clone(),
        fields: a.fields.clone(),
    };
    let mut unfilled = vec![];
    if !a.reply.trim().is_empty() {
        let ctx = crate::quality::phrases::Context::of(state, user, Some(&conv)).await?;
        let (body, missing) = ctx.fill(&a.reply);
        unfilled = missing;
        chat::store_message_with(
            state,
            &actor,
            &conv,
            None,
            messages::kind::TEXT,
            &body,
            "",
            None,
        )
        .await?;
    }
    let conversation = if patch.is_empty() {
        conversations::get(&state.db, &conv.id)
            .await?
            .ok_or(Error::NotFound)?
    } else {
        desk::apply(state, user, &conv.id, &patch).await?
    };
    Ok(MacroResult {
        conversation,
        unfilled,
    })
}
