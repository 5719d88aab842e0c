//! Business time: a calendar of working hours in a time zone, with holidays, and the arithmetic
//! service-level targets need: "four working hours after this moment" and "how many working
//! minutes lie between these two moments". Local times are turned into instants day by day
//! through the IANA zone (bundled, so a machine without tzdata computes the same), so a
//! daylight-saving change or a shop in another zone moves the answer the way a clock on the
//! shop's wall would.

use std::collections::BTreeSet;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

use crate::time::{MINUTE, Millis};

/// How far ahead a target is searched for: a calendar with no working time in ten years has
/// none at all.
const HORIZON_DAYS: i64 = 3_660;

/// A calendar as admins write it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Calendar {
    /// IANA name, for example `Asia/Shanghai`.
    pub time_zone: String,
    /// Working hours; empty means around the clock (holidays still close).
    pub hours: Vec<Hours>,
    /// Whole days off, `YYYY-MM-DD` in the calendar's zone.
    pub holidays: Vec<String>,
}

impl Default for Calendar {
    fn default() -> Self {
        Calendar {
            time_zone: "Asia/Shanghai".into(),
            hours: vec![],
            holidays: vec![],
        }
    }
}

/// Open on `days` (0 = Monday … 6 = Sunday) from `from` to `to` (`HH:MM`, `to` may be `24:00`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hours {
    pub days: Vec<u8>,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("unknown time zone {0:?}")]
    TimeZone(String),
    #[error("working hours need days 0-6 and from < to as HH:MM, got {0:?}")]
    Hours(String),
    #[error("a holiday is a date as YYYY-MM-DD, got {0:?}")]
    Holiday(String),
    #[error("a calendar holds at most 50 spans of hours and 1,000 holidays")]
    TooLarge,
}

/// Minutes since midnight of `HH:MM` (up to `24:00`).
pub fn parse_hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    if h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && h * 60 + m <= 1440).then_some(h * 60 + m)
}

/// The zone a calendar names: an IANA name (`Asia/Shanghai`), or a fixed offset from UTC
/// written `+08:00` / `-05:30` (what [`offset_zone`] writes).
fn zone(name: &str) -> Option<TimeZone> {
    if let Some(rest) = name.strip_prefix(['+', '-']) {
        let minutes = i32::try_from(parse_hhmm(rest)?).ok()?;
        if minutes > 14 * 60 {
            return None;
        }
        let sign = if name.starts_with('-') { -1 } else { 1 };
        let offset = jiff::tz::Offset::from_seconds(sign * minutes * 60).ok()?;
        return Some(TimeZone::fixed(offset));
    }
    TimeZone::get(name).ok()
}

/// A calendar zone for a fixed offset from UTC in minutes (480 → `+08:00`).
pub fn offset_zone(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.unsigned_abs();
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

/// A checked calendar, ready for arithmetic.
#[derive(Debug, Clone)]
pub struct BusinessTime {
    tz: TimeZone,
    /// Per weekday (Monday first): sorted, non-overlapping `[from, to)` minutes of the day.
    week: [Vec<(u32, u32)>; 7],
    holidays: BTreeSet<Date>,
}

impl BusinessTime {
    pub fn new(cal: &Calendar) -> Result<BusinessTime, CalendarError> {
        if cal.hours.len() > 50 || cal.holidays.len() > 1000 {
            return Err(CalendarError::TooLarge);
        }
        let tz = zone(cal.time_zone.trim())
            .ok_or_else(|| CalendarError::TimeZone(cal.time_zone.clone()))?;
        let mut week: [Vec<(u32, u32)>; 7] = Default::default();
        if cal.hours.is_empty() {
            for d in &mut week {
                d.push((0, 1440));
            }
        }
        for h in &cal.hours {
            let bad = || CalendarError::Hours(format!("{:?} {}-{}", h.days, h.from, h.to));
            let (a, b) = (
                parse_hhmm(&h.from).ok_or_else(bad)?,
                parse_hhmm(&h.to).ok_or_else(bad)?,
            );
            if a >= b || h.days.is_empty() || h.days.iter().any(|d| *d > 6) {
                return Err(bad());
            }
            for d in &h.days {
                week[*d as usize].push((a, b));
            }
        }
        for day in &mut week {
            day.sort_unstable();
            let mut merged: Vec<(u32, u32)> = vec![];
            for &(a, b) in day.iter() {
                match merged.last_mut() {
                    Some(last) if a <= last.1 => last.1 = last.1.max(b),
                    _ => merged.push((a, b)),
                }
            }
            *day = merged;
        }
        let mut holidays = BTreeSet::new();
        for s in &cal.holidays {
            let d: Date = s
                .trim()
                .parse()
                .map_err(|_| CalendarError::Holiday(s.clone()))?;
            holidays.insert(d);
        }
        Ok(BusinessTime { tz, week, holidays })
    }

    /// Around the clock in UTC.
    pub fn always() -> BusinessTime {
        BusinessTime {
            tz: TimeZone::UTC,
            week: std::array::from_fn(|_| vec![(0, 1440)]),
            holidays: BTreeSet::new(),
        }
    }

    fn date_of(&self, at: Millis) -> Date {
        Timestamp::from_millisecond(at)
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .to_zoned(self.tz.clone())
            .date()
    }

    /// The instant of `minute` minutes after midnight (local) on `date`; a time that a clock
    /// change skips counts as the moment after the change.
    fn instant(&self, date: Date, minute: u32) -> Option<Millis> {
        let (date, minute) = if minute >= 1440 {
            (date.tomorrow().ok()?, minute - 1440)
        } else {
            (date, minute)
        };
        let dt = date.at((minute / 60) as i8, (minute % 60) as i8, 0, 0);
        Some(
            dt.to_zoned(self.tz.clone())
                .ok()?
                .timestamp()
                .as_millisecond(),
        )
    }

    /// The working intervals (`[from, to)` instants) of `date`.
    fn open_on(&self, date: Date) -> impl Iterator<Item = (Millis, Millis)> + '_ {
        let spans: &[(u32, u32)] = if self.holidays.contains(&date) {
            &[]
        } else {
            &self.week[date.weekday().to_monday_zero_offset() as usize]
        };
        spans.iter().filter_map(move |&(a, b)| {
            let (x, y) = (self.instant(date, a)?, self.instant(date, b)?);
            (x < y).then_some((x, y))
        })
    }

    /// Whether `at` lies in working time.
    pub fn is_open(&self, at: Millis) -> bool {
        let d = self.date_of(at);
        // A span that ends at midnight after a clock change can reach into the next local day.
        [d.yesterday().ok(), Some(d)]
            .into_iter()
            .flatten()
            .any(|d| self.open_on(d).any(|(x, y)| x <= at && at < y))
    }

    /// The moment `minutes` of working time after `start`; `None` if the calendar has no
    /// working time within ten years.
    pub fn add(&self, start: Millis, minutes: i64) -> Option<Millis> {
        if minutes <= 0 {
            return Some(start);
        }
        let mut left = minutes.checked_mul(MINUTE)?;
        let mut date = self.date_of(start).yesterday().ok()?;
        for _ in 0..HORIZON_DAYS {
            for (x, y) in self.open_on(date) {
                let from = x.max(start);
                if from >= y {
                    continue;
                }
                if y - from >= left {
                    return Some(from + left);
                }
                left -= y - from;
            }
            date = date.checked_add(1.day()).ok()?;
        }
        None
    }

    /// Working minutes (rounded down) between `from` and `to`; 0 when `to` is not after `from`.
    pub fn minutes_between(&self, from: Millis, to: Millis) -> i64 {
        if to <= from {
            return 0;
        }
        let Ok(mut date) = self.date_of(from).yesterday() else {
            return 0;
        };
        let last = self.date_of(to);
        let mut total = 0;
        for _ in 0..HORIZON_DAYS {
            for (x, y) in self.open_on(date) {
                let (a, b) = (x.max(from), y.min(to));
                if a < b {
                    total += b - a;
                }
            }
            if date >= last {
                break;
            }
            let Ok(next) = date.checked_add(1.day()) else {
                break;
            };
            date = next;
        }
        total / MINUTE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str, tz: &str) -> Millis {
        let dt: jiff::civil::DateTime = s.parse().expect("datetime");
        dt.to_zoned(TimeZone::get(tz).expect("tz"))
            .expect("zoned")
            .timestamp()
            .as_millisecond()
    }

    fn show(at: Millis, tz: &str) -> String {
        Timestamp::from_millisecond(at)
            .expect("ts")
            .to_zoned(TimeZone::get(tz).expect("tz"))
            .strftime("%Y-%m-%d %H:%M %a")
            .to_string()
    }

    fn weekdays(tz: &str, from: &str, to: &str, holidays: &[&str]) -> BusinessTime {
        BusinessTime::new(&Calendar {
            time_zone: tz.into(),
            hours: vec![Hours {
                days: vec![0, 1, 2, 3, 4],
                from: from.into(),
                to: to.into(),
            }],
            holidays: holidays.iter().map(|s| s.to_string()).collect(),
        })
        .expect("calendar")
    }

    const SH: &str = "Asia/Shanghai";

    #[test]
    fn within_one_day() {
        let bt = weekdays(SH, "09:00", "18:00", &[]);
        // Monday 2026-11-30 10:00 + 2 h = 12:00.
        let t = bt.add(ms("2026-11-30T10:00", SH), 120).expect("due");
        assert_eq!(show(t, SH), "2026-11-30 12:00 Mon");
        // Before opening: the clock starts at 09:00.
        let t = bt.add(ms("2026-11-30T07:30", SH), 30).expect("due");
        assert_eq!(show(t, SH), "2026-11-30 09:30 Mon");
        // Ending exactly at closing time stays on the day.
        let t = bt.add(ms("2026-11-30T17:00", SH), 60).expect("due");
        assert_eq!(show(t, SH), "2026-11-30 18:00 Mon");
    }

    #[test]
    fn across_the_weekend() {
        let bt = weekdays(SH, "09:00", "18:00", &[]);
        // Friday 17:00 + 2 h: one hour on Friday, one on Monday.
        let t = bt.add(ms("2026-12-04T17:00", SH), 120).expect("due");
        assert_eq!(show(t, SH), "2026-12-07 10:00 Mon");
        // Saturday counts nothing.
        let t = bt.add(ms("2026-12-05T11:00", SH), 60).expect("due");
        assert_eq!(show(t, SH), "2026-12-07 10:00 Mon");
        assert_eq!(
            bt.minutes_between(ms("2026-12-04T17:00", SH), ms("2026-12-07T10:00", SH)),
            120
        );
        assert!(!bt.is_open(ms("2026-12-05T11:00", SH)));
        assert!(bt.is_open(ms("2026-12-04T17:59", SH)));
        assert!(!bt.is_open(ms("2026-12-04T18:00", SH)));
    }

    #[test]
    fn across_holidays() {
        // National Day week: 1-7 October 2026 off (Thursday to Wednesday).
        let hol = [
            "2026-10-01",
            "2026-10-02",
            "2026-10-05",
            "2026-10-06",
            "2026-10-07",
        ];
        let bt = weekdays(SH, "09:00", "18:00", &hol);
        // Wednesday 30 September 17:00 + 8 working hours: 1 h on the 30th, 7 h on Thursday 8 Oct.
        let t = bt.add(ms("2026-09-30T17:00", SH), 8 * 60).expect("due");
        assert_eq!(show(t, SH), "2026-10-08 16:00 Thu");
        assert_eq!(
            bt.minutes_between(ms("2026-09-30T00:00", SH), ms("2026-10-09T00:00", SH)),
            2 * 9 * 60
        );
        // A holiday that falls on a weekend changes nothing.
        let weekend_holiday = weekdays(SH, "09:00", "18:00", &["2026-12-05"]);
        assert_eq!(
            weekend_holiday.add(ms("2026-12-04T17:00", SH), 120),
            bt.add(ms("2026-12-04T17:00", SH), 120)
        );
    }

    #[test]
    fn time_zones_and_clock_changes() {
        // The same instant and target in two shops' zones give different due times.
        let start = ms("2026-11-30T02:00", "UTC"); // 10:00 Shanghai, 21:00 Sunday in New York
        let sh = weekdays(SH, "09:00", "18:00", &[]);
        let ny = weekdays("America/New_York", "09:00", "17:00", &[]);
        assert_eq!(
            show(sh.add(start, 60).expect("due"), SH),
            "2026-11-30 11:00 Mon"
        );
        assert_eq!(
            show(ny.add(start, 60).expect("due"), "America/New_York"),
            "2026-11-30 10:00 Mon"
        );
        // New York springs forward on Sunday 8 March 2026: Friday 16:00 + 2 h is Monday 10:00
        // local, which is 14:00 UTC (it was 15:00 UTC the week before).
        let t = ny
            .add(ms("2026-03-06T16:00", "America/New_York"), 120)
            .expect("due");
        assert_eq!(show(t, "America/New_York"), "2026-03-09 10:00 Mon");
        assert_eq!(show(t, "UTC"), "2026-03-09 14:00 Mon");
        // Around the clock on the night the clock springs forward: 02:00-03:00 does not exist,
        // so 00:00 + 3 working hours is 04:00 local.
        let always_ny = BusinessTime::new(&Calendar {
            time_zone: "America/New_York".into(),
            hours: vec![],
            holidays: vec![],
        })
        .expect("calendar");
        let t = always_ny
            .add(ms("2026-03-08T00:00", "America/New_York"), 180)
            .expect("due");
        assert_eq!(show(t, "America/New_York"), "2026-03-08 04:00 Sun");
    }

    #[test]
    fn split_days_overlaps_and_midnight() {
        let bt = BusinessTime::new(&Calendar {
            time_zone: SH.into(),
            hours: vec![
                Hours {
                    days: vec![0, 1, 2, 3, 4],
                    from: "09:00".into(),
                    to: "12:00".into(),
                },
                Hours {
                    days: vec![0, 1, 2, 3, 4],
                    from: "11:00".into(), // overlaps: counted once
                    to: "12:00".into(),
                },
                Hours {
                    days: vec![0, 1, 2, 3, 4],
                    from: "13:30".into(),
                    to: "18:00".into(),
                },
                Hours {
                    days: vec![5],
                    from: "20:00".into(),
                    to: "24:00".into(),
                },
            ],
            holidays: vec![],
        })
        .expect("calendar");
        // Lunch break skipped.
        let t = bt.add(ms("2026-11-30T11:30", SH), 60).expect("due");
        assert_eq!(show(t, SH), "2026-11-30 14:00 Mon");
        assert_eq!(
            bt.minutes_between(ms("2026-11-30T00:00", SH), ms("2026-12-01T00:00", SH)),
            3 * 60 + 270
        );
        // Saturday evening until midnight.
        let t = bt.add(ms("2026-12-05T23:00", SH), 90).expect("due");
        assert_eq!(show(t, SH), "2026-12-07 09:30 Mon");
    }

    #[test]
    fn add_and_between_agree() {
        let bt = weekdays(
            "Europe/Berlin",
            "08:30",
            "17:15",
            &["2026-12-24", "2026-12-25"],
        );
        let mut start = ms("2026-10-20T06:10", "Europe/Berlin");
        for i in 0..400 {
            let minutes = (i * 37) % 2000 + 1;
            let due = bt.add(start, minutes).expect("due");
            assert_eq!(bt.minutes_between(start, due), minutes, "from {start}");
            assert!(bt.is_open(due - MINUTE), "the last minute is working time");
            start += 7 * 3_600_000 + 13 * MINUTE;
        }
    }

    #[test]
    fn bad_calendars_are_explained() {
        let cal = Calendar {
            time_zone: "Mars/Olympus".into(),
            ..Calendar::default()
        };
        assert!(matches!(
            BusinessTime::new(&cal),
            Err(CalendarError::TimeZone(_))
        ));
        let mut cal = Calendar {
            hours: vec![Hours {
                days: vec![7],
                from: "09:00".into(),
                to: "18:00".into(),
            }],
            ..Calendar::default()
        };
        assert!(matches!(
            BusinessTime::new(&cal),
            Err(CalendarError::Hours(_))
        ));
        cal.hours[0].days = vec![1];
        cal.hours[0].to = "08:00".into();
        assert!(matches!(
            BusinessTime::new(&cal),
            Err(CalendarError::Hours(_))
        ));
        let cal = Calendar {
            holidays: vec!["2026-13-01".into()],
            ..Calendar::default()
        };
        assert!(matches!(
            BusinessTime::new(&cal),
            Err(CalendarError::Holiday(_))
        ));
        // Every day a holiday: no due time, and no endless loop.
        let cal = Calendar {
            hours: vec![Hours {
                days: vec![2],
                from: "09:00".into(),
                to: "10:00".into(),
            }],
            ..Calendar::default()
        };
        let bt = BusinessTime::new(&cal).expect("calendar");
        assert!(bt.add(0, 60 * 24 * 366 * 11).is_none());
        assert_eq!(BusinessTime::always().add(0, 90), Some(90 * MINUTE));
    }

    /// The inbox hours' old rule, kept as the oracle: local time is UTC plus a fixed offset;
    /// open when the local weekday is listed and `from <= minute < to`.
    fn fixed_offset_open(spans: &[(Vec<u8>, u32, u32)], offset: i32, at: Millis) -> bool {
        if spans.is_empty() {
            return true;
        }
        let local = at.div_euclid(60_000) + i64::from(offset);
        let minute = local.rem_euclid(1440) as u32;
        // 1970-01-01 was a Thursday (3 when Monday is 0).
        let day = ((local.div_euclid(1440) + 3).rem_euclid(7)) as u8;
        spans
            .iter()
            .any(|(days, a, b)| days.contains(&day) && *a <= minute && minute < *b)
    }

    fn hhmm(m: u32) -> String {
        format!("{:02}:{:02}", m / 60, m % 60)
    }

    proptest::proptest! {
        /// Inbox hours with a fixed offset, as a calendar, open exactly when the old rule did.
        #[test]
        fn a_fixed_offset_calendar_keeps_the_inbox_rule(
            spans in proptest::collection::vec(
                (proptest::collection::vec(0u8..7, 1..4), 0u32..1440, 1u32..=1440), 0..4),
            offset in -840i32..=840,
            at in 0i64..4_102_444_800_000,
        ) {
            let spans: Vec<(Vec<u8>, u32, u32)> =
                spans.into_iter().filter(|(_, a, b)| a < b).collect();
            let cal = Calendar {
                time_zone: offset_zone(offset),
                hours: spans
                    .iter()
                    .map(|(d, a, b)| Hours { days: d.clone(), from: hhmm(*a), to: hhmm(*b) })
                    .collect(),
                holidays: vec![],
            };
            let b = BusinessTime::new(&cal).expect("valid calendar");
            proptest::prop_assert_eq!(b.is_open(at), fixed_offset_open(&spans, offset, at));
        }
    }

    #[test]
    fn fixed_offsets_are_written_and_read() {
        assert_eq!(offset_zone(480), "+08:00");
        assert_eq!(offset_zone(-330), "-05:30");
        assert_eq!(offset_zone(0), "+00:00");
        assert!(zone("+14:00").is_some());
        assert!(zone("+14:01").is_none());
        assert!(zone("+8").is_none());
        assert!(zone("Asia/Shanghai").is_some());
    }
}
