//! [`Options`]: how a shared object is created or opened.

/// How a shared object is created or opened, for the `*_with` functions.
///
/// When creating: the object's permissions and, for a [`Lock`](crate::Lock), priority
/// inheritance (an object that already exists keeps those it was created with). When
/// opening: whether an object of another user is accepted.
///
/// # Examples
///
/// ```
/// use threadkit_ipc::{Lock, Options};
///
/// let name = format!("doc-options-{}", std::process::id());
/// let options = Options::new().mode(0o660).priority_inheritance(true);
/// let lock = Lock::create_with(&name, 0u32, options)?;
/// drop(lock.acquire()?);
/// // A process of another user in the group would open it so:
/// let opener = Options::new().allow_foreign_owner(true);
/// drop(Lock::<u32>::open_with(&name, opener)?.acquire()?);
/// Lock::<u32>::unlink(&name)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub(crate) mode: u32,
    pub(crate) priority_inheritance: bool,
    pub(crate) allow_foreign_owner: bool,
}

impl Options {
    /// The defaults: mode `0o600` (only the creating user may open the object), no
    /// priority inheritance, objects of other users refused.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            mode: 0o600,
            priority_inheritance: false,
            allow_foreign_owner: false,
        }
    }

    /// The permission bits of the object (`0o600` by default; `0o660` lets the
    /// creator's group in too). Set exactly, whatever the process's umask; bits other
    /// than `0o777` make `create` fail with [`OpenError::InvalidMode`](crate::OpenError::InvalidMode).
    #[must_use]
    pub const fn mode(self, mode: u32) -> Self {
        Self { mode, ..self }
    }

    /// Priority inheritance for a [`Lock`](crate::Lock) (`PTHREAD_PRIO_INHERIT`): a
    /// low-priority holder runs at the priority of the highest-priority waiter, so a
    /// medium-priority thread cannot starve them both (priority inversion). Off by
    /// default, because it costs throughput: such a lock is a robust
    /// priority-inheriting pthread mutex, so every acquisition and release is a C
    /// library call and contended hand-offs go through the kernel (without it, a lock
    /// is a word of its own, taken with one atomic instruction). It uses no liveness
    /// slots, so [`MAX_LOCK_THREADS`](crate::MAX_LOCK_THREADS) does not apply. Ignored
    /// by the other kinds.
    #[must_use]
    pub const fn priority_inheritance(self, enabled: bool) -> Self {
        Self {
            priority_inheritance: enabled,
            ..self
        }
    }

    /// Whether opening accepts an object that belongs to another user (off by default).
    ///
    /// Whoever creates an object decides what it says — who holds the lock, how many
    /// permits there are, even where the C library writes when it follows a mutex — so
    /// by default `open*` (and the opening half of `open_or_create*`) accept only
    /// objects owned by this process's effective user, and refuse others with
    /// [`OpenError::ForeignOwner`](crate::OpenError::ForeignOwner): otherwise another
    /// user could create the name first (with mode `0o666` and a valid header) and
    /// control every process that opens it. Allow it when processes of several users
    /// share an object on purpose (a service creates it with mode `0o660`, its clients
    /// in the group open it) and its creator is trusted. `unlink` never checks the
    /// owner (it does not use the object); creating ignores this option.
    #[must_use]
    pub const fn allow_foreign_owner(self, allowed: bool) -> Self {
        Self {
            allow_foreign_owner: allowed,
            ..self
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Self::new()
    }
}
