//! [`Event`]: a named flag that threads of any process can wait for.

use std::fmt;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::error::{Kind, OpenError};
use crate::name::Name;
use crate::options::Options;
use crate::sys::futex;
use crate::sys::layout::EventBody;
use crate::sys::shm::Shared;

/// Bit 0 of the word: the event is set.
const SET: u32 = 0b01;
/// Bit 1: threads may be blocked on the word.
const WAITERS: u32 = 0b10;
/// The generation's unit (bits 2..32).
const GENERATION_ONE: u32 = 0b100;
/// Looks at the word before blocking, for a `set` that is about to come.
const SPIN: u32 = 200;

/// A flag shared by name between processes, that threads of any of them can wait for:
/// `threading.Event` (and `multiprocessing.Event`) for unrelated processes.
///
/// [`set`](Self::set) raises the flag and wakes every waiting thread in every process;
/// [`clear`](Self::clear) lowers it; [`wait`](Self::wait) returns at once when it is
/// set (one load) and otherwise blocks until it is. It is one 32-bit word in shared
/// memory and a shared futex: no lock, so a process that dies never blocks the others.
///
/// # Differences from Python's threading
///
/// * `wait(timeout)` is [`wait_timeout`](Self::wait_timeout) (and
///   [`wait_deadline`](Self::wait_deadline)), returning the flag as Python does: true if
///   the event was set — a waiter woken by `set` returns true even if the event was
///   cleared again before it ran.
///
/// # Memory ordering
///
/// `set` happens-before every wait, in any process, that returns true because of it.
///
/// # Errors
///
/// Creating and opening fail with [`OpenError`]; the operations cannot fail.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use threadkit_ipc::Event;
///
/// let name = format!("doc-event-{}", std::process::id());
/// let start = Event::create(&name)?;
/// // Any process: `Event::open(&name)?.wait()`.
/// let runner = {
///     let name = name.clone();
///     std::thread::spawn(move || Event::open(&name).map(|e| e.wait()))
/// };
/// start.set();
/// runner.join().unwrap()?;
/// start.clear();
/// assert!(!start.wait_timeout(Duration::from_millis(1)));
/// Event::unlink(&name)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Event {
    shared: Shared<EventBody>,
}

impl Event {
    /// Creates the event `name`, clear, with the default [`Options`] (mode `0o600`).
    ///
    /// # Errors
    ///
    /// [`OpenError::AlreadyExists`] if the name is taken, [`OpenError::InvalidName`],
    /// and system failures.
    pub fn create(name: &str) -> Result<Self, OpenError> {
        Self::create_with(name, Options::new())
    }

    /// Creates the event `name` with `options`.
    ///
    /// # Errors
    ///
    /// As [`create`](Self::create), and [`OpenError::InvalidMode`].
    pub fn create_with(name: &str, options: Options) -> Result<Self, OpenError> {
        let name = Name::new(name)?;
        Shared::create(&name, Kind::Event, &options, ()).map(|shared| Self { shared })
    }

    /// Opens the existing event `name`.
    ///
    /// # Errors
    ///
    /// [`OpenError::NotFound`]; [`OpenError::WrongKind`] if the name holds another kind
    /// of object; [`OpenError::ForeignOwner`] if it belongs to another user;
    /// [`OpenError::NotThreadkit`], [`OpenError::IncompatibleVersion`],
    /// [`OpenError::PermissionDenied`], [`OpenError::InvalidName`]…
    pub fn open(name: &str) -> Result<Self, OpenError> {
        Self::open_with(name, Options::new())
    }

    /// Opens the existing event `name` with `options` (which may
    /// [allow another user's object](Options::allow_foreign_owner)).
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open).
    pub fn open_with(name: &str, options: Options) -> Result<Self, OpenError> {
        let name = Name::new(name)?;
        Shared::open(&name, Kind::Event, &options).map(|shared| Self { shared })
    }

    /// Opens the event `name`, creating it (clear) if it does not exist.
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open) and [`create`](Self::create).
    pub fn open_or_create(name: &str) -> Result<Self, OpenError> {
        Self::open_or_create_with(name, Options::new())
    }

    /// Opens the event `name`, creating it with `options` if it does not exist.
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open) and [`create_with`](Self::create_with).
    pub fn open_or_create_with(name: &str, options: Options) -> Result<Self, OpenError> {
        let name = Name::new(name)?;
        Shared::open_or_create(&name, Kind::Event, &options, ())
            .map(|(shared, _created)| Self { shared })
    }

    /// Removes the name `name`, which must be an event. Processes that have it open
    /// keep sharing it; `open` no longer finds it and `create` makes a new one.
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open): nothing is removed unless the name holds an event.
    pub fn unlink(name: &str) -> Result<(), OpenError> {
        let name = Name::new(name)?;
        Shared::<EventBody>::unlink(&name, Kind::Event)
    }

    /// Whether the event is set.
    #[inline]
    pub fn is_set(&self) -> bool {
        self.word().load(Ordering::Acquire) & SET != 0
    }

    /// Sets the event, waking every waiting thread in every process.
    #[inline]
    pub fn set(&self) {
        let word = self.word();
        let mut current = word.load(Ordering::Relaxed);
        loop {
            if current & SET != 0 {
                return;
            }
            let next = (current & !(SET | WAITERS)).wrapping_add(GENERATION_ONE) | SET;
            match word.compare_exchange_weak(current, next, Ordering::Release, Ordering::Relaxed) {
                Ok(_) => break,
                Err(found) => current = found,
            }
        }
        if current & WAITERS != 0 {
            futex::wake_all(word);
        }
    }

    /// Clears the event.
    #[inline]
    pub fn clear(&self) {
        self.word().fetch_and(!SET, Ordering::Relaxed);
    }

    /// Blocks until the event is set.
    #[inline]
    pub fn wait(&self) {
        let current = self.word().load(Ordering::Acquire);
        if current & SET == 0 {
            self.wait_slow(current, None);
        }
    }

    /// Blocks until the event is set or `timeout` passes; returns whether it is set.
    #[inline]
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let current = self.word().load(Ordering::Acquire);
        current & SET != 0 || self.wait_slow(current, crate::time::deadline_after(timeout))
    }

    /// Blocks until the event is set or `deadline` passes; returns whether it is set.
    #[inline]
    pub fn wait_deadline(&self, deadline: Instant) -> bool {
        let current = self.word().load(Ordering::Acquire);
        current & SET != 0 || self.wait_slow(current, Some(deadline))
    }

    /// The event's name (without a leading `/`).
    pub fn name(&self) -> &str {
        self.shared.name()
    }

    /// Whether threads may be blocked on the word (for tests: see `testing`).
    pub(crate) fn has_waiters(&self) -> bool {
        self.word().load(Ordering::Relaxed) & WAITERS != 0
    }

    fn word(&self) -> &std::sync::atomic::AtomicU32 {
        &self.shared.body().word
    }

    /// Waits for SET or a newer generation than the one in `first`.
    #[cold]
    fn wait_slow(&self, first: u32, deadline: Option<Instant>) -> bool {
        let word = self.word();
        let generation = first & !(SET | WAITERS);
        let fired = |current: u32| current & SET != 0 || current & !(SET | WAITERS) != generation;
        for _ in 0..SPIN {
            if fired(word.load(Ordering::Acquire)) {
                return true;
            }
            std::hint::spin_loop();
        }
        let mut current = word.load(Ordering::Acquire);
        loop {
            if fired(current) {
                return true;
            }
            if current & WAITERS == 0 {
                if let Err(found) = word.compare_exchange_weak(
                    current,
                    current | WAITERS,
                    Ordering::Relaxed,
                    Ordering::Acquire,
                ) {
                    current = found;
                    continue;
                }
                current |= WAITERS;
            }
            let timeout = match deadline {
                None => None,
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return fired(word.load(Ordering::Acquire));
                    }
                    Some(left)
                }
            };
            futex::wait(word, current, timeout);
            current = word.load(Ordering::Acquire);
        }
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("name", &self.name())
            .field("set", &self.is_set())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_then_clear_counts_for_those_already_waiting() {
        let name = format!("tk-event-unit-{}", std::process::id());
        let event = Event::create(&name).unwrap();
        // What a waiter saw when it began waiting, before a set and a clear.
        let seen = event.word().load(Ordering::Acquire);
        event.set();
        event.clear();
        assert!(!event.is_set());
        assert!(event.wait_slow(seen, Some(Instant::now())), "Python: true");
        // A waiter that begins after the clear waits for the next set.
        let now = event.word().load(Ordering::Acquire);
        assert!(!event.wait_slow(now, Some(Instant::now())));
        Event::unlink(&name).unwrap();
    }
}
