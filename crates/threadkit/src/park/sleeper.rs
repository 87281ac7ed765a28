//! How one parked thread sleeps and is woken: a bounded spin on its own wake word,
//! then a futex (Linux), `std::thread::park` (elsewhere) or loom's park (models).
//!
//! Why spin: a waiter that is woken a few microseconds after it parks (a ping-pong, a
//! hand-off between a producer and a consumer on another CPU) would otherwise pay a
//! futex sleep and wake, and on machines whose idle CPUs halt, the wake-up latency of
//! the halted CPU (tens of microseconds). Spinning costs CPU, so it is bounded: in
//! time (see [`Spin`]), in the number of threads spinning at once (one per CPU), and in
//! manners — after the first few microseconds a spinner yields between checks, so a
//! runnable thread on the same CPU (perhaps the one it waits for) gets to run. An idle
//! waiter still goes to sleep.

use std::time::Instant;

#[cfg(not(loom))]
use std::time::Duration;

use crate::primitive::{AtomicU32, Ordering};

/// The wake word: the waiter is spinning or about to sleep.
const WAITING: u32 = 0;
/// The waiter is (about to be) blocked in the kernel: a waker must make a system call.
#[cfg(all(not(loom), target_os = "linux"))]
const SLEEPING: u32 = 1;
/// The waiter was woken (its token is set).
const WOKEN: u32 = 2;

/// How long a waiter may spin before sleeping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Spin {
    /// Sleep at once.
    #[allow(dead_code)]
    Never,
    /// Lock waiters: the holder's critical section is usually short.
    Handoff,
    /// Waiting for another thread to signal (event, condition, semaphore, queue).
    Signal,
}

#[cfg(not(loom))]
impl Spin {
    /// How long to spin in all.
    fn budget(self) -> Duration {
        match self {
            Spin::Never => Duration::ZERO,
            Spin::Handoff => Duration::from_micros(10),
            Spin::Signal => Duration::from_micros(30),
        }
    }
}

/// How long to spin before yielding between checks.
#[cfg(not(loom))]
const SPIN_BEFORE_YIELDING: Duration = Duration::from_micros(4);

/// A parked thread's wake word (and, where needed, a handle to its thread).
pub(super) struct Sleeper {
    state: AtomicU32,
    #[cfg(any(loom, not(target_os = "linux")))]
    thread: Thread,
}

#[cfg(loom)]
type Thread = loom::thread::Thread;
#[cfg(all(not(loom), not(target_os = "linux")))]
type Thread = std::thread::Thread;

/// What a waker needs to wake a sleeping thread after the bucket is unlocked.
pub(super) struct WakeHandle {
    #[cfg(all(not(loom), target_os = "linux"))]
    word: *const AtomicU32,
    #[cfg(any(loom, not(target_os = "linux")))]
    thread: Thread,
}

impl Sleeper {
    /// The calling thread's sleeper, not yet woken.
    pub(super) fn new() -> Self {
        Self {
            state: AtomicU32::new(WAITING),
            #[cfg(loom)]
            thread: loom::thread::current(),
            #[cfg(all(not(loom), not(target_os = "linux")))]
            thread: std::thread::current(),
        }
    }

    /// Whether a waker has marked this thread woken (acquiring what it wrote before).
    #[inline]
    pub(super) fn is_woken(&self) -> bool {
        self.state.load(Ordering::Acquire) == WOKEN
    }

    /// Called by the waker with the bucket locked: marks the thread woken. Returns the
    /// handle for the system call to make once unlocked, if the thread is asleep.
    /// After this call the waker must not touch the waiter again.
    pub(super) fn wake_prepare(&self) -> Option<WakeHandle> {
        #[cfg(all(not(loom), target_os = "linux"))]
        {
            let word = self.state.as_ptr().cast_const().cast::<AtomicU32>();
            (self.state.swap(WOKEN, Ordering::Release) == SLEEPING).then_some(WakeHandle { word })
        }
        #[cfg(any(loom, not(target_os = "linux")))]
        {
            let thread = self.thread.clone();
            self.state.store(WOKEN, Ordering::Release);
            Some(WakeHandle { thread })
        }
    }

    /// Spins, then sleeps, until woken (true) or until `deadline` passes (false).
    #[cfg(all(not(loom), target_os = "linux"))]
    pub(super) fn sleep(&self, deadline: Option<Instant>, spin: Spin) -> bool {
        if spin_until_woken(&self.state, spin) {
            return true;
        }
        if self
            .state
            .compare_exchange(WAITING, SLEEPING, Ordering::Acquire, Ordering::Acquire)
            .is_err()
        {
            return true;
        }
        loop {
            let timeout = match crate::time::remaining(deadline) {
                Some(left) if left.is_zero() => return self.is_woken(),
                left => left,
            };
            futex::wait(&self.state, SLEEPING, timeout);
            if self.is_woken() {
                return true;
            }
        }
    }

    /// Spins, then sleeps, until woken (true) or until `deadline` passes (false).
    #[cfg(all(not(loom), not(target_os = "linux")))]
    pub(super) fn sleep(&self, deadline: Option<Instant>, spin: Spin) -> bool {
        if spin_until_woken(&self.state, spin) {
            return true;
        }
        loop {
            if self.is_woken() {
                return true;
            }
            match crate::time::remaining(deadline) {
                None => std::thread::park(),
                Some(left) if left.is_zero() => return false,
                Some(left) => std::thread::park_timeout(left),
            }
        }
    }

    /// Under loom, time is not modelled: a timed wait may give up at any moment, and
    /// giving up at once (unless already woken) explores the races of a timeout with
    /// a wake-up, which is what matters; untimed waits sleep until woken.
    #[cfg(loom)]
    pub(super) fn sleep(&self, deadline: Option<Instant>, _spin: Spin) -> bool {
        if deadline.is_some() {
            return self.is_woken();
        }
        while !self.is_woken() {
            loom::thread::park();
        }
        true
    }
}

impl WakeHandle {
    /// Wakes the thread (it may already have left: waking a stale address is harmless).
    pub(super) fn wake(self) {
        #[cfg(all(not(loom), target_os = "linux"))]
        futex::wake_one(self.word);
        #[cfg(any(loom, not(target_os = "linux")))]
        self.thread.unpark();
    }
}

/// Spins on `state` until it says woken or the spin budget is spent.
#[cfg(not(loom))]
fn spin_until_woken(state: &AtomicU32, spin: Spin) -> bool {
    let budget = spin.budget();
    if budget.is_zero() {
        return false;
    }
    let Some(_slot) = spinners::enter() else {
        return false;
    };
    let start = Instant::now();
    loop {
        for _ in 0..16 {
            if state.load(Ordering::Acquire) == WOKEN {
                return true;
            }
            std::hint::spin_loop();
        }
        let spun = start.elapsed();
        if spun >= budget {
            return false;
        }
        if spun >= SPIN_BEFORE_YIELDING {
            std::thread::yield_now();
        }
    }
}

/// Limits how many threads spin at once: one per CPU.
#[cfg(not(loom))]
mod spinners {
    use std::sync::atomic::{AtomicUsize, Ordering};

    static SPINNING: AtomicUsize = AtomicUsize::new(0);
    static LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);

    /// A spinning slot; released on drop.
    pub(super) struct Slot(());

    pub(super) fn enter() -> Option<Slot> {
        let limit = limit();
        let mut current = SPINNING.load(Ordering::Relaxed);
        loop {
            if current >= limit {
                return None;
            }
            match SPINNING.compare_exchange_weak(
                current,
                current + 1,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(Slot(())),
                Err(actual) => current = actual,
            }
        }
    }

    fn limit() -> usize {
        let limit = LIMIT.load(Ordering::Relaxed);
        if limit != usize::MAX {
            return limit;
        }
        let cpus = std::thread::available_parallelism().map_or(1, usize::from);
        // A single CPU has nothing to spin for: the thread waited for cannot run.
        let limit = if cpus > 1 { cpus } else { 0 };
        LIMIT.store(limit, Ordering::Relaxed);
        limit
    }

    impl Drop for Slot {
        fn drop(&mut self) {
            SPINNING.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// The two futex operations threadkit needs (private futexes).
#[cfg(all(not(loom), target_os = "linux"))]
mod futex {
    use std::time::Duration;

    use crate::primitive::AtomicU32;

    /// Blocks while `*word == expected`, for at most `timeout`; may return spuriously.
    pub(super) fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) {
        let timespec = timeout.map(|t| libc::timespec {
            tv_sec: libc::time_t::try_from(t.as_secs()).unwrap_or(libc::time_t::MAX),
            // Below 10^9: fits every platform's c_long.
            tv_nsec: t.subsec_nanos() as libc::c_long,
        });
        let timespec_ptr = timespec
            .as_ref()
            .map_or(std::ptr::null(), std::ptr::from_ref);
        // SAFETY: `word` is a valid, aligned u32 for the duration of the call, and the
        // timespec (or null) outlives it. FUTEX_WAIT only reads them; any result
        // (woken, EAGAIN, EINTR, ETIMEDOUT) is handled by the caller re-checking.
        unsafe {
            libc::syscall(
                libc::SYS_futex,
                word.as_ptr(),
                libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG,
                expected,
                timespec_ptr,
            );
        }
    }

    /// Wakes one thread blocked on `word`.
    pub(super) fn wake_one(word: *const AtomicU32) {
        // SAFETY: FUTEX_WAKE does not dereference the address; it only identifies the
        // waiters to wake. The word may already be gone (its thread returned), in which
        // case at most some unrelated waiter on reused memory wakes spuriously, which
        // every futex waiter tolerates.
        unsafe {
            libc::syscall(
                libc::SYS_futex,
                word,
                libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG,
                1,
            );
        }
    }
}
