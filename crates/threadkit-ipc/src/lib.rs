//! threadkit across processes: named [`Lock`], [`Semaphore`], [`BoundedSemaphore`] and
//! [`Event`] in shared memory, that survive the death of a process holding them.
//!
//! Python's `multiprocessing` locks are ownerless POSIX semaphores: kill the holder
//! and the lock stays held forever (cpython#88304). Here a dead holder's lock is
//! handed to the next acquirer, with a flag saying what happened, and a dead
//! process's semaphore permits come back.
//!
//! | threadkit-ipc | Python | across a holder's death |
//! |---|---|---|
//! | [`Lock<T>`] | `multiprocessing.Lock` (and a `Value` under it) | the next acquirer gets the lock and [`LockGuard::owner_died`] |
//! | [`Semaphore`], [`BoundedSemaphore`] | `multiprocessing.Semaphore`, `BoundedSemaphore` | leased permits return to the count |
//! | [`Event`] | `multiprocessing.Event` | nothing to recover: it has no holder |
//! | [`baseline::PthreadMutex`] | — | a bare robust pthread mutex, for benchmarks |
//!
//! # Concepts
//!
//! * **Names.** Every object lives in POSIX shared memory under a name (`/dev/shm/NAME`
//!   on Linux): an optional leading `/`, then up to [`MAX_NAME_LEN`] bytes without `/`.
//!   `create` makes a new object (and fails if the name is taken), `open` finds an
//!   existing one, `open_or_create` does either, and `unlink` removes the name (the
//!   object lives on for the processes that have it open). Objects are created with
//!   mode `0o600` unless [`Options`] say otherwise, and opened only if they belong to
//!   this process's effective user (else [`OpenError::ForeignOwner`]) unless
//!   [`Options::allow_foreign_owner`] says otherwise: whoever makes an object controls
//!   what it says.
//! * **Checked layouts.** Each object starts with a header — magic number, layout
//!   version, binary-layout tag, kind, and for a lock the size and alignment of its
//!   data — so opening a name of another kind, of another version, or not made by
//!   threadkit-ipc is an [`OpenError`], never undefined behaviour.
//! * **Owner death.** A [`Lock`] is a lock word of its own in shared memory (one atomic
//!   compare-exchange to acquire, one to release), whose users each hold a robust
//!   pthread mutex in a table beside it for as long as they use it: the kernel
//!   releases those when a thread dies, so a waiter finds out, exactly, that the
//!   holder is gone, takes the lock and is told ([`LockGuard::owner_died`]), then
//!   decides whether the protected data is consistent. (With priority inheritance the
//!   lock is a robust priority-inheriting pthread mutex.) A semaphore's permits taken
//!   through a [`SemaphorePermit`] are leases recorded per process and recovered when
//!   the process is found dead.
//! * **The API shape of threadkit**: `acquire` → guard, `try_acquire`,
//!   `acquire_timeout(Duration)`, `acquire_deadline(Instant)`, `release`; `set`, `clear`,
//!   `is_set`, `wait`, `wait_timeout`. Operations that can fail return `Result`s
//!   ([`AcquireError`], [`ReleaseError`], [`OpenError`]); misuse never panics.
//! * **Data in shared memory.** A `Lock<T>` protects a `T` that lives in the mapping
//!   ([`Shareable`]: plain data valid for every bit pattern, such as integers, arrays,
//!   and `#[derive(bytemuck::AnyBitPattern)]` structs).
//!
//! # Differences from Python's threading
//!
//! Each type's docs list them; in short: a cross-process lock belongs to the thread
//! that acquired it (re-acquiring is [`AcquireError::Deadlock`], releasing another
//! thread's lock is [`ReleaseError::NotOwner`]), and holders' deaths are recovered.
//!
//! # Platforms
//!
//! Linux (glibc or musl). The implementation uses Linux's shared futexes and robust
//! mutexes, and for semaphores `/proc`, so on other systems the crate compiles to
//! nothing but these docs. All processes sharing an object must use the same C library
//! and pointer width (checked), and for semaphores be in the same PID namespace (locks
//! need not be).
//!
//! # Cargo features
//!
//! None.
//!
//! # Examples
//!
//! ```
//! # #[cfg(target_os = "linux")] {
//! use threadkit_ipc::Lock;
//!
//! let name = format!("doc-crate-{}", std::process::id());
//! let counter = Lock::open_or_create(&name, 0u64)?;
//! *counter.acquire()? += 1; // under the lock, in whichever process
//! assert_eq!(*counter.acquire()?, 1);
//! Lock::<u64>::unlink(&name)?;
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(unsafe_code)]

#[cfg(target_os = "linux")]
pub mod baseline;
#[cfg(target_os = "linux")]
mod error;
#[cfg(target_os = "linux")]
mod event;
#[cfg(target_os = "linux")]
mod lock;
#[cfg(target_os = "linux")]
mod name;
#[cfg(target_os = "linux")]
mod options;
#[cfg(target_os = "linux")]
mod semaphore;
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
mod sys;
#[cfg(target_os = "linux")]
#[doc(hidden)]
pub mod testing;
#[cfg(target_os = "linux")]
mod time;

#[cfg(target_os = "linux")]
pub use error::{AcquireError, Kind, NameError, OpenError, ReleaseError};
#[cfg(target_os = "linux")]
pub use event::Event;
#[cfg(target_os = "linux")]
pub use lock::{Detached, Lock, LockGuard, Shareable};
#[cfg(target_os = "linux")]
pub use name::{MAX_NAME_LEN, unlink};
#[cfg(target_os = "linux")]
pub use options::Options;
#[cfg(target_os = "linux")]
pub use semaphore::{BoundedSemaphore, MAX_HOLDERS, MAX_PERMITS, Semaphore, SemaphorePermit};
#[cfg(target_os = "linux")]
pub use sys::slots::MAX_LOCK_THREADS;
