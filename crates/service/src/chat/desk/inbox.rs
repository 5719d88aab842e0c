//! An inbox's chat settings: business hours, the pre-chat form, offline messages, capacity.

use kefu_core::ErrorCode;

use kefu_core::time::now_ms;
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
    /// The shop's offset from UTC in minutes (480 for China Standard Time).
    pub utc_offset_minutes: i32,
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
        Ok(())
    }

    /// Whether `at` (ms since the epoch) falls within business hours.
    pub fn in_hours(&self, at: i64) -> bool {
        if self.hours.is_empty() {
            return true;
        }
        let local = at / 60_000 + i64::from(self.utc_offset_minutes);
        let minute = local.rem_euclid(1440) as u32;
        // 1970-01-01 was a Thursday (3 when Monday is 0).
        let day = ((local.div_euclid(1440) + 3).rem_euclid(7)) as u8;
        self.hours.iter().any(|s| {
            s.days.contains(&day)
                && minutes(&s.from).is_some_and(|a| a <= minute)
                && minutes(&s.to).is_some_and(|b| minute < b)
        })
    }
}

/// The widget inbox `id`; `NotFound` for anything else.
pub async fn widget_inbox(state: &Service, id: &str) -> Result<teams::Inbox> {
    teams::get_inbox(&state.db, id)
        .await?
        .filter(|i| i.channel == "widget")
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
