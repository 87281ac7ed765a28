//! Baselines for `threadkit bench`: the primitives as C code would use them directly,
//! so the benchmarks can say what threadkit-ipc costs or saves on top of them.

use std::fmt;

use crate::error::{AcquireError, Kind, OpenError};
use crate::name::Name;
use crate::options::Options;
use crate::sys::robust::PthreadCell;
use crate::sys::shm::Shared;

/// A process-shared robust pthread mutex guarding a `u64` counter in named shared
/// memory, used directly: `pthread_mutex_lock` (making the mutex consistent after
/// `EOWNERDEAD`), increment, `pthread_mutex_unlock` — no spinning, no owner word. The
/// reference for the `ipc/lock-2-processes` benchmark; [`Lock`](crate::Lock) is what to
/// use.
///
/// # Examples
///
/// ```
/// use threadkit_ipc::baseline::PthreadMutex;
///
/// let name = format!("doc-baseline-{}", std::process::id());
/// let counter = PthreadMutex::create(&name)?;
/// assert_eq!(counter.increment()?, 1);
/// assert_eq!(PthreadMutex::open(&name)?.get()?, 1);
/// PthreadMutex::unlink(&name)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PthreadMutex {
    shared: Shared<PthreadCell>,
}

impl PthreadMutex {
    /// Creates the mutex `name` (mode `0o600`), its counter at 0.
    ///
    /// # Errors
    ///
    /// As [`Lock::create`](crate::Lock::create).
    pub fn create(name: &str) -> Result<Self, OpenError> {
        let name = Name::new(name)?;
        Shared::create(&name, Kind::PthreadMutex, &Options::new(), ()).map(|shared| Self { shared })
    }

    /// Opens the existing mutex `name`.
    ///
    /// # Errors
    ///
    /// As [`Lock::open`](crate::Lock::open).
    pub fn open(name: &str) -> Result<Self, OpenError> {
        let name = Name::new(name)?;
        Shared::open(&name, Kind::PthreadMutex, &Options::new()).map(|shared| Self { shared })
    }

    /// Removes the name `name`, which must be such a mutex.
    ///
    /// # Errors
    ///
    /// As [`Lock::unlink`](crate::Lock::unlink).
    pub fn unlink(name: &str) -> Result<(), OpenError> {
        let name = Name::new(name)?;
        Shared::<PthreadCell>::unlink(&name, Kind::PthreadMutex)
    }

    /// Locks, increments the counter, unlocks; returns the new count.
    ///
    /// # Errors
    ///
    /// [`AcquireError::NotRecoverable`] or [`AcquireError::Os`] if locking fails.
    #[inline]
    pub fn increment(&self) -> Result<u64, AcquireError> {
        self.shared.body().add(1)
    }

    /// The counter, read under the mutex.
    ///
    /// # Errors
    ///
    /// As [`increment`](Self::increment).
    pub fn get(&self) -> Result<u64, AcquireError> {
        self.shared.body().add(0)
    }
}

impl fmt::Debug for PthreadMutex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PthreadMutex")
            .field("name", &self.shared.name())
            .finish()
    }
}
