//! Rate limits: fixed windows counted in memory per key ("login:ip:203.0.113.9").
//!
//! Per-instance counting is enough to stop a flood at each door; limits that must hold across
//! instances (mails per account) are counted in the database instead.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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
    pub const IDENTITY_IP: Rule = Rule::per_minutes(60, 1);
    pub const SETUP_IP: Rule = Rule::per_minutes(10, 10);
    /// Reset and verification mails for one account per hour (checked in the database).
    pub const MAILS_PER_ACCOUNT_PER_HOUR: i64 = 3;
}

#[derive(Default)]
pub struct Limiter {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Limiter {
    /// Counts one hit; `Err(seconds)` says how long until the key may try again.
    pub fn hit(&self, key: &str, rule: Rule) -> Result<(), u64> {
        let now = Instant::now();
        let mut map = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(3600));
        }
        let entry = map.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= rule.window {
            *entry = (now, 0);
        }
        if entry.1 >= rule.limit {
            let left = rule.window.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }

    /// Forgets a key (a successful sign-in clears the account's failures).
    pub fn clear(&self, key: &str) {
        self.windows
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
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
        l.clear("k");
    }
}
