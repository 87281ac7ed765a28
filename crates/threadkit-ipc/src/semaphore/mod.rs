//! [`Semaphore`] and [`BoundedSemaphore`]: named counting semaphores shared between
//! processes, whose permits come back when a process holding them dies.

mod engine;

use std::fmt;
use std::time::{Duration, Instant};

use engine::{Local, Wait};

use crate::error::{AcquireError, Kind, OpenError, ReleaseError};
use crate::name::Name;
use crate::options::Options;
use crate::sys::layout::{SemaphoreBody, SemaphoreInit};
use crate::sys::process;
use crate::sys::shm::Shared;

/// The largest number of permits a semaphore can count.
pub const MAX_PERMITS: usize = u32::MAX as usize;

pub use crate::sys::layout::MAX_HOLDERS;

/// A counting semaphore shared by name between processes: `threading.Semaphore` (and
/// `multiprocessing.Semaphore`), whose permits are not lost when a process holding
/// them dies.
///
/// It holds a number of permits. [`acquire`](Self::acquire) takes one, blocking while
/// there are none, and returns a [`SemaphorePermit`] that gives it back when dropped;
/// [`release`](Self::release) adds permits explicitly (Python's `release(n)`).
///
/// **Permits held by a dead process are recovered.** A permit taken through a
/// [`SemaphorePermit`] is a *lease*: the semaphore records, in a table in shared
/// memory, how many permits each process holds (at most [`MAX_HOLDERS`] processes at
/// once). When a process dies holding leases — killed, crashed, or exited without
/// dropping its permits — they return to the count as soon as another process looks:
/// when it finds no permit free (and then every 100 ms while it waits), or calls
/// [`recover`](Self::recover). A process is dead when its pid is gone, it is a zombie,
/// or its pid now names a process with another start time. Permits turned into plain
/// counts by [`SemaphorePermit::forget`] (Python's `acquire()` without `with`) are not
/// leases: like `multiprocessing`'s, they come back only by `release`, from any
/// process — a consumer that dies keeps the items it took. A guard turned into
/// [`SemaphorePermit::keep_lease`] stays a lease without a guard, given back by
/// [`return_lease`](Self::return_lease) (how Python's `with` block holds its permit).
///
/// Every operation takes the semaphore's internal robust mutex for a moment, since the
/// count and the lease records change together; if a process dies in the middle of an
/// update, the next one undoes it.
///
/// # Differences from Python's threading
///
/// * `acquire(blocking=False)` is [`try_acquire`](Self::try_acquire);
///   `acquire(timeout=t)` is [`acquire_timeout`](Self::acquire_timeout).
/// * Permits are leases, recovered on a holder's death (above); Python's are counts.
/// * All processes sharing a semaphore must be in the same PID namespace (the lease
///   records name processes by pid).
///
/// # Memory ordering
///
/// A release (or a permit's drop) happens-before the acquisition that takes the
/// permit it gave back, in whatever process.
///
/// # Errors
///
/// Creating and opening fail with [`OpenError`]; acquiring with [`AcquireError`]
/// ([`AcquireError::TooManyHolders`] when [`MAX_HOLDERS`] live processes already hold
/// leases); releasing with [`ReleaseError`].
///
/// # Examples
///
/// ```
/// use threadkit_ipc::Semaphore;
///
/// let name = format!("doc-semaphore-{}", std::process::id());
/// let pool = Semaphore::create(&name, 2)?;
/// let a = pool.acquire()?;
/// let b = pool.acquire()?;
/// assert!(pool.try_acquire().is_err()); // both permits are out
/// drop(a);
/// assert_eq!(pool.available_permits(), 1);
///
/// // Python style: keep the permit consumed, release it later (any process may).
/// b.forget();
/// pool.release(1)?;
/// assert_eq!(pool.available_permits(), 2);
/// Semaphore::unlink(&name)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Semaphore {
    inner: Inner,
}

/// A [`Semaphore`] that refuses to be released above its initial value:
/// `threading.BoundedSemaphore` across processes.
///
/// Releasing too often is [`ReleaseError::TooManyReleases`] (Python: `ValueError`) and
/// leaves the count unchanged. Leases of dead processes are recovered as for
/// [`Semaphore`], never above the bound.
///
/// # Examples
///
/// ```
/// use threadkit_ipc::{BoundedSemaphore, ReleaseError};
///
/// let name = format!("doc-bounded-{}", std::process::id());
/// let slots = BoundedSemaphore::create(&name, 3)?;
/// let permit = slots.acquire()?;
/// assert_eq!(slots.release(2), Err(ReleaseError::TooManyReleases));
/// assert_eq!(slots.available_permits(), 2); // unchanged
/// drop(permit);
/// assert_eq!(slots.available_permits(), 3);
/// assert_eq!(slots.bound(), 3);
/// BoundedSemaphore::unlink(&name)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct BoundedSemaphore {
    inner: Inner,
}

/// What both kinds share.
struct Inner {
    shared: Shared<SemaphoreBody>,
    local: Local,
    bounded: bool,
}

impl Inner {
    fn kind(bounded: bool) -> Kind {
        if bounded {
            Kind::BoundedSemaphore
        } else {
            Kind::Semaphore
        }
    }

    fn init(permits: usize, bounded: bool) -> SemaphoreInit {
        let permits = permits.min(MAX_PERMITS) as u64;
        SemaphoreInit {
            permits,
            bound: if bounded { permits } else { MAX_PERMITS as u64 },
        }
    }

    fn wrap(shared: Shared<SemaphoreBody>, bounded: bool) -> Self {
        Self {
            shared,
            local: Local::default(),
            bounded,
        }
    }

    fn create(
        name: &str,
        permits: usize,
        options: Options,
        bounded: bool,
    ) -> Result<Self, OpenError> {
        let name = Name::new(name)?;
        let init = Self::init(permits, bounded);
        Shared::create(&name, Self::kind(bounded), &options, init)
            .map(|shared| Self::wrap(shared, bounded))
    }

    fn open(name: &str, options: Options, bounded: bool) -> Result<Self, OpenError> {
        let name = Name::new(name)?;
        Shared::open(&name, Self::kind(bounded), &options).map(|shared| Self::wrap(shared, bounded))
    }

    fn open_or_create(
        name: &str,
        permits: usize,
        options: Options,
        bounded: bool,
    ) -> Result<Self, OpenError> {
        let name = Name::new(name)?;
        let init = Self::init(permits, bounded);
        Shared::open_or_create(&name, Self::kind(bounded), &options, init)
            .map(|(shared, _created)| Self::wrap(shared, bounded))
    }

    fn unlink(name: &str, bounded: bool) -> Result<(), OpenError> {
        let name = Name::new(name)?;
        Shared::<SemaphoreBody>::unlink(&name, Self::kind(bounded))
    }

    fn take(&self, wait: Wait) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.shared
            .body()
            .take(&self.local, wait)
            .map(|()| SemaphorePermit {
                inner: self,
                generation: process::fork_generation(),
            })
    }

    fn release(&self, n: usize) -> Result<(), ReleaseError> {
        let n = u64::try_from(n).map_err(|_| ReleaseError::Overflow)?;
        self.shared.body().add(n, self.bounded)
    }

    fn available_permits(&self) -> usize {
        let available = self
            .shared
            .body()
            .available
            .load(std::sync::atomic::Ordering::Relaxed);
        usize::try_from(available).unwrap_or(MAX_PERMITS)
    }

    fn recover(&self) -> Result<usize, AcquireError> {
        self.shared
            .body()
            .recover()
            .map(|n| usize::try_from(n).unwrap_or(MAX_PERMITS))
    }

    fn bound(&self) -> usize {
        let bound = self
            .shared
            .body()
            .bound
            .load(std::sync::atomic::Ordering::Relaxed);
        usize::try_from(bound).unwrap_or(MAX_PERMITS)
    }

    fn fmt(&self, f: &mut fmt::Formatter<'_>, type_name: &str) -> fmt::Result {
        let mut d = f.debug_struct(type_name);
        d.field("name", &self.shared.name())
            .field("available_permits", &self.available_permits());
        if self.bounded {
            d.field("bound", &self.bound());
        }
        d.finish()
    }
}

macro_rules! semaphore_api {
    ($type:ident, $bounded:expr, $what:literal) => {
        impl $type {
            #[doc = concat!("Creates the ", $what, " `name` with `permits` permits (capped at [`MAX_PERMITS`]) and the default [`Options`] (mode `0o600`).")]
            ///
            /// # Errors
            ///
            /// [`OpenError::AlreadyExists`] if the name is taken,
            /// [`OpenError::InvalidName`], and system failures.
            pub fn create(name: &str, permits: usize) -> Result<Self, OpenError> {
                Self::create_with(name, permits, Options::new())
            }

            #[doc = concat!("Creates the ", $what, " `name` with `options`.")]
            ///
            /// # Errors
            ///
            /// As `create`, and [`OpenError::InvalidMode`].
            pub fn create_with(
                name: &str,
                permits: usize,
                options: Options,
            ) -> Result<Self, OpenError> {
                Inner::create(name, permits, options, $bounded).map(|inner| Self { inner })
            }

            #[doc = concat!("Opens the existing ", $what, " `name`.")]
            ///
            /// # Errors
            ///
            /// [`OpenError::NotFound`]; [`OpenError::WrongKind`] if the name holds
            /// another kind of object (a plain and a bounded semaphore are different
            /// kinds); [`OpenError::ForeignOwner`] if it belongs to another user;
            /// [`OpenError::NotThreadkit`], [`OpenError::IncompatibleVersion`],
            /// [`OpenError::PermissionDenied`], [`OpenError::InvalidName`]…
            pub fn open(name: &str) -> Result<Self, OpenError> {
                Self::open_with(name, Options::new())
            }

            #[doc = concat!("Opens the existing ", $what, " `name` with `options` (which may [allow another user's object](Options::allow_foreign_owner)).")]
            ///
            /// # Errors
            ///
            /// As `open`.
            pub fn open_with(name: &str, options: Options) -> Result<Self, OpenError> {
                Inner::open(name, options, $bounded).map(|inner| Self { inner })
            }

            #[doc = concat!("Opens the ", $what, " `name`, creating it with `permits` permits if it does not exist.")]
            ///
            /// # Errors
            ///
            /// As `open` and `create`.
            pub fn open_or_create(name: &str, permits: usize) -> Result<Self, OpenError> {
                Self::open_or_create_with(name, permits, Options::new())
            }

            #[doc = concat!("Opens the ", $what, " `name`, creating it with `permits` permits and `options` if it does not exist.")]
            ///
            /// # Errors
            ///
            /// As `open` and `create_with`.
            pub fn open_or_create_with(
                name: &str,
                permits: usize,
                options: Options,
            ) -> Result<Self, OpenError> {
                Inner::open_or_create(name, permits, options, $bounded).map(|inner| Self { inner })
            }

            #[doc = concat!("Removes the name `name`, which must be a ", $what, ". Processes that have it open keep sharing it; `open` no longer finds it and `create` makes a new one.")]
            ///
            /// # Errors
            ///
            /// As `open`: nothing is removed unless the name holds this kind.
            pub fn unlink(name: &str) -> Result<(), OpenError> {
                Inner::unlink(name, $bounded)
            }

            /// Takes a permit (a lease: see the type's docs), blocking until one is
            /// available.
            ///
            /// # Errors
            ///
            /// [`AcquireError::TooManyHolders`] if [`MAX_HOLDERS`] other live
            /// processes hold or wait for permits.
            pub fn acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
                self.inner.take(Wait::Until(None))
            }

            /// Takes a permit if one is available right now.
            ///
            /// # Errors
            ///
            /// [`AcquireError::WouldBlock`] if none is; as `acquire` otherwise.
            pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
                self.inner.take(Wait::Never)
            }

            /// Takes a permit, waiting at most `timeout`.
            ///
            /// # Errors
            ///
            /// [`AcquireError::Timeout`]; as `acquire` otherwise.
            pub fn acquire_timeout(
                &self,
                timeout: Duration,
            ) -> Result<SemaphorePermit<'_>, AcquireError> {
                self.inner
                    .take(Wait::Until(crate::time::deadline_after(timeout)))
            }

            /// Takes a permit, waiting until `deadline` at the latest.
            ///
            /// # Errors
            ///
            /// [`AcquireError::Timeout`]; as `acquire` otherwise.
            pub fn acquire_deadline(
                &self,
                deadline: Instant,
            ) -> Result<SemaphorePermit<'_>, AcquireError> {
                self.inner.take(Wait::Until(Some(deadline)))
            }

            /// How many permits are available right now. A momentary snapshot (the
            /// leases of a dead process count once recovered).
            pub fn available_permits(&self) -> usize {
                self.inner.available_permits()
            }

            /// Gives the leases of dead processes back now; returns how many permits
            /// came back. (Acquirers that find no permit do this by themselves.)
            ///
            /// # Errors
            ///
            /// [`AcquireError::NotRecoverable`] or [`AcquireError::Os`] if the
            /// semaphore's internal lock fails.
            pub fn recover(&self) -> Result<usize, AcquireError> {
                self.inner.recover()
            }

            /// Gives back one permit leased by this process whose guard was kept with
            /// [`SemaphorePermit::keep_lease`] (Python's `with` block across
            /// `__enter__` and `__exit__`): the lease ends, the permit is available
            /// again.
            ///
            /// # Errors
            ///
            /// [`ReleaseError::NoLease`] if this process holds no lease (nothing
            /// changes); [`ReleaseError::Internal`] if the internal lock fails.
            pub fn return_lease(&self) -> Result<(), ReleaseError> {
                self.inner.shared.body().return_lease(&self.inner.local.hint)
            }

            #[doc = concat!("The ", $what, "'s name (without a leading `/`).")]
            pub fn name(&self) -> &str {
                self.inner.shared.name()
            }
        }

        impl fmt::Debug for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.inner.fmt(f, stringify!($type))
            }
        }
    };
}

semaphore_api!(Semaphore, false, "semaphore");
semaphore_api!(BoundedSemaphore, true, "bounded semaphore");

impl Semaphore {
    /// Threads registered as waiting, in all processes (for tests: see `testing`).
    pub(crate) fn waiters(&self) -> usize {
        let body = self.inner.shared.body();
        body.waiters.load(std::sync::atomic::Ordering::Relaxed) as usize
    }

    /// See `testing::disable_recheck`.
    pub(crate) fn disable_recheck(&self) {
        self.inner.local.disable_recheck();
    }

    /// Adds `n` permits, waking up to `n` waiting threads in any process.
    ///
    /// # Errors
    ///
    /// [`ReleaseError::ZeroCount`] if `n` is 0, [`ReleaseError::Overflow`] if the count
    /// would exceed [`MAX_PERMITS`]; the count is unchanged.
    pub fn release(&self, n: usize) -> Result<(), ReleaseError> {
        self.inner.release(n)
    }
}

impl BoundedSemaphore {
    /// Adds `n` permits, waking up to `n` waiting threads in any process.
    ///
    /// # Errors
    ///
    /// [`ReleaseError::TooManyReleases`] if the count would exceed the initial value,
    /// [`ReleaseError::ZeroCount`] if `n` is 0; the count is unchanged.
    pub fn release(&self, n: usize) -> Result<(), ReleaseError> {
        self.inner.release(n)
    }

    /// The initial value, which releases may not exceed.
    pub fn bound(&self) -> usize {
        self.inner.bound()
    }
}

/// A permit leased from a [`Semaphore`] or [`BoundedSemaphore`]; given back on drop,
/// or when this process dies.
#[must_use = "the permit is given back as soon as it is dropped"]
pub struct SemaphorePermit<'a> {
    inner: &'a Inner,
    /// A permit dropped in the child of a `fork` belongs to the parent: it is left alone.
    generation: u64,
}

impl SemaphorePermit<'_> {
    /// Keeps the permit consumed and no longer a lease of this process: Python-style
    /// code releases it later with `release`, maybe from another process. If this
    /// process dies first, the permit is not recovered.
    pub fn forget(self) {
        if self.generation == process::fork_generation() {
            self.inner
                .shared
                .body()
                .forget_lease(&self.inner.local.hint);
        }
        std::mem::forget(self);
    }
}

impl SemaphorePermit<'_> {
    /// Drops the guard but keeps the permit leased to this process, for code that
    /// gives it back later from this process with `return_lease` (Python's `with`
    /// block, whose `__exit__` is a separate call). If this process dies first, the
    /// permit is recovered like any lease.
    pub fn keep_lease(self) {
        std::mem::forget(self);
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        if self.generation == process::fork_generation() {
            self.inner.shared.body().give_back(&self.inner.local.hint);
        }
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("semaphore", &self.inner.shared.name())
            .finish_non_exhaustive()
    }
}
