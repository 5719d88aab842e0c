//! A new shop's first steps, as a checklist that ticks itself off from what exists: nothing is
//! stored about the checklist itself. And the one-click start: a website chat inbox answered
//! by a team the admin is in, so the widget is open the moment the admin is online.

use kefu_core::kinds::Channel;
use kefu_store::people::Person;
use kefu_store::{messages, people, settings, teams, tokens, visitors};

use crate::chat::desk;
use crate::{Result, Service};

/// One step: its key (`onboarding-<key>` names it in the catalogue) and whether it is done.
#[derive(Debug, Clone)]
pub struct Step {
    pub key: &'static str,
    pub done: bool,
}

#[derive(Debug, Clone)]
pub struct Checklist {
    pub steps: Vec<Step>,
    /// The shop's first widget inbox, for its snippet and test page.
    pub inbox: Option<teams::Inbox>,
}

impl Checklist {
    pub fn done(&self) -> usize {
        self.steps.iter().filter(|s| s.done).count()
    }
}

/// The shop's first widget inbox (by name), the one the checklist, the one-click start and the
/// demo storefront use.
pub async fn first_widget_inbox(state: &Service) -> Result<Option<teams::Inbox>> {
    Ok(teams::list_inboxes(&state.db)
        .await?
        .into_iter()
        .find(|i| i.channel == Channel::Widget))
}

pub async fn checklist(state: &Service) -> Result<Checklist> {
    let inboxes = teams::list_inboxes(&state.db).await?;
    let inbox = inboxes
        .iter()
        .find(|i| i.channel == Channel::Widget)
        .cloned();
    let answered_by = match &inbox {
        Some(i) => !kefu_store::presence::inbox_staff(&state.db, &i.id)
            .await?
            .is_empty(),
        None => false,
    };
    let mut mail = state.config.smtp_configured;
    for i in inboxes.iter().filter(|i| i.channel == Channel::Email) {
        mail |= crate::mail::load(state, &i.id).await?.imap.is_some();
    }
    let invited = people::list_staff(&state.db).await?.len() > 1
        || !tokens::pending_invitations(&state.db).await?.is_empty();
    let steps = vec![
        Step {
            key: "shop",
            done: settings::get(&state.db, settings::SHOP_NAME)
                .await?
                .is_some(),
        },
        Step {
            key: "inbox",
            done: inbox.is_some(),
        },
        Step {
            key: "answered-by",
            done: answered_by,
        },
        Step {
            key: "try-widget",
            done: visitors::any(&state.db).await?,
        },
        Step {
            key: "first-chat",
            done: messages::any_chat_answered(&state.db).await?,
        },
        Step {
            key: "invite",
            done: invited,
        },
        Step {
            key: "mail",
            done: mail,
        },
    ];
    Ok(Checklist { steps, inbox })
}

/// The shop's website chat in one click: its first widget inbox if it has one, else a new one
/// (named `inbox_name`) worked by the first team `admin` is in, or by a new team
/// (`team_name`) with `admin` as its member.
pub async fn start_website_chat(
    state: &Service,
    admin: &Person,
    team_name: &str,
    inbox_name: &str,
) -> Result<teams::Inbox> {
    if let Some(i) = first_widget_inbox(state).await? {
        return Ok(i);
    }
    let team = match teams::teams_of(&state.db, &admin.id)
        .await?
        .into_iter()
        .next()
    {
        Some(t) => t,
        None => match super::teams::create_team(state, Some(admin), team_name).await {
            Ok(t) => t,
            // A team of that name exists without them: they join it.
            Err(e) if e.code() == kefu_core::ErrorCode::NameTaken => {
                let t = teams::list_teams(&state.db)
                    .await?
                    .into_iter()
                    .find(|t| t.name == team_name.trim())
                    .ok_or(e)?;
                teams::add_member(&state.db, &t.id, &admin.id).await?;
                t
            }
            Err(e) => return Err(e),
        },
    };
    desk::create_inbox(state, inbox_name, Some("widget"), &[team.id]).await
}
