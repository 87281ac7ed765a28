//! [`Options`]: how a new shared object is created.

/// How a new shared object is created: its permissions and, for a [`Lock`](crate::Lock),
/// priority inheritance. Only `create*` and `open_or_create*` take options; an object
/// that already exists keeps those it was created with.
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
/// Lock::<u32>::unlink(&name)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub(crate) mode: u32,
    pub(crate) priority_inheritance: bool,
}

impl Options {
    /// The defaults: mode `0o600` (only the creating user may open the object), no
    /// priority inheritance.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            mode: 0o600,
            priority_inheritance: false,
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
    /// default: contended hand-offs then go through the kernel, which costs throughput.
    /// Ignored by the other kinds.
    #[must_use]
    pub const fn priority_inheritance(self, enabled: bool) -> Self {
        Self {
            priority_inheritance: enabled,
            ..self
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Self::new()
    }
}
