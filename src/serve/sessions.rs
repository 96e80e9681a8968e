//! The sessions in memory, one per browser tab: at most [`Limits::sessions`], each dropped
//! after [`Limits::idle`] without a request.

use super::session::Session;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub sessions: usize,
    pub idle: Duration,
}

pub type Shared = Arc<Mutex<Session>>;

/// A session and when a request last asked for it (kept outside the session's own lock, so a
/// request waiting for a busy session counts as use).
struct Entry {
    session: Shared,
    touched: Instant,
}

#[derive(Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Entry>>,
    next: Mutex<u64>,
}

/// A lock that a panic elsewhere (there should be none) does not make unusable.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Sessions {
    /// Stores a new session and returns its id, or `None` when there are already `max`.
    pub fn insert(&self, session: Session, max: usize) -> Option<String> {
        let mut map = lock(&self.map);
        if map.len() >= max {
            return None;
        }
        let id = {
            let mut next = lock(&self.next);
            *next += 1;
            // Unguessable enough for a local server: a counter and the clock's nanoseconds.
            let nanos = Instant::now().elapsed().as_nanos() as u64
                ^ std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as u64);
            format!("s{}-{:x}", *next, nanos.wrapping_mul(0x9e37_79b9_7f4a_7c15))
        };
        let entry = Entry {
            session: Arc::new(Mutex::new(session)),
            touched: Instant::now(),
        };
        map.insert(id.clone(), entry);
        Some(id)
    }

    /// The session, marked as used now.
    pub fn get(&self, id: &str) -> Option<Shared> {
        let mut map = lock(&self.map);
        let entry = map.get_mut(id)?;
        entry.touched = Instant::now();
        Some(entry.session.clone())
    }

    /// Marks the session as used now (at the end of a request: its idle time counts from
    /// there, however long the request waited for a thread).
    pub fn touch(&self, id: &str) {
        if let Some(entry) = lock(&self.map).get_mut(id) {
            entry.touched = Instant::now();
        }
    }

    pub fn remove(&self, id: &str) -> bool {
        lock(&self.map).remove(id).is_some()
    }

    /// Drops every session idle for longer than `idle` (one a request holds is not idle).
    pub fn expire(&self, idle: Duration) {
        let now = Instant::now();
        lock(&self.map).retain(|_, e| {
            now.duration_since(e.touched) < idle || Arc::strong_count(&e.session) > 1
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worked() -> Session {
        let toml = include_str!("../../examples/01-worked-example.toml");
        Session::new(toml).unwrap()
    }

    /// Idle time counts from the last touch, a session a request holds never expires, and
    /// the limit on sessions is kept.
    #[test]
    fn sessions_expire_after_their_idle_time_only() {
        let idle = Duration::from_millis(200);
        let sessions = Sessions::default();
        let a = sessions.insert(worked(), 2).unwrap();
        let b = sessions.insert(worked(), 2).unwrap();
        assert!(sessions.insert(worked(), 2).is_none());
        let held = sessions.get(&b).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        sessions.touch(&a);
        sessions.expire(idle);
        assert!(sessions.get(&a).is_some(), "touched 0 ms ago");
        assert!(sessions.get(&b).is_some(), "held by a request");
        drop(held);
        std::thread::sleep(Duration::from_millis(300));
        sessions.expire(idle);
        assert!(sessions.get(&a).is_none() && sessions.get(&b).is_none());
    }
}
