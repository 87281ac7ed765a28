//! How diagnostics name a primitive.

use std::fmt;
use std::panic::Location;

use crate::origin::Origin;

/// The kind of a primitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PrimitiveKind {
    /// [`crate::Lock`] (or a `lock_api` mutex over [`crate::RawLock`]).
    Lock,
    /// [`crate::RLock`].
    RLock,
    /// [`crate::Condition`].
    Condition,
    /// [`crate::Semaphore`].
    Semaphore,
    /// [`crate::BoundedSemaphore`].
    BoundedSemaphore,
    /// [`crate::Event`].
    Event,
    /// [`crate::Barrier`].
    Barrier,
    /// [`crate::Queue`].
    Queue,
    /// [`crate::LifoQueue`].
    LifoQueue,
    /// [`crate::PriorityQueue`].
    PriorityQueue,
    /// [`crate::SimpleQueue`].
    SimpleQueue,
    /// A [`crate::thread::Thread`] being joined.
    Thread,
    /// A [`crate::executor::Future`] (or several, in [`crate::executor::wait`]).
    Future,
    /// A [`crate::executor::ThreadPoolExecutor`] (its idle workers wait for work).
    ThreadPoolExecutor,
    /// A [`crate::thread::Timer`] waiting for its interval.
    Timer,
}

impl PrimitiveKind {
    /// The Python name of the kind (`"Lock"`, `"RLock"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            PrimitiveKind::Lock => "Lock",
            PrimitiveKind::RLock => "RLock",
            PrimitiveKind::Condition => "Condition",
            PrimitiveKind::Semaphore => "Semaphore",
            PrimitiveKind::BoundedSemaphore => "BoundedSemaphore",
            PrimitiveKind::Event => "Event",
            PrimitiveKind::Barrier => "Barrier",
            PrimitiveKind::Queue => "Queue",
            PrimitiveKind::LifoQueue => "LifoQueue",
            PrimitiveKind::PriorityQueue => "PriorityQueue",
            PrimitiveKind::SimpleQueue => "SimpleQueue",
            PrimitiveKind::Thread => "Thread",
            PrimitiveKind::Future => "Future",
            PrimitiveKind::ThreadPoolExecutor => "ThreadPoolExecutor",
            PrimitiveKind::Timer => "Timer",
        }
    }
}

/// A primitive as the hooks see it: cheap to build, copied into records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Object {
    pub(crate) kind: PrimitiveKind,
    /// The primitive's parking key (its address while it is in use).
    pub(crate) key: usize,
    pub(crate) origin: Origin,
}

impl Object {
    /// The public description.
    pub(crate) fn describe(self) -> Primitive {
        Primitive {
            kind: self.kind,
            address: self.key,
            name: self.origin.name(),
            created_at: self.origin.location(),
        }
    }
}

/// A primitive as reports name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Primitive {
    /// What it is.
    pub kind: PrimitiveKind,
    /// Its address (stable while threads hold it or wait for it).
    pub address: usize,
    /// The name it was created with, if any.
    pub name: Option<&'static str>,
    /// Where it was created, if known.
    pub created_at: Option<&'static Location<'static>>,
}

impl fmt::Display for Primitive {
    /// `Lock 'accounts'`, `RLock created at src/main.rs:4:13`, or `Lock at 0x7f…`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = self.kind.as_str();
        match (self.name, self.created_at) {
            (Some(name), _) => write!(f, "{kind} '{name}'"),
            (None, Some(site)) => write!(f, "{kind} created at {site}"),
            (None, None) => write!(f, "{kind} at {:#x}", self.address),
        }
    }
}
