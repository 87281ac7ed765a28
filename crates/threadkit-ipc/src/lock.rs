//! [`Lock`]: a named lock shared between processes, robust to its holder's death.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::time::{Duration, Instant};

use crate::error::{AcquireError, Kind, OpenError, ReleaseError};
use crate::name::Name;
use crate::options::Options;
use crate::sys::layout::LockBody;
use crate::sys::lock::{BodyGuard, LockHandle};
use crate::sys::shm::Shared;

/// Data that can live in shared memory and be protected by a [`Lock`]: `Copy`, with no
/// pointers or references, and valid for every bit pattern — so that what another
/// process wrote, or half-wrote before it died, is always a valid value. Integers,
/// floats, arrays of them, and structs deriving `bytemuck::AnyBitPattern` qualify.
///
/// Its alignment may be at most 64 bytes (the size of the object's header, after
/// which the data lives in a page-aligned mapping):
///
/// ```
/// #[derive(Clone, Copy)]
/// #[repr(C, align(64))]
/// struct Line([u8; 64]);
/// // SAFETY: a byte array: every bit pattern, zero included, is a valid value.
/// unsafe impl bytemuck::Zeroable for Line {}
/// // SAFETY: as above.
/// unsafe impl bytemuck::AnyBitPattern for Line {}
///
/// let name = format!("doc-line-{}", std::process::id());
/// let lock = threadkit_ipc::Lock::create(&name, Line([7; 64]))?;
/// assert_eq!(lock.acquire()?.0[63], 7);
/// threadkit_ipc::Lock::<Line>::unlink(&name)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// A `Lock` of more strictly aligned data does not compile, whatever it is used for —
/// creating, opening or unlinking (which also maps the object, to check its kind):
///
/// ```compile_fail,E0080
/// #[derive(Clone, Copy)]
/// #[repr(C, align(128))]
/// struct Wide([u8; 128]);
/// // SAFETY: a byte array: every bit pattern, zero included, is a valid value.
/// unsafe impl bytemuck::Zeroable for Wide {}
/// // SAFETY: as above.
/// unsafe impl bytemuck::AnyBitPattern for Wide {}
///
/// let _ = threadkit_ipc::Lock::<Wide>::open("doc-wide");
/// ```
///
/// ```compile_fail,E0080
/// #[derive(Clone, Copy)]
/// #[repr(C, align(128))]
/// struct Wide([u8; 128]);
/// // SAFETY: a byte array: every bit pattern, zero included, is a valid value.
/// unsafe impl bytemuck::Zeroable for Wide {}
/// // SAFETY: as above.
/// unsafe impl bytemuck::AnyBitPattern for Wide {}
///
/// let _ = threadkit_ipc::Lock::<Wide>::unlink("doc-wide");
/// ```
pub trait Shareable: bytemuck::AnyBitPattern + Send {}

impl<T: bytemuck::AnyBitPattern + Send> Shareable for T {}

/// A mutual-exclusion lock shared by name between processes: `threading.Lock` for
/// processes, and when it protects data (`Lock<u64>`, `Lock<[u8; 64]>`, …), a
/// `Mutex<T>` whose data lives in shared memory.
///
/// Any process that knows the name can [`open`](Self::open) it; one
/// [`create`](Self::create)s it first (or everyone calls
/// [`open_or_create`](Self::open_or_create)). `acquire()` blocks until the lock is free
/// and returns a guard that releases it when dropped; `try_acquire()`,
/// `acquire_timeout()` and `acquire_deadline()` give up instead of blocking forever.
///
/// **The lock survives its holder's death.** If the thread holding it dies — its
/// process killed with `SIGKILL`, crashed, or the thread exited — the next acquirer
/// gets the lock, and its guard's [`owner_died`](LockGuard::owner_died) says so: the
/// dead holder may have left the data half-updated, and the new holder decides whether
/// it is consistent (and repairs it if needed). The lock itself is usable again at
/// once. A waiter learns of a thread that ended at once (the ending thread wakes it),
/// and of a process that died within 50 ms at most (it looks at the holder whenever it
/// wakes, and while it waits it wakes after 1 ms, 2 ms, 4 ms… and then every 50 ms).
///
/// How: the lock is a word of its own in the shared memory — uncontended, acquiring
/// and releasing it are one atomic compare-exchange each, as for an in-process lock;
/// contended, a waiter spins briefly, then sleeps on the word (a shared futex). Each
/// thread that uses the lock holds, for as long as it uses it, a robust pthread mutex
/// of its own in a table in the lock's shared memory (a *liveness slot*), and the word
/// names the holder's slot; when a thread dies, the kernel releases its robust
/// mutexes, so a waiter that finds the holder's slot mutex released knows, exactly,
/// that the holder is gone. No process ids are involved, so neither pid reuse nor pid
/// namespaces can mislead it. The table has [`MAX_LOCK_THREADS`](crate::MAX_LOCK_THREADS)
/// slots: that many threads, of all processes, can use one lock at once (a thread's
/// slot is freed when it ends, or when it drops its handle while not holding the lock;
/// a dead process's slots are taken back by the next thread that needs one). One more
/// is refused with [`AcquireError::TooManyThreads`].
///
/// With [priority inheritance](Options::priority_inheritance) the lock is instead a
/// process-shared robust priority-inheriting pthread mutex (`PTHREAD_PRIO_INHERIT`),
/// on which the kernel boosts the holder: one C library call per acquisition and
/// release, no thread table and no limit on threads; the kernel hands a dead holder's
/// lock to a waiter directly.
///
/// # Differences from Python's threading
///
/// * The lock belongs to the thread that acquired it: only that thread may release it
///   ([`ReleaseError::NotOwner`] otherwise), and acquiring it again from that thread is
///   [`AcquireError::Deadlock`] instead of a hang. Guards are not `Send`.
/// * Python's `multiprocessing.Lock` is an ownerless POSIX semaphore that stays locked
///   forever if its holder dies (cpython#88304); this one is recovered.
/// * `acquire(blocking, timeout)` is spelled `acquire`, `try_acquire`,
///   `acquire_timeout(Duration)`, `acquire_deadline(Instant)`; a timeout too large for
///   the clock waits forever.
/// * For Python's pairing of `acquire()` and `release()`, detach the guard
///   ([`LockGuard::detach`]) and call [`Lock::release`] later, from the same thread.
///
/// # Memory ordering
///
/// Everything a holder did before releasing the lock, in any process, happens-before
/// everything the next holder does after acquiring it.
///
/// # Errors
///
/// Creating and opening fail with [`OpenError`] (bad names, a name of another kind, a
/// data type of another size, permissions…); acquiring with [`AcquireError`] (among
/// others [`AcquireError::TooManyThreads`], above).
///
/// # Examples
///
/// ```
/// use threadkit_ipc::Lock;
///
/// let name = format!("doc-lock-{}", std::process::id());
/// let lock = Lock::create(&name, 0u64)?; // a counter in shared memory
/// // Another process would call `Lock::<u64>::open(&name)`.
/// let other = Lock::<u64>::open(&name)?;
/// {
///     let mut counter = lock.acquire()?;
///     assert!(!counter.owner_died());
///     *counter += 1;
///     assert!(other.try_acquire().is_err()); // held
/// }
/// assert_eq!(*other.acquire()?, 1);
/// Lock::<u64>::unlink(&name)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Lock<T: Shareable = ()> {
    handle: LockHandle<T>,
}

impl<T: Shareable> Lock<T> {
    /// Creates the lock `name`, unlocked, protecting `value`, with the default
    /// [`Options`] (mode `0o600`, no priority inheritance).
    ///
    /// # Errors
    ///
    /// [`OpenError::AlreadyExists`] if the name is taken, [`OpenError::InvalidName`],
    /// and system failures.
    pub fn create(name: &str, value: T) -> Result<Self, OpenError> {
        Self::create_with(name, value, Options::new())
    }

    /// Creates the lock `name` with `options`.
    ///
    /// # Errors
    ///
    /// As [`create`](Self::create), and [`OpenError::InvalidMode`].
    pub fn create_with(name: &str, value: T, options: Options) -> Result<Self, OpenError> {
        let name = Name::new(name)?;
        Shared::create(
            &name,
            Kind::Lock,
            &options,
            (options.priority_inheritance, value),
        )
        .and_then(Self::from_shared)
    }

    /// Opens the existing lock `name`.
    ///
    /// # Errors
    ///
    /// [`OpenError::NotFound`]; [`OpenError::WrongKind`] if the name holds another
    /// kind of object; [`OpenError::DataLayout`] if its data is not a `T`;
    /// [`OpenError::ForeignOwner`] if it belongs to another user;
    /// [`OpenError::NotThreadkit`], [`OpenError::IncompatibleVersion`],
    /// [`OpenError::PermissionDenied`], [`OpenError::InvalidName`]…
    pub fn open(name: &str) -> Result<Self, OpenError> {
        Self::open_with(name, Options::new())
    }

    /// Opens the existing lock `name` with `options` (which may
    /// [allow another user's object](Options::allow_foreign_owner)).
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open).
    pub fn open_with(name: &str, options: Options) -> Result<Self, OpenError> {
        let name = Name::new(name)?;
        Shared::open(&name, Kind::Lock, &options).and_then(Self::from_shared)
    }

    /// Opens the lock `name`, creating it (protecting `value`) if it does not exist.
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open) and [`create`](Self::create).
    pub fn open_or_create(name: &str, value: T) -> Result<Self, OpenError> {
        Self::open_or_create_with(name, value, Options::new())
    }

    /// Opens the lock `name`, creating it with `options` if it does not exist.
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open) and [`create_with`](Self::create_with).
    pub fn open_or_create_with(name: &str, value: T, options: Options) -> Result<Self, OpenError> {
        let name = Name::new(name)?;
        Shared::open_or_create(
            &name,
            Kind::Lock,
            &options,
            (options.priority_inheritance, value),
        )
        .and_then(|(shared, _created)| Self::from_shared(shared))
    }

    /// Removes the name `name` (which must be a lock protecting a `T`). Processes that
    /// have the lock open keep sharing it — it still works for them, and its memory
    /// is freed when the last one closes it — but `open` no longer finds it, and
    /// `create` makes a new, separate lock.
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open): nothing is removed unless the name holds a lock of
    /// this data type.
    pub fn unlink(name: &str) -> Result<(), OpenError> {
        let name = Name::new(name)?;
        Shared::<LockBody<T>>::unlink(&name, Kind::Lock)
    }

    fn from_shared(shared: Shared<LockBody<T>>) -> Result<Self, OpenError> {
        LockHandle::new(shared).map(|handle| Self { handle })
    }

    /// Acquires the lock, blocking until it is free.
    ///
    /// # Errors
    ///
    /// [`AcquireError::Deadlock`] if this thread holds it already (through any handle);
    /// [`AcquireError::TooManyThreads`] the first time a thread uses the handle, if
    /// [`MAX_LOCK_THREADS`](crate::MAX_LOCK_THREADS) live threads use the lock already;
    /// with priority inheritance, [`AcquireError::NotRecoverable`] if C code sharing
    /// the lock left it unusable.
    #[inline]
    pub fn acquire(&self) -> Result<LockGuard<'_, T>, AcquireError> {
        self.handle.lock(None).map(LockGuard::new)
    }

    /// Acquires the lock if it is free right now.
    ///
    /// # Errors
    ///
    /// [`AcquireError::WouldBlock`] if it is held; otherwise as [`acquire`](Self::acquire).
    #[inline]
    pub fn try_acquire(&self) -> Result<LockGuard<'_, T>, AcquireError> {
        self.handle.try_lock().map(LockGuard::new)
    }

    /// Acquires the lock, waiting at most `timeout`.
    ///
    /// # Errors
    ///
    /// [`AcquireError::Timeout`]; otherwise as [`acquire`](Self::acquire).
    #[inline]
    pub fn acquire_timeout(&self, timeout: Duration) -> Result<LockGuard<'_, T>, AcquireError> {
        let deadline = crate::time::deadline_after(timeout);
        self.handle.lock(deadline).map(LockGuard::new)
    }

    /// Acquires the lock, waiting until `deadline` at the latest.
    ///
    /// # Errors
    ///
    /// [`AcquireError::Timeout`]; otherwise as [`acquire`](Self::acquire).
    #[inline]
    pub fn acquire_deadline(&self, deadline: Instant) -> Result<LockGuard<'_, T>, AcquireError> {
        self.handle.lock(Some(deadline)).map(LockGuard::new)
    }

    /// Whether the lock is held, by any thread of any process. A momentary snapshot;
    /// a lock whose holder died reads as held until someone acquires it again.
    pub fn is_locked(&self) -> bool {
        self.handle.is_locked()
    }

    /// The lock's name (without a leading `/`).
    pub fn name(&self) -> &str {
        self.handle.name()
    }

    /// The engine, for the test hooks.
    pub(crate) fn handle(&self) -> &LockHandle<T> {
        &self.handle
    }
}

impl Lock<()> {
    /// Acquires the lock without a guard, for Python-style code that releases it later
    /// with [`release`](Self::release), from this thread: what `acquire()?.detach()`
    /// does, with one compare-exchange on the fast path. If the thread ends without
    /// releasing it, the next acquirer is told the owner died.
    ///
    /// # Errors
    ///
    /// As [`acquire`](Self::acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// let name = format!("doc-detached-{}", std::process::id());
    /// let lock = threadkit_ipc::Lock::create(&name, ())?;
    /// let held = lock.acquire_detached()?;
    /// assert!(!held.owner_died());
    /// assert!(lock.try_acquire_detached().is_err()); // this thread holds it already
    /// lock.release()?;
    /// threadkit_ipc::Lock::<()>::unlink(&name)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn acquire_detached(&self) -> Result<Detached, AcquireError> {
        self.handle.lock_detached(None).map(Detached::new)
    }

    /// Acquires the lock without a guard if it is free right now (or its holder died).
    ///
    /// # Errors
    ///
    /// As [`try_acquire`](Self::try_acquire).
    #[inline]
    pub fn try_acquire_detached(&self) -> Result<Detached, AcquireError> {
        self.handle.try_lock_detached().map(Detached::new)
    }

    /// Acquires the lock without a guard, waiting until `deadline` at the latest.
    ///
    /// # Errors
    ///
    /// As [`acquire_deadline`](Self::acquire_deadline).
    #[inline]
    pub fn acquire_detached_deadline(&self, deadline: Instant) -> Result<Detached, AcquireError> {
        self.handle.lock_detached(Some(deadline)).map(Detached::new)
    }

    /// Releases the lock held by this thread without a guard (after
    /// [`acquire_detached`](Self::acquire_detached) or [`LockGuard::detach`]):
    /// Python's `Lock.release()`.
    ///
    /// Only `Lock<()>` has this: a lock protecting data is released by dropping its
    /// guard.
    ///
    /// # Errors
    ///
    /// [`ReleaseError::NotLocked`] if the lock is not held,
    /// [`ReleaseError::NotOwner`] if another thread (here or in another process) holds
    /// it, [`ReleaseError::HeldByGuard`] if this thread holds it through a live guard.
    /// Nothing changes. (A hold taken through another handle of the same lock, in this
    /// thread, may be released through this one.)
    ///
    /// # Examples
    ///
    /// ```
    /// use threadkit_ipc::{Lock, ReleaseError};
    ///
    /// let name = format!("doc-release-{}", std::process::id());
    /// let lock = Lock::create(&name, ())?;
    /// lock.acquire()?.detach();
    /// assert!(lock.is_locked());
    /// lock.release()?;
    /// assert_eq!(lock.release(), Err(ReleaseError::NotLocked));
    /// Lock::<()>::unlink(&name)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn release(&self) -> Result<(), ReleaseError> {
        self.handle.release_detached()
    }
}

impl<T: Shareable> fmt::Debug for Lock<T> {
    /// Never blocks, and never reads the data (that would need the lock).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("name", &self.name())
            .field("locked", &self.is_locked())
            .finish()
    }
}

/// A hold of a [`Lock`] taken without a guard ([`Lock::acquire_detached`]); it lasts
/// until [`Lock::release`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "says whether the previous holder died holding the lock"]
pub struct Detached {
    owner_died: bool,
}

impl Detached {
    fn new(owner_died: bool) -> Self {
        Self { owner_died }
    }

    /// Whether the previous holder died holding the lock (as
    /// [`LockGuard::owner_died`]).
    pub fn owner_died(&self) -> bool {
        self.owner_died
    }
}

/// Access to a [`Lock`]'s data; the lock is released when the guard is dropped.
///
/// In the child of a `fork`, a copy of a guard that existed when the process forked
/// is not a hold: the lock is held by the parent's thread. Dropping (or detaching)
/// the copy does nothing — it neither releases the parent's hold nor changes what
/// the lock records — and the data must not be used through it.
///
/// A guard stays on the thread that acquired the lock (it is not `Send`):
///
/// ```compile_fail
/// fn send<T: Send>(_: T) {}
/// let lock = threadkit_ipc::Lock::create("doc-guard-not-send", 0u8).unwrap();
/// send(lock.acquire().unwrap());
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a, T: Shareable> {
    inner: BodyGuard<'a, T>,
}

impl<'a, T: Shareable> LockGuard<'a, T> {
    #[inline]
    fn new(inner: BodyGuard<'a, T>) -> Self {
        Self { inner }
    }

    /// Whether the previous holder died holding the lock (its process was killed or
    /// crashed, or its thread exited). The data may be half-updated: check it, and
    /// repair it if needed. The lock itself is consistent again; if this holder dies
    /// too, the next acquirer is told in turn.
    pub fn owner_died(&self) -> bool {
        self.inner.owner_died()
    }
}

impl LockGuard<'_, ()> {
    /// Drops the guard but keeps the lock held, for Python-style code that releases it
    /// later with [`Lock::release`] (from this same thread). If the thread ends
    /// without releasing it, the next acquirer is told the owner died.
    pub fn detach(self) {
        self.inner.detach();
    }
}

impl<T: Shareable> Deref for LockGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: Shareable> DerefMut for LockGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: Shareable + fmt::Debug> fmt::Debug for LockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockGuard")
            .field("data", &**self)
            .field("owner_died", &self.owner_died())
            .finish()
    }
}
