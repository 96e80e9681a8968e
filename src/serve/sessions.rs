//! The sessions in memory, one per browser tab: at most [`Limits::sessions`], each dropped
//! after [`Limits::idle`] without a request. A session is in use from the moment a request
//! asks for it until that request's response has been written out to the client (a
//! [`Held`]), and its idle time counts from then.

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
    fn get(&self, id: &str) -> Option<Shared> {
        let mut map = lock(&self.map);
        let entry = map.get_mut(id)?;
        entry.touched = Instant::now();
        Some(entry.session.clone())
    }

    /// The session, held in use until the [`Held`] is dropped (when the response that needs
    /// it has been written: a large one can take many seconds on a loaded machine, and the
    /// client's next request comes only after it).
    pub fn hold(self: &Arc<Self>, id: &str) -> Option<Held> {
        Some(Held {
            session: self.get(id)?,
            sessions: self.clone(),
            id: id.to_string(),
        })
    }

    /// Marks the session as used now.
    fn touch(&self, id: &str) {
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

/// A session in use: it does not expire while this lives, and its idle time starts again when
/// this is dropped.
pub struct Held {
    pub session: Shared,
    sessions: Arc<Sessions>,
    id: String,
}

impl Drop for Held {
    /// Runs before the fields drop, so the session is still held when it is marked as used.
    fn drop(&mut self) {
        self.sessions.touch(&self.id);
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
        let sessions = Arc::new(Sessions::default());
        let a = sessions.insert(worked(), 2).unwrap();
        let b = sessions.insert(worked(), 2).unwrap();
        assert!(sessions.insert(worked(), 2).is_none());
        let held_a = sessions.hold(&a).unwrap();
        let held_b = sessions.hold(&b).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        // a's request ends now (its response written), b's is still being written.
        drop(held_a);
        sessions.expire(idle);
        assert!(sessions.hold(&a).is_some(), "released 0 ms ago");
        assert!(sessions.hold(&b).is_some(), "held by a request");
        // b's response is written 300 ms after its request began: it is not idle yet.
        drop(held_b);
        sessions.expire(idle);
        assert!(
            sessions.hold(&b).is_some(),
            "released 0 ms ago, however long it was held"
        );
        std::thread::sleep(Duration::from_millis(300));
        sessions.expire(idle);
        assert!(sessions.hold(&a).is_none() && sessions.hold(&b).is_none());
    }
}
