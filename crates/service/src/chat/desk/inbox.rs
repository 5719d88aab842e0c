//! An inbox's chat settings: business hours, the pre-chat form, offline messages, capacity.

use kefu_core::ErrorCode;

use kefu_core::businesstime::{BusinessTime, Calendar, Hours, offset_zone};
use kefu_core::kinds::Channel;
use kefu_core::protocol::ServerFrame;
use kefu_core::time::now_ms;
use kefu_store::browsing::{self, InvitationRule};
use kefu_store::people::Person;
use kefu_store::{presence, teams};
use serde::{Deserialize, Serialize};

use crate::Service;
use crate::{Error, Result};

/// How a widget inbox behaves. Stored as JSON on the inbox; unknown or missing fields take
/// their defaults, so older rows keep working.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct InboxSettings {
    /// Assign new chats to online agents automatically (round-robin within capacity).
    pub auto_assign: bool,
    /// Opening hours; empty means always open.
    pub hours: Vec<Span>,
    /// The shop's offset from UTC in minutes (480 for China Standard Time), used when
    /// `time_zone` is empty.
    pub utc_offset_minutes: i32,
    /// An IANA time zone (`Asia/Shanghai`) for the hours, following daylight saving; empty for
    /// the fixed `utc_offset_minutes`.
    pub time_zone: String,
    /// Whole days closed, `YYYY-MM-DD` in the inbox's zone.
    pub holidays: Vec<String>,
    /// Ask for name and e-mail before the chat: `off`, `optional` or `required`.
    pub prechat: String,
    /// Shown when the chat opens (empty: the built-in greeting).
    pub greeting: String,
    /// Shown above the offline form (empty: the built-in text).
    pub offline_message: String,
}

impl Default for InboxSettings {
    fn default() -> Self {
        InboxSettings {
            auto_assign: true,
            hours: vec![],
            utc_offset_minutes: 480,
            time_zone: String::new(),
            holidays: vec![],
            prechat: "off".into(),
            greeting: String::new(),
            offline_message: String::new(),
        }
    }
}

/// Open on `days` (0 = Monday … 6 = Sunday) from `from` to `to` (`HH:MM`, local time).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Span {
    pub days: Vec<u8>,
    pub from: String,
    pub to: String,
}

pub(super) fn minutes(hhmm: &str) -> Option<u32> {
    let (h, m) = hhmm.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 1440).then_some(h * 60 + m)
}

impl InboxSettings {
    pub async fn load(state: &Service, inbox_id: &str) -> Result<InboxSettings> {
        let json = teams::inbox_settings(&state.db, inbox_id).await?;
        Ok(serde_json::from_str(&json).unwrap_or_default())
    }

    pub fn check(&self) -> Result<()> {
        if !["off", "optional", "required"].contains(&self.prechat.as_str()) {
            return Err(Error::invalid(
                ErrorCode::InvalidPrechat,
                "prechat is off, optional or required",
            ));
        }
        if self.utc_offset_minutes.abs() > 14 * 60 {
            return Err(Error::invalid(
                ErrorCode::InvalidOffset,
                "utc_offset_minutes is between -840 and 840",
            ));
        }
        if self.hours.len() > 28 || self.greeting.chars().count() > 500 {
            return Err(Error::invalid(
                ErrorCode::InvalidSettings,
                "too many hours or too long a text",
            ));
        }
        if self.offline_message.chars().count() > 500 {
            return Err(Error::invalid(
                ErrorCode::InvalidSettings,
                "the offline text is too long",
            ));
        }
        for s in &self.hours {
            match (minutes(&s.from), minutes(&s.to)) {
                (Some(a), Some(b)) if a < b && s.days.iter().all(|d| *d < 7) => {}
                _ => {
                    return Err(Error::invalid(
                        ErrorCode::InvalidHours,
                        "each span needs days 0-6 and from < to as HH:MM",
                    ));
                }
            }
        }
        BusinessTime::new(&self.calendar())
            .map_err(|e| Error::invalid(ErrorCode::InvalidCalendar, e.to_string()))?;
        Ok(())
    }

    /// The hours as a business-time calendar: the one model SLA calendars use too.
    pub fn calendar(&self) -> Calendar {
        Calendar {
            time_zone: if self.time_zone.trim().is_empty() {
                offset_zone(self.utc_offset_minutes)
            } else {
                self.time_zone.trim().to_string()
            },
            hours: self
                .hours
                .iter()
                .map(|s| Hours {
                    days: s.days.clone(),
                    from: s.from.clone(),
                    to: s.to.clone(),
                })
                .collect(),
            holidays: self.holidays.clone(),
        }
    }

    /// Whether `at` (ms since the epoch) falls within business hours (always, with no hours
    /// and no holidays; settings that no longer check count as always open).
    pub fn in_hours(&self, at: i64) -> bool {
        if self.hours.is_empty() && self.holidays.is_empty() {
            return true;
        }
        BusinessTime::new(&self.calendar()).map_or(true, |b| b.is_open(at))
    }
}

/// The widget inbox `id`; `NotFound` for anything else.
pub async fn widget_inbox(state: &Service, id: &str) -> Result<teams::Inbox> {
    teams::get_inbox(&state.db, id)
        .await?
        .filter(|i| i.channel == Channel::Widget)
        .ok_or(Error::NotFound)
}

/// Whether the widget offers a live chat now (in hours, an agent online) or the offline form.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Availability {
    pub in_hours: bool,
    pub agents_online: i64,
    /// `in_hours` and somebody online.
    pub open: bool,
}

impl Availability {
    pub fn frame(&self) -> ServerFrame {
        ServerFrame::Availability {
            open: self.open,
            in_hours: self.in_hours,
            agents_online: self.agents_online,
        }
    }
}

pub async fn availability(state: &Service, inbox_id: &str) -> Result<Availability> {
    let settings = InboxSettings::load(state, inbox_id).await?;
    let in_hours = settings.in_hours(now_ms());
    let agents_online = presence::online_in_inbox(&state.db, inbox_id, "").await?;
    Ok(Availability {
        in_hours,
        agents_online,
        open: in_hours && agents_online > 0,
    })
}

/// Who answers an inbox and whether the widget is open: its teams' members with their
/// presence. Only they count as online for it (an admin who is in none of its teams does not).
#[derive(Debug, Clone)]
pub struct Staffing {
    pub availability: Availability,
    pub teams: Vec<teams::Team>,
    pub people: Vec<presence::AgentPresence>,
}

pub async fn staffing(state: &Service, inbox_id: &str) -> Result<Staffing> {
    let mut team_list = vec![];
    for id in teams::inbox_team_ids(&state.db, inbox_id).await? {
        team_list.extend(teams::get_team(&state.db, &id).await?);
    }
    Ok(Staffing {
        availability: availability(state, inbox_id).await?,
        teams: team_list,
        people: presence::inbox_staff(&state.db, inbox_id).await?,
    })
}

/// Checks and stores a widget inbox's settings; routing looks again at once.
pub async fn save_settings(state: &Service, id: &str, s: &InboxSettings) -> Result<()> {
    let inbox = widget_inbox(state, id).await?;
    s.check()?;
    let json = serde_json::to_string(s).map_err(|e| Error::Internal(e.to_string()))?;
    teams::set_inbox_settings(&state.db, &inbox.id, &json).await?;
    state.routing_wake.notify_one();
    Ok(())
}

/// Business hours as the admin writes them: one span per line, `1-5 09:00-18:00`, days 1
/// (Monday) to 7 (Sunday) as a range or a comma list.
pub fn hours_text(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| {
            let days: Vec<String> = s.days.iter().map(|d| (d + 1).to_string()).collect();
            format!("{} {}-{}", days.join(","), s.from, s.to)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads what [`hours_text`] writes.
pub fn parse_hours(text: &str) -> Result<Vec<Span>> {
    let bad = |line: &str| {
        Error::invalid(
            ErrorCode::InvalidHours,
            format!("cannot read \"{line}\": write e.g. 1-5 09:00-18:00"),
        )
    };
    let mut out = vec![];
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (days, times) = line
            .split_once(char::is_whitespace)
            .ok_or_else(|| bad(line))?;
        let (from, to) = times.trim().split_once('-').ok_or_else(|| bad(line))?;
        let mut list = vec![];
        for part in days.split(',') {
            let (a, b) = part.split_once('-').unwrap_or((part, part));
            let (a, b): (u8, u8) = (
                a.trim().parse().map_err(|_| bad(line))?,
                b.trim().parse().map_err(|_| bad(line))?,
            );
            if !(1..=7).contains(&a) || !(a..=7).contains(&b) {
                return Err(bad(line));
            }
            list.extend((a..=b).map(|d| d - 1));
        }
        out.push(Span {
            days: list,
            from: from.trim().into(),
            to: to.trim().into(),
        });
    }
    Ok(out)
}

// ---- Proactive invitations ---------------------------------------------------------------

/// A widget inbox's invitation rules.
pub async fn invitation_rules(state: &Service, inbox_id: &str) -> Result<Vec<InvitationRule>> {
    let inbox = widget_inbox(state, inbox_id).await?;
    Ok(browsing::rules(&state.db, &inbox.id).await?)
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewRule {
    /// `*` matches any run of characters: `*/checkout*`.
    pub url_pattern: String,
    #[serde(default)]
    pub min_seconds: i64,
    #[serde(default)]
    pub returning_only: bool,
    pub message: String,
}

/// Checks and stores an invitation rule of a widget inbox (at most 50).
pub async fn add_invitation_rule(
    state: &Service,
    inbox_id: &str,
    r: &NewRule,
) -> Result<InvitationRule> {
    let inbox = widget_inbox(state, inbox_id).await?;
    let pattern = r.url_pattern.trim();
    let message = r.message.trim();
    if pattern.is_empty() || pattern.len() > 500 {
        return Err(Error::invalid(
            ErrorCode::InvalidPattern,
            "the URL pattern is 1 to 500 characters",
        ));
    }
    if message.is_empty() || message.chars().count() > 500 {
        return Err(Error::invalid(
            ErrorCode::InvalidMessage,
            "the greeting is 1 to 500 characters",
        ));
    }
    if !(0..=3600).contains(&r.min_seconds) {
        return Err(Error::invalid(
            ErrorCode::InvalidSeconds,
            "min_seconds is 0 to 3600",
        ));
    }
    if browsing::rules(&state.db, &inbox.id).await?.len() >= 50 {
        return Err(Error::invalid(
            ErrorCode::TooManyRules,
            "at most 50 rules per inbox",
        ));
    }
    Ok(browsing::add_rule(
        &state.db,
        &inbox.id,
        pattern,
        r.min_seconds,
        r.returning_only,
        message,
    )
    .await?)
}

/// Deletes an invitation rule of an inbox.
pub async fn delete_invitation_rule(state: &Service, inbox_id: &str, rule_id: &str) -> Result<()> {
    if browsing::delete_rule(&state.db, inbox_id, rule_id).await? {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

// ---- Inboxes ------------------------------------------------------------------------------

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ApiInbox))]
pub struct InboxView {
    pub id: String,
    pub name: String,
    pub channel: String,
    pub team_ids: Vec<String>,
}

/// The inboxes someone may work: all for admins, supervisors and tokens (`None`); their
/// teams' for agents.
pub async fn inboxes(state: &Service, user: Option<&Person>) -> Result<Vec<InboxView>> {
    let inboxes = match user {
        Some(u) if !u.role().sees_all_inboxes() => {
            teams::inboxes_of_member(&state.db, &u.id).await?
        }
        _ => teams::list_inboxes(&state.db).await?,
    };
    let mut out = vec![];
    for i in inboxes {
        let team_ids = teams::inbox_team_ids(&state.db, &i.id).await?;
        out.push(InboxView {
            id: i.id,
            name: i.name,
            channel: i.channel.as_str().to_string(),
            team_ids,
        });
    }
    Ok(out)
}

/// A new inbox of a channel (`widget` when none is given, or `email`), worked by these teams.
pub async fn create_inbox(
    state: &Service,
    name: &str,
    channel: Option<&str>,
    team_ids: &[String],
) -> Result<teams::Inbox> {
    let name = kefu_core::validate::name(name)?;
    for t in team_ids {
        teams::get_team(&state.db, t)
            .await?
            .ok_or_else(|| Error::invalid(ErrorCode::InvalidTeam, "no such team"))?;
    }
    let channel = match channel.map_or(Some(Channel::Widget), Channel::parse) {
        Some(c) => c,
        None => {
            return Err(Error::invalid(
                ErrorCode::InvalidChannel,
                "channel is widget or email",
            ));
        }
    };
    let mut tx = state.db.begin().await?;
    let inbox = teams::create_inbox(&mut tx, &name, channel).await?;
    for t in team_ids {
        teams::assign_inbox(&mut tx, &inbox.id, t).await?;
    }
    tx.commit().await?;
    Ok(inbox)
}

/// The inboxes a person works: every one for those who see all inboxes, else their teams'.
pub async fn workable_inboxes(state: &Service, user: &Person) -> Result<Vec<teams::Inbox>> {
    Ok(if user.role().sees_all_inboxes() {
        teams::list_inboxes(&state.db).await?
    } else {
        teams::inboxes_of_member(&state.db, &user.id).await?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_round_trip_through_text() {
        let spans = parse_hours("1-5 09:00-18:00\n6,7 10:00-16:00\n").unwrap();
        assert_eq!(spans[0].days, vec![0, 1, 2, 3, 4]);
        assert_eq!(spans[1].days, vec![5, 6]);
        assert_eq!(hours_text(&spans), "1,2,3,4,5 09:00-18:00\n6,7 10:00-16:00");
        assert!(parse_hours("weekdays 9-6").is_err());
        assert!(parse_hours("0-5 09:00-18:00").is_err());
        assert!(parse_hours("5-1 09:00-18:00").is_err());
        assert!(parse_hours("").unwrap().is_empty());
    }
}
