//! A process-shared, robust, error-checking pthread mutex (optionally
//! priority-inheriting) with an owner word beside it; an inline fast path (one
//! `pthread_mutex_trylock`), a `#[cold]` slow path that spins on the owner word and
//! then blocks in the C library; and owner-death recovery. The semaphore's internal
//! mutex, and a [`Lock`](crate::Lock) created with priority inheritance (see
//! `sys/lock.rs`), are such mutexes.
//!
//! Why a pthread robust mutex: when a thread dies holding a lock, only the kernel can
//! notice, by walking the thread's *robust list* on its exit. There is one such list
//! per thread and the C library owns it (it registers it with `set_robust_list` when
//! it starts the thread), so the locks that take part in it are the C library's robust
//! mutexes. On death the kernel marks the lock word `FUTEX_OWNER_DIED` and wakes a
//! waiter, whose `pthread_mutex_lock` then returns `EOWNERDEAD`: the lock is never
//! held forever. (A Lock's own fast path keeps its lock word out of that list and
//! learns of deaths through per-thread robust mutexes instead: `sys/slots.rs`.)

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::error::{AcquireError, ReleaseError};
use crate::sys::process::{self, TAG_FLAG_BITS};

/// Owner-word flag: the holder has no guard; `release` by that thread frees the lock.
const DETACHED: u64 = TAG_FLAG_BITS;

/// Spin rounds before blocking (each spins 2^round pause instructions, up to 2^6;
/// later rounds yield the CPU): about 10–20 µs in all.
const SPIN_ROUNDS: u32 = 24;
/// Rounds after which a spinner yields between looks instead of pausing.
const SPIN_ROUNDS_BEFORE_YIELDING: u32 = 12;

/// How an acquisition went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Acquired {
    /// The previous holder died holding the lock; it has been made consistent again.
    pub(crate) owner_died: bool,
}

/// A robust mutex in shared memory.
#[repr(C)]
pub(crate) struct RobustMutex {
    /// PTHREAD_PROCESS_SHARED, PTHREAD_MUTEX_ROBUST, PTHREAD_MUTEX_ERRORCHECK (so that
    /// relocking by the holder is EDEADLK and unlocking by anyone else is EPERM, never
    /// undefined), and PTHREAD_PRIO_INHERIT if asked for.
    mutex: UnsafeCell<libc::pthread_mutex_t>,
    // Owner word, written only by the thread that holds the mutex:
    //
    //   value             meaning
    //   0                 free — or acquired a moment ago and not tagged yet, or about
    //                     to be unlocked
    //   tag               held through a guard by the thread `tag` names
    //                     (pid << 32 | tid << 1, see process::thread_tag)
    //   tag | DETACHED    held without a guard (Python style): only `release` by the
    //                     thread `tag` names frees it
    //
    // A holder that dies leaves its tag; the next acquirer (told EOWNERDEAD) overwrites
    // it. The word is a hint for spinners and `is_locked`, and the ownership check of
    // `release`. It is shared memory that any process with the object open can write,
    // so nothing that memory safety depends on is decided by it (whether a handle's
    // mapping must outlive it is counted in the handle: see `shm::Pins`).
    owner: AtomicU64,
}

impl RobustMutex {
    /// Initializes the mutex in place.
    ///
    /// # Safety
    ///
    /// No other thread or process may use the mutex before this returns (the creator
    /// calls it on a fresh, zeroed mapping before publishing it).
    pub(crate) unsafe fn init(&self, priority_inheritance: bool) -> Result<(), i32> {
        // SAFETY: `self.mutex` is valid memory that nobody else uses yet (the
        // caller's contract).
        unsafe { init_robust(self.mutex.get(), priority_inheritance) }
    }

    /// Acquires if free right now (or if its holder died).
    #[inline]
    pub(crate) fn try_lock(&self) -> Result<Acquired, AcquireError> {
        match self.raw_trylock() {
            0 => Ok(self.tag_as_held()),
            code => self.after_lock(code, AcquireError::WouldBlock),
        }
    }

    /// Acquires, blocking until `deadline` (`None`: no limit).
    #[inline]
    pub(crate) fn lock(&self, deadline: Option<Instant>) -> Result<Acquired, AcquireError> {
        match self.raw_trylock() {
            0 => Ok(self.tag_as_held()),
            libc::EBUSY => self.lock_slow(deadline),
            code => self.after_lock(code, AcquireError::WouldBlock),
        }
    }

    /// Releases a hold of the calling thread that was taken through a guard.
    #[inline]
    pub(crate) fn unlock(&self) {
        // Clear the word only if it names the calling thread: were the caller not the
        // holder after all, the word is the holder's, and not ours to clear.
        let _ = self.owner.compare_exchange(
            process::thread_tag(),
            0,
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
        // SAFETY: the mutex is initialized (objects are published after init) and the
        // caller holds it. Were that not so, the error-checking mutex returns EPERM and
        // changes nothing, which is all there is to do then: no error to report.
        unsafe { libc::pthread_mutex_unlock(self.mutex.get()) };
    }

    /// Marks the calling thread's hold as guard-less (Python style).
    pub(crate) fn detach(&self) {
        self.owner
            .store(process::thread_tag() | DETACHED, Ordering::Relaxed);
    }

    /// Releases a guard-less hold of the calling thread.
    pub(crate) fn release_detached(&self) -> Result<(), ReleaseError> {
        let me = process::thread_tag();
        let word = self.owner.load(Ordering::Relaxed);
        if word & !DETACHED != me {
            return Err(if word == 0 {
                ReleaseError::NotLocked
            } else {
                ReleaseError::NotOwner
            });
        }
        if word & DETACHED == 0 {
            return Err(ReleaseError::HeldByGuard);
        }
        // Only a holder writes the word, so it stays ours — unless the tag is a dead
        // thread's that happens to match ours (a recycled pid and tid): then a new
        // holder may be writing its own tag, which the exchange must not overwrite.
        if self
            .owner
            .compare_exchange(word, 0, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            return Err(ReleaseError::NotOwner);
        }
        // SAFETY: the mutex is initialized; if the calling thread does not hold it
        // after all, the error-checking mutex returns EPERM and changes nothing.
        match unsafe { libc::pthread_mutex_unlock(self.mutex.get()) } {
            0 => Ok(()),
            _ => Err(ReleaseError::NotOwner),
        }
    }

    /// Whether the lock is held, as far as its owner word tells (a momentary snapshot;
    /// a dead holder's lock reads as held until the next acquisition recovers it).
    pub(crate) fn is_locked(&self) -> bool {
        self.owner.load(Ordering::Relaxed) != 0
    }

    #[inline]
    fn raw_trylock(&self) -> i32 {
        // SAFETY: the mutex is initialized (objects are published after init) and stays
        // mapped while `self` is borrowed.
        unsafe { libc::pthread_mutex_trylock(self.mutex.get()) }
    }

    #[inline]
    fn tag_as_held(&self) -> Acquired {
        self.owner.store(process::thread_tag(), Ordering::Relaxed);
        Acquired { owner_died: false }
    }

    /// Spins while the owner word says the lock is held, trying again whenever it
    /// reads free; then blocks in the C library.
    #[cold]
    fn lock_slow(&self, deadline: Option<Instant>) -> Result<Acquired, AcquireError> {
        for round in 0..SPIN_ROUNDS {
            if self.owner.load(Ordering::Relaxed) == 0 {
                match self.raw_trylock() {
                    libc::EBUSY => {}
                    code => return self.after_lock(code, AcquireError::WouldBlock),
                }
            }
            if round < SPIN_ROUNDS_BEFORE_YIELDING {
                for _ in 0..1u32 << round.min(6) {
                    std::hint::spin_loop();
                }
            } else {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                std::thread::yield_now();
            }
        }
        let code = match deadline {
            None => {
                // SAFETY: as in raw_trylock.
                unsafe { libc::pthread_mutex_lock(self.mutex.get()) }
            }
            Some(deadline) => self.timed_lock(deadline),
        };
        self.after_lock(code, AcquireError::Timeout)
    }

    /// `pthread_mutex_clocklock` on the monotonic clock where the C library has it
    /// (glibc ≥ 2.30; not for PI mutexes before glibc 2.35), else
    /// `pthread_mutex_timedlock` on the real-time clock.
    fn timed_lock(&self, deadline: Instant) -> i32 {
        let left = deadline.saturating_duration_since(Instant::now());
        #[cfg(target_env = "gnu")]
        {
            let Some(at) = clock_after(libc::CLOCK_MONOTONIC, left) else {
                // SAFETY: as in raw_trylock.
                return unsafe { libc::pthread_mutex_lock(self.mutex.get()) };
            };
            // SAFETY: as in raw_trylock; `at` is a valid timespec that outlives the call.
            let code =
                unsafe { pthread_mutex_clocklock(self.mutex.get(), libc::CLOCK_MONOTONIC, &at) };
            if code != libc::EINVAL {
                return code;
            }
        }
        match clock_after(libc::CLOCK_REALTIME, left) {
            // SAFETY: as in raw_trylock; `at` is a valid timespec that outlives the call.
            Some(at) => unsafe { libc::pthread_mutex_timedlock(self.mutex.get(), &at) },
            // SAFETY: as in raw_trylock.
            None => unsafe { libc::pthread_mutex_lock(self.mutex.get()) },
        }
    }

    /// Interprets what a lock call returned; `busy` is the error for EBUSY/ETIMEDOUT.
    fn after_lock(&self, code: i32, busy: AcquireError) -> Result<Acquired, AcquireError> {
        match code {
            0 => Ok(self.tag_as_held()),
            libc::EOWNERDEAD => {
                // The holder died: we hold the lock now. Make it usable again at once;
                // the guard tells the caller, who decides about the data.
                // SAFETY: the mutex is initialized and held by this thread.
                let code = unsafe { libc::pthread_mutex_consistent(self.mutex.get()) };
                if code != 0 {
                    // SAFETY: as above; unlocking an inconsistent mutex makes it
                    // unrecoverable, which is what the error then says.
                    unsafe { libc::pthread_mutex_unlock(self.mutex.get()) };
                    return Err(AcquireError::Os {
                        operation: "pthread_mutex_consistent",
                        errno: code,
                    });
                }
                self.owner.store(process::thread_tag(), Ordering::Relaxed);
                Ok(Acquired { owner_died: true })
            }
            libc::EBUSY | libc::ETIMEDOUT => Err(busy),
            libc::EDEADLK => Err(AcquireError::Deadlock),
            libc::ENOTRECOVERABLE => Err(AcquireError::NotRecoverable),
            errno => Err(AcquireError::Os {
                operation: "pthread_mutex_lock",
                errno,
            }),
        }
    }
}

#[cfg(target_env = "gnu")]
unsafe extern "C" {
    /// glibc ≥ 2.30 (not in the `libc` crate yet).
    fn pthread_mutex_clocklock(
        mutex: *mut libc::pthread_mutex_t,
        clock: libc::clockid_t,
        abstime: *const libc::timespec,
    ) -> libc::c_int;
}

/// The time `left` after now on `clock`; `None` if it cannot be represented (wait
/// without a limit).
fn clock_after(clock: libc::clockid_t, left: Duration) -> Option<libc::timespec> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec to write; the clocks used always exist.
    unsafe { libc::clock_gettime(clock, &mut now) };
    let secs = libc::time_t::try_from(left.as_secs()).ok()?;
    // Below 10^9: fits every platform's c_long.
    let mut nanos = now.tv_nsec + left.subsec_nanos() as libc::c_long;
    let mut sec = now.tv_sec.checked_add(secs)?;
    if nanos >= 1_000_000_000 {
        nanos -= 1_000_000_000;
        sec = sec.checked_add(1)?;
    }
    Some(libc::timespec {
        tv_sec: sec,
        tv_nsec: nanos,
    })
}

fn check(code: i32) -> Result<(), i32> {
    if code == 0 { Ok(()) } else { Err(code) }
}

/// Initializes a process-shared, robust, error-checking pthread mutex in place
/// (relocking by the holder is EDEADLK and unlocking by anyone else is EPERM, never
/// undefined), priority-inheriting if asked for. An error is an errno.
///
/// # Safety
///
/// `mutex` points to valid, aligned memory for a pthread mutex that no other thread
/// or process uses before this returns.
pub(crate) unsafe fn init_robust(
    mutex: *mut libc::pthread_mutex_t,
    priority_inheritance: bool,
) -> Result<(), i32> {
    let mut attr = std::mem::MaybeUninit::<libc::pthread_mutexattr_t>::uninit();
    // SAFETY: `attr` is initialized by pthread_mutexattr_init before any other use and
    // destroyed before it goes out of scope; `mutex` is valid memory that nobody else
    // uses yet (the caller's contract).
    unsafe {
        check(libc::pthread_mutexattr_init(attr.as_mut_ptr()))?;
        let attr = attr.as_mut_ptr();
        let result = (|| {
            check(libc::pthread_mutexattr_setpshared(
                attr,
                libc::PTHREAD_PROCESS_SHARED,
            ))?;
            check(libc::pthread_mutexattr_setrobust(
                attr,
                libc::PTHREAD_MUTEX_ROBUST,
            ))?;
            check(libc::pthread_mutexattr_settype(
                attr,
                libc::PTHREAD_MUTEX_ERRORCHECK,
            ))?;
            if priority_inheritance {
                check(libc::pthread_mutexattr_setprotocol(
                    attr,
                    libc::PTHREAD_PRIO_INHERIT,
                ))?;
            }
            check(libc::pthread_mutex_init(mutex, attr))
        })();
        libc::pthread_mutexattr_destroy(attr);
        result
    }
}

/// A bare process-shared robust pthread mutex and a counter, used the way C code uses
/// one (lock, check for EOWNERDEAD, unlock; no spinning, no owner word): the baseline
/// of `threadkit bench`. Holds never outlive a call, so no handle is dropped while a
/// thread of its process holds the mutex.
#[repr(C)]
pub(crate) struct PthreadCell {
    mutex: UnsafeCell<libc::pthread_mutex_t>,
    counter: UnsafeCell<u64>,
}

impl PthreadCell {
    /// Initializes the mutex (robust, process-shared, normal type).
    ///
    /// # Safety
    ///
    /// As for [`RobustMutex::init`].
    pub(crate) unsafe fn init(&self) -> Result<(), i32> {
        let mut attr = std::mem::MaybeUninit::<libc::pthread_mutexattr_t>::uninit();
        // SAFETY: as in RobustMutex::init.
        unsafe {
            check(libc::pthread_mutexattr_init(attr.as_mut_ptr()))?;
            let attr = attr.as_mut_ptr();
            let result = (|| {
                check(libc::pthread_mutexattr_setpshared(
                    attr,
                    libc::PTHREAD_PROCESS_SHARED,
                ))?;
                check(libc::pthread_mutexattr_setrobust(
                    attr,
                    libc::PTHREAD_MUTEX_ROBUST,
                ))?;
                check(libc::pthread_mutex_init(self.mutex.get(), attr))
            })();
            libc::pthread_mutexattr_destroy(attr);
            result
        }
    }

    /// Locks, adds `delta` to the counter (wrapping), unlocks; returns the counter's
    /// new value.
    #[inline]
    pub(crate) fn add(&self, delta: u64) -> Result<u64, AcquireError> {
        // SAFETY: the mutex is initialized and mapped while `self` is borrowed.
        match unsafe { libc::pthread_mutex_lock(self.mutex.get()) } {
            0 => {}
            libc::EOWNERDEAD => {
                // SAFETY: this thread holds the mutex.
                unsafe { libc::pthread_mutex_consistent(self.mutex.get()) };
            }
            libc::ENOTRECOVERABLE => return Err(AcquireError::NotRecoverable),
            errno => {
                return Err(AcquireError::Os {
                    operation: "pthread_mutex_lock",
                    errno,
                });
            }
        }
        // SAFETY: this thread holds the mutex, which guards the counter; then it
        // unlocks what it holds.
        unsafe {
            let counter = self.counter.get();
            *counter = (*counter).wrapping_add(delta);
            let value = *counter;
            libc::pthread_mutex_unlock(self.mutex.get());
            Ok(value)
        }
    }
}

// SAFETY: the data (the counter) is only touched while holding the process-shared
// mutex, which serializes threads of all processes.
unsafe impl Sync for PthreadCell {}
// SAFETY: a robust mutex is shared between threads by design; the data it protects is
// only accessed through guards that are not Send, under the mutex.
unsafe impl Sync for RobustMutex {}
