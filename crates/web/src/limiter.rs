//! A fixed-window counter per key (client IP) for sign-in attempts.
//!
//! Small and in memory: it protects one server process. The account lock in `app`
//! covers a slow attack spread over many IPs.

use std::collections::HashMap;
use std::sync::Mutex;

/// How many distinct keys are remembered before old windows are swept.
const KEYS_MAX: usize = 10_000;

#[derive(Debug)]
pub struct Limiter {
    max: u32,
    window_ms: i64,
    windows: Mutex<HashMap<String, (i64, u32)>>,
}

impl Limiter {
    pub fn new(max: u32, window_ms: i64) -> Limiter {
        Limiter {
            max,
            window_ms,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt; `false` when the key has used up its window.
    pub fn allow(&self, key: &str, now_ms: i64) -> bool {
        let mut w = self
            .windows
            .lock()
            .expect("the limiter's lock is never poisoned: no panics inside");
        if w.len() > KEYS_MAX {
            let window = self.window_ms;
            w.retain(|_, (start, _)| now_ms - *start < window);
        }
        let entry = w.entry(key.to_string()).or_insert((now_ms, 0));
        if now_ms - entry.0 >= self.window_ms {
            *entry = (now_ms, 0);
        }
        entry.1 += 1;
        entry.1 <= self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eleventh_attempt_in_a_minute_is_refused_then_allowed_after() {
        let l = Limiter::new(10, 60_000);
        for _ in 0..10 {
            assert!(l.allow("1.2.3.4", 0));
        }
        assert!(!l.allow("1.2.3.4", 59_999));
        assert!(l.allow("5.6.7.8", 59_999), "other IPs are unaffected");
        assert!(l.allow("1.2.3.4", 60_000));
    }
}
