//! The errors of threadkit-ipc, one type per operation family.
//!
//! Misuse is an error, never a panic: a bad name, opening an object of another kind or
//! of an incompatible layout, releasing a lock this thread does not hold, releasing a
//! bounded semaphore too often. Names are handed back inside the errors that concern
//! them. Every error is `Clone + PartialEq + Send + Sync`, and OS failures carry the
//! `errno` rather than an `io::Error`.

use std::fmt;

/// The kind of a shared object, recorded in its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// A [`Lock`](crate::Lock).
    Lock,
    /// A [`Semaphore`](crate::Semaphore).
    Semaphore,
    /// A [`BoundedSemaphore`](crate::BoundedSemaphore).
    BoundedSemaphore,
    /// An [`Event`](crate::Event).
    Event,
    /// A [`PthreadMutex`](crate::baseline::PthreadMutex), the benchmarks' baseline.
    PthreadMutex,
}

impl Kind {
    /// The code stored in the header.
    pub(crate) const fn code(self) -> u32 {
        match self {
            Kind::Lock => 1,
            Kind::Semaphore => 2,
            Kind::BoundedSemaphore => 3,
            Kind::Event => 4,
            Kind::PthreadMutex => 5,
        }
    }

    /// The kind stored as `code`, if it is one this build knows.
    pub(crate) const fn from_code(code: u32) -> Option<Kind> {
        match code {
            1 => Some(Kind::Lock),
            2 => Some(Kind::Semaphore),
            3 => Some(Kind::BoundedSemaphore),
            4 => Some(Kind::Event),
            5 => Some(Kind::PthreadMutex),
            _ => None,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Lock => "lock",
            Kind::Semaphore => "semaphore",
            Kind::BoundedSemaphore => "bounded semaphore",
            Kind::Event => "event",
            Kind::PthreadMutex => "pthread mutex",
        })
    }
}

/// Why a name was refused. Names are those of POSIX shared memory: an optional leading
/// `/`, then 1 to [`MAX_NAME_LEN`](crate::MAX_NAME_LEN) bytes with no `/` and no NUL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// Nothing after the optional leading `/`.
    #[error("name is empty")]
    Empty,
    /// Longer than [`MAX_NAME_LEN`](crate::MAX_NAME_LEN) bytes.
    #[error("name is {len} bytes long; at most {max} are allowed")]
    TooLong {
        /// The name's length in bytes (without a leading `/`).
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A `/` after the first byte.
    #[error("name {name:?} contains '/' (only a leading '/' is allowed)")]
    Slash {
        /// The name as given.
        name: String,
    },
    /// A NUL byte.
    #[error("name {name:?} contains a NUL byte")]
    Nul {
        /// The name as given.
        name: String,
    },
    /// `.` or `..`, which the file system reserves.
    #[error("name {name:?} is reserved")]
    Reserved {
        /// The name as given.
        name: String,
    },
}

/// Why creating, opening or unlinking a named object failed. Nothing was created
/// (a failed `create` removes what it had begun).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The name is not valid.
    #[error("invalid name: {0}")]
    InvalidName(#[from] NameError),
    /// The mode has bits other than the permission bits `0o777`.
    #[error("invalid mode {mode:#o}: only permission bits (0o777) are allowed")]
    InvalidMode {
        /// The mode as given.
        mode: u32,
    },
    /// No object has this name (`open`, `unlink`).
    #[error("no shared object named {name:?}")]
    NotFound {
        /// The name.
        name: String,
    },
    /// An object already has this name (`create`).
    #[error("a shared object named {name:?} already exists")]
    AlreadyExists {
        /// The name.
        name: String,
    },
    /// The object's permissions do not let this process open it.
    #[error("permission denied for shared object {name:?}")]
    PermissionDenied {
        /// The name.
        name: String,
    },
    /// The object was not made by threadkit-ipc (its magic number is wrong).
    #[error("shared object {name:?} was not made by threadkit-ipc")]
    NotThreadkit {
        /// The name.
        name: String,
    },
    /// The object was made by a version of threadkit-ipc with another layout.
    #[error(
        "shared object {name:?} has layout version {found}; this build reads version {expected}"
    )]
    IncompatibleVersion {
        /// The name.
        name: String,
        /// The version in the object's header.
        found: u32,
        /// The version this build reads and writes.
        expected: u32,
    },
    /// The object was made by a build with another binary layout (size of the pthread
    /// types, pointer width or C library), which cannot share it.
    #[error("shared object {name:?} was made by a build with another binary layout")]
    IncompatibleAbi {
        /// The name.
        name: String,
    },
    /// The object belongs to another user than this process's effective user
    /// (`open`, `open_or_create`). Whoever created it controls what it says, so it is
    /// refused unless the caller allows it with
    /// [`Options::allow_foreign_owner`](crate::Options::allow_foreign_owner).
    #[error(
        "shared object {name:?} belongs to user {uid}, not to this process's user \
         (see Options::allow_foreign_owner)"
    )]
    ForeignOwner {
        /// The name.
        name: String,
        /// The user id of the object's owner.
        uid: u32,
    },
    /// The object is of another kind (say, an event opened as a lock).
    #[error("shared object {name:?} is a {found}, not a {expected}")]
    WrongKind {
        /// The name.
        name: String,
        /// The kind asked for.
        expected: Kind,
        /// The kind the object is.
        found: Kind,
    },
    /// A lock's data has another size or alignment than the type asked for.
    #[error(
        "shared object {name:?} protects data of {found_size} bytes aligned to {found_align}, \
         not {expected_size} bytes aligned to {expected_align}"
    )]
    DataLayout {
        /// The name.
        name: String,
        /// Size of the data type asked for.
        expected_size: usize,
        /// Alignment of the data type asked for.
        expected_align: usize,
        /// Size of the data in the object.
        found_size: usize,
        /// Alignment of the data in the object.
        found_align: usize,
    },
    /// The object's header contradicts itself (a size, a kind this version does not know).
    #[error("shared object {name:?} is corrupt: {what}")]
    Corrupt {
        /// The name.
        name: String,
        /// What is wrong.
        what: &'static str,
    },
    /// The object exists but its creator never finished initializing it (it may have
    /// died while creating it). [`unlink`](crate::unlink) it and create it again.
    #[error(
        "shared object {name:?} was never completely initialized (its creator may have died); \
         unlink it and create it again"
    )]
    Incomplete {
        /// The name.
        name: String,
    },
    /// A system call failed.
    #[error("{operation} failed for {name:?}: {}", os_message(*errno))]
    Os {
        /// The name.
        name: String,
        /// The call (`"shm_open"`, `"mmap"`, …).
        operation: &'static str,
        /// The `errno` it set.
        errno: i32,
    },
}

/// Why an acquisition (of a lock or a permit) failed. Nothing is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AcquireError {
    /// `try_acquire`: not available right now.
    #[error("would block")]
    WouldBlock,
    /// `acquire_timeout`/`acquire_deadline`: the time ran out.
    #[error("timed out")]
    Timeout,
    /// The calling thread already holds this lock: waiting would never end.
    #[error("this thread already holds the lock")]
    Deadlock,
    /// A holder died and a later holder released the lock without making it consistent
    /// (only code outside threadkit-ipc that shares the mutex can do that). Unlink the
    /// object and create it again.
    #[error("lock is not recoverable: a holder died and it was never made consistent")]
    NotRecoverable,
    /// A lock records which threads use it, in a table of
    /// [`MAX_LOCK_THREADS`](crate::MAX_LOCK_THREADS) liveness slots in its shared
    /// memory (one per thread and handle, held until the thread ends or drops the
    /// handle), and all are taken by live threads. Nothing is held.
    #[error("too many threads use the lock at once (at most {max})")]
    TooManyThreads {
        /// The size of the table.
        max: usize,
    },
    /// A semaphore records which processes hold its permits, in a table of
    /// [`MAX_HOLDERS`](crate::MAX_HOLDERS) entries, and all are taken by live processes.
    #[error("too many processes hold permits at once (at most {max})")]
    TooManyHolders {
        /// The size of the table.
        max: usize,
    },
    /// A system call failed unexpectedly.
    #[error("{operation} failed: {}", os_message(*errno))]
    Os {
        /// The call.
        operation: &'static str,
        /// The `errno` (or error number) it returned.
        errno: i32,
    },
}

/// Why a `release` failed. Nothing changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReleaseError {
    /// The lock is not locked (Python: `RuntimeError: release unlocked lock`).
    #[error("release unlocked lock")]
    NotLocked,
    /// Another thread, here or in another process, holds the lock: a cross-process lock
    /// belongs to the thread that acquired it.
    #[error("cannot release a lock held by another thread or process")]
    NotOwner,
    /// This process holds no lease of the semaphore to give back
    /// ([`Semaphore::return_lease`](crate::Semaphore::return_lease)).
    #[error("this process holds no lease of the semaphore")]
    NoLease,
    /// This thread holds the lock through a guard, which alone releases it.
    #[error("lock is held by a guard; drop the guard to release it")]
    HeldByGuard,
    /// A bounded semaphore would exceed its initial value (Python: `ValueError`).
    #[error("semaphore released too many times")]
    TooManyReleases,
    /// `release(0)` (Python: `ValueError: n must be one or more`).
    #[error("release count must be one or more")]
    ZeroCount,
    /// The semaphore's counter would exceed [`MAX_PERMITS`](crate::MAX_PERMITS).
    #[error("semaphore counter would overflow")]
    Overflow,
    /// The semaphore's internal lock could not be taken.
    #[error("semaphore's internal lock failed: {0}")]
    Internal(AcquireError),
}

/// The system's message for `errno`, in lowercase.
fn os_message(errno: i32) -> String {
    let message = std::io::Error::from_raw_os_error(errno).to_string();
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_codes() {
        for kind in [
            Kind::Lock,
            Kind::Semaphore,
            Kind::BoundedSemaphore,
            Kind::Event,
            Kind::PthreadMutex,
        ] {
            assert_eq!(Kind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(Kind::from_code(0), None);
        assert_eq!(Kind::from_code(99), None);
    }

    #[test]
    fn os_errors_are_lowercase() {
        let error = AcquireError::Os {
            operation: "pthread_mutex_lock",
            errno: libc::EINVAL,
        };
        let text = error.to_string();
        assert!(
            text.starts_with("pthread_mutex_lock failed: invalid argument"),
            "{text}"
        );
    }
}
