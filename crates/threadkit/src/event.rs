//! [`Event`]: Python's `threading.Event`, a flag threads can wait for.

use std::fmt;
use std::panic::Location;
use std::time::{Duration, Instant};

use crate::diagnostics::{self, Blocking, Object, PrimitiveKind};
use crate::flag_word::FlagWord;
use crate::origin::Origin;
use crate::park::{self, ParkResult, Spin, TOKEN_NORMAL};
use crate::primitive::{Ordering, const_fn};

/// Flag: the event is set.
const SET: usize = 0b01;
/// Flag: threads may be parked waiting for the event.
const PARKED: usize = 0b10;
/// The token `set` hands to the threads it wakes.
const TOKEN_SET: usize = TOKEN_NORMAL + 2;

/// A flag that threads can wait for: Python's `threading.Event`.
///
/// [`set`](Self::set) raises the flag and wakes every waiting thread;
/// [`clear`](Self::clear) lowers it; [`wait`](Self::wait) returns at once when it is
/// set (a single load) and otherwise blocks until it is.
///
/// One word (8 bytes), which also records the event's name or creation site.
///
/// # Differences from Python's threading
///
/// * `wait(timeout)` is [`wait_timeout`](Self::wait_timeout) (and `wait_deadline`),
///   returning the flag as Python does: true if the event was set (a waiter woken by
///   `set` returns true even if the event was cleared again before it ran).
///
/// # Memory ordering
///
/// `set` happens-before every wait that returns true because of it.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use threadkit::Event;
///
/// let start = Arc::new(Event::new());
/// let runner = {
///     let start = Arc::clone(&start);
///     std::thread::spawn(move || start.wait())
/// };
/// start.set();
/// runner.join().unwrap();
/// assert!(start.is_set());
/// start.clear();
/// assert!(!start.wait_timeout(std::time::Duration::from_millis(1)));
/// ```
pub struct Event {
    // FlagWord: origin pointer | PARKED | SET
    //
    //   SET PARKED  meaning
    //   0   0       clear, nobody parked
    //   0   1       clear, threads parked
    //   1   0       set (never parked threads: set wakes them all and clears PARKED)
    state: FlagWord,
}

impl Event {
    const_fn! {
        /// A clear event.
        #[track_caller]
        #[must_use]
        pub fn new() -> Self {
            Self { state: FlagWord::new(Origin::site(Location::caller()), 0) }
        }
    }

    /// A clear event with a name for reports.
    #[track_caller]
    #[must_use]
    pub fn named(name: &str) -> Self {
        Self {
            state: FlagWord::new(Origin::named(name, Location::caller()), 0),
        }
    }

    /// Whether the event is set.
    #[inline]
    pub fn is_set(&self) -> bool {
        self.state.load(Ordering::Acquire) & SET != 0
    }

    /// Sets the event, waking every waiting thread.
    #[inline]
    pub fn set(&self) {
        match self
            .state
            .compare_exchange(0, SET, Ordering::Release, Ordering::Relaxed)
        {
            Ok(_) | Err(SET) => {}
            Err(_) => self.set_slow(),
        }
    }

    /// Clears the event.
    #[inline]
    pub fn clear(&self) {
        if self.state.load(Ordering::Relaxed) & SET != 0 {
            self.state.clear(SET, Ordering::Relaxed);
        }
    }

    /// Blocks until the event is set.
    #[inline]
    pub fn wait(&self) {
        if !self.is_set() {
            self.wait_slow(None);
        }
    }

    /// Blocks until the event is set or `timeout` passes; returns whether it is set.
    #[inline]
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.is_set() || self.wait_slow(crate::time::deadline_after(timeout))
    }

    /// Blocks until the event is set or `deadline` passes; returns whether it is set.
    #[inline]
    pub fn wait_deadline(&self, deadline: Instant) -> bool {
        self.is_set() || self.wait_slow(Some(deadline))
    }

    /// The event's name, if it was created with one.
    pub fn name(&self) -> Option<&'static str> {
        self.state.origin().name()
    }

    fn object(&self) -> Object {
        Object {
            kind: PrimitiveKind::Event,
            key: self.state.key(),
            origin: self.state.origin(),
        }
    }

    #[cold]
    fn wait_slow(&self, deadline: Option<Instant>) -> bool {
        let _scope = diagnostics::block(|| self.object(), Blocking::Signal, deadline);
        loop {
            let flags = self.state.load(Ordering::Acquire);
            if flags & SET != 0 {
                return true;
            }
            if flags & PARKED == 0
                && self
                    .state
                    .compare_exchange_weak(
                        flags,
                        flags | PARKED,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    )
                    .is_err()
            {
                continue;
            }
            let result = park::park(
                self.state.key(),
                || self.state.load(Ordering::Relaxed) == PARKED,
                || true,
                |was_last| {
                    if was_last {
                        self.state.clear(PARKED, Ordering::Relaxed);
                    }
                },
                deadline,
                Spin::Signal,
            );
            match result {
                // The wake-up itself orders the `set` before this return.
                ParkResult::Unparked(TOKEN_SET) => return true,
                ParkResult::TimedOut => return self.is_set(),
                ParkResult::Unparked(_) | ParkResult::Invalid => {}
            }
        }
    }

    /// Threads are parked: set the flag under their bucket lock, so that exactly the
    /// threads parked before this `set` are woken (see `park::unpark_all_when`).
    #[cold]
    fn set_slow(&self) {
        park::unpark_all_when(self.state.key(), || {
            let previous = self
                .state
                .update(Ordering::Release, Ordering::Relaxed, |flags| {
                    (flags != SET).then_some(SET)
                });
            matches!(previous, Ok(flags) if flags & PARKED != 0).then_some(TOKEN_SET)
        });
    }
}

impl Default for Event {
    #[track_caller]
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("origin", &self.state.origin())
            .field("set", &self.is_set())
            .finish()
    }
}
