//! Short-lived copies of what every sale reads and that rarely changes: an
//! organisation's loyalty settings and its promotions (flash sales excepted, since
//! their units left change with every sale), and signed-in sessions.
//!
//! A copy lives at most `RULES_TTL`. Every write of those rows through this process
//! drops the copy once its transaction has committed (for sessions: every session and
//! staff change drops them all), so this process never acts on its own change late;
//! another process writing the same database (a chain's second app server on
//! PostgreSQL) is seen within `RULES_TTL`. A reader that
//! loaded while a write committed does not keep what it read: each drop bumps a
//! generation, and a copy is kept only if the generation it was read under is current.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a copy of an organisation's rules is used before it is read again.
pub const RULES_TTL: Duration = Duration::from_secs(1);

/// Copies held before stale ones are swept out.
const COPIES_MAX: usize = 10_000;

/// Copies per organisation.
pub(crate) type OrgCache<V> = Copies<linli_domain::ids::OrgId, V>;

#[derive(Debug)]
pub(crate) struct Copies<K, V> {
    generation: AtomicU64,
    copies: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K, V> Default for Copies<K, V> {
    fn default() -> Self {
        Copies {
            generation: AtomicU64::new(0),
            copies: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, V: Clone> Copies<K, V> {
    /// The copy if it is fresh.
    pub(crate) fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let copies = self.copies.lock().expect("the cache lock is never poisoned");
        copies
            .get(key)
            .filter(|(at, _)| at.elapsed() < RULES_TTL)
            .map(|(_, v)| v.clone())
    }

    /// The generation to read under: pass it back to `keep`.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps a copy read under `generation`, unless a write committed since.
    pub(crate) fn keep(&self, key: K, generation: u64, value: V) {
        let mut copies = self.copies.lock().expect("the cache lock is never poisoned");
        if self.generation.load(Ordering::Acquire) == generation {
            // Copies of keys nobody asks for again (ended sessions) go when they are stale.
            if copies.len() >= COPIES_MAX {
                copies.retain(|_, (at, _)| at.elapsed() < RULES_TTL);
            }
            copies.insert(key, (Instant::now(), value));
        }
    }

    /// Drops one copy: call after the write's commit.
    pub(crate) fn drop_key<Q>(&self, key: &Q)
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let mut copies = self.copies.lock().expect("the cache lock is never poisoned");
        self.generation.fetch_add(1, Ordering::AcqRel);
        copies.remove(key);
    }

    /// Drops every copy: call after the write's commit.
    pub(crate) fn drop_all(&self) {
        let mut copies = self.copies.lock().expect("the cache lock is never poisoned");
        self.generation.fetch_add(1, Ordering::AcqRel);
        copies.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linli_domain::ids::OrgId;

    #[test]
    fn a_copy_read_before_a_write_committed_is_not_kept() {
        let cache: OrgCache<i64> = OrgCache::default();
        let org = OrgId(1);
        let g = cache.generation();
        cache.drop_key(&org);
        cache.keep(org, g, 5);
        assert_eq!(cache.get(&org), None);
        let g = cache.generation();
        cache.keep(org, g, 6);
        assert_eq!(cache.get(&org), Some(6));
        cache.drop_key(&org);
        assert_eq!(cache.get(&org), None);
        cache.keep(org, cache.generation(), 7);
        cache.drop_all();
        assert_eq!(cache.get(&org), None);
    }
}
