//! The bodies of the shared objects: what follows the header in each kind's mapping.
//!
//! Every field is an atomic, a C mutex or plain data in an `UnsafeCell`, so any bit
//! pattern is a valid body (the `Body` contract): a process that dies half-way
//! through an update leaves values, never undefined behaviour.

use std::sync::atomic::{AtomicU32, AtomicU64};

use crate::error::OpenError;
use crate::name::Name;
use crate::sys::robust::{PthreadCell, RobustMutex};
use crate::sys::shm::Body;

/// A lock's body: its lock word and mode, the data, a pthread mutex (for priority
/// inheritance) and the liveness slots (see `lock.rs`).
pub(crate) use crate::sys::lock::LockBody;

// SAFETY: repr(C) of atomics, pthread mutexes and a T that accepts any bit pattern;
// aligned to at most 64 (checked at compile time wherever a Shared of it is made).
unsafe impl<T: bytemuck::AnyBitPattern + Send> Body for LockBody<T> {
    /// (priority inheritance, initial value)
    type Init = (bool, T);

    /// The data's size (high half) and alignment (low half).
    fn layout() -> u64 {
        ((size_of::<T>() as u64) << 32) | align_of::<T>() as u64
    }

    fn layout_error(name: &Name, found: u64) -> OpenError {
        OpenError::DataLayout {
            name: name.as_str().to_owned(),
            expected_size: size_of::<T>(),
            expected_align: align_of::<T>(),
            found_size: (found >> 32) as usize,
            found_align: (found & 0xffff_ffff) as usize,
        }
    }

    unsafe fn init(&self, (priority_inheritance, value): Self::Init) -> Result<(), i32> {
        // SAFETY: forwarded contract: nobody else uses the body yet.
        unsafe { LockBody::init(self, priority_inheritance, value) }
    }
}

/// An event's body.
#[repr(C)]
pub(crate) struct EventBody {
    // bits 2..32: generation (bumped by every set that raises the flag, wrapping)
    // bit 1:      WAITERS — threads may be blocked on the word: `set` must wake them
    // bit 0:      SET
    //
    //   SET WAITERS  meaning
    //   0   0        clear, nobody blocked
    //   0   1        clear, threads blocked (or a blocked thread died: the next set
    //                makes one needless wake-up call)
    //   1   0        set (setting clears WAITERS and wakes everyone)
    //
    // A waiter returns true when it sees SET or a newer generation, so a wake-up from a
    // `set` counts even if `clear` followed before the waiter ran (Python's rule).
    pub(crate) word: AtomicU32,
}

// SAFETY: repr(C) of one atomic.
unsafe impl Body for EventBody {
    type Init = ();

    unsafe fn init(&self, (): ()) -> Result<(), i32> {
        Ok(())
    }
}

/// How many processes can hold (or wait for) a semaphore's permits at once.
pub const MAX_HOLDERS: usize = 256;

/// A semaphore's body. Everything but `seq` is changed only under `mutex`.
#[repr(C)]
pub(crate) struct SemaphoreBody {
    pub(crate) mutex: RobustMutex,
    /// Futex word of blocked acquirers: bumped by every release that may wake one.
    pub(crate) seq: AtomicU32,
    /// Threads (of all processes) registered as waiting: the sum of `Slot::waiting`.
    pub(crate) waiters: AtomicU32,
    /// Permits free to take.
    pub(crate) available: AtomicU64,
    /// The most `available` may reach: the initial value of a bounded semaphore,
    /// `MAX_PERMITS` otherwise.
    pub(crate) bound: AtomicU64,
    /// Undo record of the update in progress (see `Journal`).
    pub(crate) journal: Journal,
    /// The processes that hold leased permits or wait for permits.
    pub(crate) slots: [Slot; MAX_HOLDERS],
}

/// One process's record in a semaphore.
#[repr(C)]
pub(crate) struct Slot {
    /// 0: free.
    pub(crate) pid: AtomicU32,
    /// Threads of this process registered as waiting.
    pub(crate) waiting: AtomicU32,
    /// The process's start time (so that a recycled pid is not taken for it).
    pub(crate) start: AtomicU64,
    /// Permits the process holds as leases (given back if it dies).
    pub(crate) held: AtomicU64,
}

/// Before an update that changes several fields, the holder of the semaphore's mutex
/// copies their old values here and sets `valid`; after it, clears `valid`. If it dies
/// in between, the next holder (told EOWNERDEAD) copies them back: the update never
/// happened.
#[repr(C)]
pub(crate) struct Journal {
    pub(crate) valid: AtomicU32,
    /// The slot the update touches.
    pub(crate) slot: AtomicU32,
    pub(crate) waiters: AtomicU32,
    pub(crate) slot_pid: AtomicU32,
    pub(crate) slot_waiting: AtomicU32,
    pub(crate) available: AtomicU64,
    pub(crate) slot_start: AtomicU64,
    pub(crate) slot_held: AtomicU64,
}

/// What a semaphore's creator sets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SemaphoreInit {
    pub(crate) permits: u64,
    pub(crate) bound: u64,
}

// SAFETY: repr(C) of a pthread mutex and atomics.
unsafe impl Body for SemaphoreBody {
    type Init = SemaphoreInit;

    fn layout() -> u64 {
        MAX_HOLDERS as u64
    }

    unsafe fn init(&self, init: SemaphoreInit) -> Result<(), i32> {
        // SAFETY: forwarded contract: nobody else uses the body yet.
        unsafe { self.mutex.init(false)? };
        self.available
            .store(init.permits, std::sync::atomic::Ordering::Relaxed);
        self.bound
            .store(init.bound, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }
}

// SAFETY: repr(C) of a pthread mutex and a u64.
unsafe impl Body for PthreadCell {
    type Init = ();

    unsafe fn init(&self, (): ()) -> Result<(), i32> {
        // SAFETY: forwarded contract: nobody else uses the body yet.
        unsafe { PthreadCell::init(self) }
    }
}
