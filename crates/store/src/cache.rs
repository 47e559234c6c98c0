//! Short-lived copies of rules every sale reads and that rarely change: an
//! organisation's loyalty settings and its promotions (flash sales excepted, since
//! their units left change with every sale).
//!
//! A copy lives at most `RULES_TTL`. Every write of those rules through this process
//! drops the organisation's copy once its transaction has committed, so this process
//! never prices with its own change late; another process writing the same database
//! (a chain's second app server on PostgreSQL) is seen within `RULES_TTL`. A reader that
//! loaded while a write committed does not keep what it read: each drop bumps a
//! generation, and a copy is kept only if the generation it was read under is current.

use linli_domain::ids::OrgId;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a copy of an organisation's rules is used before it is read again.
pub const RULES_TTL: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub(crate) struct OrgCache<V> {
    generation: AtomicU64,
    copies: Mutex<HashMap<OrgId, (Instant, V)>>,
}

impl<V> Default for OrgCache<V> {
    fn default() -> Self {
        OrgCache {
            generation: AtomicU64::new(0),
            copies: Mutex::new(HashMap::new()),
        }
    }
}

impl<V: Clone> OrgCache<V> {
    /// The organisation's copy if it is fresh.
    pub(crate) fn get(&self, org: OrgId) -> Option<V> {
        let copies = self.copies.lock().expect("the cache lock is never poisoned");
        copies
            .get(&org)
            .filter(|(at, _)| at.elapsed() < RULES_TTL)
            .map(|(_, v)| v.clone())
    }

    /// The generation to read under: pass it back to `keep`.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps a copy read under `generation`, unless a write committed since.
    pub(crate) fn keep(&self, org: OrgId, generation: u64, value: V) {
        let mut copies = self.copies.lock().expect("the cache lock is never poisoned");
        if self.generation.load(Ordering::Acquire) == generation {
            copies.insert(org, (Instant::now(), value));
        }
    }

    /// Drops the organisation's copy: call after the write's commit.
    pub(crate) fn drop_org(&self, org: OrgId) {
        let mut copies = self.copies.lock().expect("the cache lock is never poisoned");
        self.generation.fetch_add(1, Ordering::AcqRel);
        copies.remove(&org);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_read_before_a_write_committed_is_not_kept() {
        let cache: OrgCache<i64> = OrgCache::default();
        let org = OrgId(1);
        let g = cache.generation();
        cache.drop_org(org);
        cache.keep(org, g, 5);
        assert_eq!(cache.get(org), None);
        let g = cache.generation();
        cache.keep(org, g, 6);
        assert_eq!(cache.get(org), Some(6));
        cache.drop_org(org);
        assert_eq!(cache.get(org), None);
    }
}
