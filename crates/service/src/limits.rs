//! Rate limits counted in memory per key ("login:ip:203.0.113.9") by the `governor` crate.
//!
//! Per-instance counting is enough to stop a flood at each door; limits that must hold across
//! instances (mails per account) are counted in the database instead.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub limit: u32,
    pub window: Duration,
}

impl Rule {
    pub const fn per_minutes(limit: u32, minutes: u64) -> Rule {
        Rule {
            limit,
            window: Duration::from_secs(minutes * 60),
        }
    }
}

/// The doors that are limited, with their rules.
pub mod rules {
    use super::Rule;
    pub const LOGIN_IP: Rule = Rule::per_minutes(30, 5);
    pub const LOGIN_ACCOUNT: Rule = Rule::per_minutes(10, 15);
    pub const SIGNUP_IP: Rule = Rule::per_minutes(10, 60);
    pub const RESET_IP: Rule = Rule::per_minutes(20, 10);
    pub const TOTP_SESSION: Rule = Rule::per_minutes(10, 10);
    pub const SETUP_IP: Rule = Rule::per_minutes(10, 10);
    /// Reset and verification mails for one account per hour (checked in the database).
    pub const MAILS_PER_ACCOUNT_PER_HOUR: i64 = 3;
}

type Door = RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock>;

/// One `governor` rate limiter per rule (a generic cell rate: `limit` at once, then one more
/// every `window / limit`), keyed by door and caller.
#[derive(Default)]
pub struct Limiter {
    doors: Mutex<HashMap<(u32, Duration), Arc<Door>>>,
    /// Keys forgotten by [`Limiter::clear`], each with the generation it starts again from:
    /// `governor` cannot drop one key, so a cleared key is counted under a new name.
    cleared: Mutex<HashMap<String, u64>>,
    generation: AtomicU64,
    clock: DefaultClock,
}

impl Limiter {
    fn door(&self, rule: Rule) -> Arc<Door> {
        let mut doors = self.doors.lock().unwrap_or_else(|p| p.into_inner());
        doors
            .entry((rule.limit, rule.window))
            .or_insert_with(|| {
                let burst = NonZeroU32::new(rule.limit.max(1)).unwrap_or(NonZeroU32::MIN);
                let period = (rule.window / burst.get()).max(Duration::from_nanos(1));
                let quota = Quota::with_period(period)
                    .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
                    .allow_burst(burst);
                Arc::new(RateLimiter::keyed(quota))
            })
            .clone()
    }

    /// Counts one hit; `Err(seconds)` says how long until the key may try again.
    pub fn hit(&self, key: &str, rule: Rule) -> Result<(), u64> {
        let door = self.door(rule);
        let generation = self
            .cleared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .copied();
        let key = match generation {
            Some(g) => format!("{key}#{g}"),
            None => key.to_string(),
        };
        if door.len() > 100_000 {
            door.retain_recent();
        }
        door.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            wait.as_millis().div_ceil(1000).max(1) as u64
        })
    }

    /// Forgets a key (a successful sign-in clears the account's failures).
    pub fn clear(&self, key: &str) {
        let mut cleared = self.cleared.lock().unwrap_or_else(|p| p.into_inner());
        if cleared.len() > 100_000 {
            // Counts that old have long been refilled (the longest window is an hour).
            cleared.clear();
        }
        let g = self.generation.fetch_add(1, Ordering::Relaxed) + 1;
        cleared.insert(key.to_string(), g);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_then_recovers() {
        let l = Limiter::default();
        let rule = Rule {
            limit: 3,
            window: Duration::from_millis(50),
        };
        for _ in 0..3 {
            assert!(l.hit("k", rule).is_ok());
        }
        assert!(l.hit("k", rule).is_err());
        assert!(l.hit("other", rule).is_ok());
        std::thread::sleep(Duration::from_millis(60));
        assert!(l.hit("k", rule).is_ok());
        for _ in 0..3 {
            let _ = l.hit("k", rule);
        }
        assert!(l.hit("k", rule).is_err());
        l.clear("k");
        assert!(l.hit("k", rule).is_ok(), "a cleared key starts again");
    }
}
