//! The [`Lock`](crate::Lock) engine: a lock word of our own in shared memory (an
//! inline fast path of one compare-exchange to acquire and one to release, a `#[cold]`
//! slow path that spins, then parks on a shared futex), with the holder's death
//! detected exactly through per-thread liveness slots (`slots.rs`, `registry.rs`).
//!
//! Two modes, fixed when the lock is created:
//!
//! * **own word** (the default): the lock word below. A waiter that finds the lock
//!   held after spinning looks at the holder's liveness slot, then parks; it looks again
//!   whenever it wakes to find the word unchanged — woken by a thread that ended holding
//!   the lock, or by its periodic time-out (1 ms, doubling up to [`RECHECK`]): a
//!   process's death wakes no futex of ours, so a waiter learns of it within one period.
//! * **priority inheritance**: the C library's robust, priority-inheriting pthread mutex
//!   (`robust.rs`), on which the kernel boosts the holder; its death is handled by the
//!   kernel's robust-list walk. Priority inheritance needs the kernel's PI futexes,
//!   whose word holds the owner's thread id (leaving no room for a slot) and whose
//!   holder's death the kernel reports only through the robust list (which the C
//!   library owns), so this mode keeps the pthread path: no slot table in use, no limit
//!   on threads, a C library call per acquisition and release.

use std::cell::UnsafeCell;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering, fence};
use std::time::{Duration, Instant};

use crate::error::{AcquireError, OpenError, ReleaseError};
use crate::sys::futex;
use crate::sys::process;
use crate::sys::registry::{self, Target};
use crate::sys::robust::RobustMutex;
use crate::sys::shm::Shared;
use crate::sys::slots::{Claim, Liveness, MAX_LOCK_THREADS, SlotTable};

/// Lock word: held.
const LOCKED: u32 = 1;
/// Lock word: threads may be parked on the word; releasing must wake one.
const WAITERS: u32 = 1 << 1;
/// Lock word: the hold has no guard (Python style); only `release` frees it.
const DETACHED: u32 = 1 << 2;
/// Lock word: where the holder's slot index starts, and its width.
const SLOT_SHIFT: u32 = 3;
const SLOT_BITS: u32 = 9;
/// Lock word: where the holder's claim generation (its low bits) starts.
const GENERATION_SHIFT: u32 = SLOT_SHIFT + SLOT_BITS;
/// The bits of a claim generation that a lock word records.
const GENERATION_MASK: u32 = u32::MAX >> GENERATION_SHIFT;
/// The owner part of a lock word: LOCKED, slot and generation.
pub(crate) const OWNER: u32 = !(WAITERS | DETACHED);

const _: () = assert!(MAX_LOCK_THREADS <= 1 << SLOT_BITS);

/// `LockBody::mode`: the lock word of our own.
const MODE_OWN_WORD: u32 = 1;
/// `LockBody::mode`: the priority-inheriting pthread mutex.
const MODE_PRIORITY_INHERITANCE: u32 = 2;

/// Spin rounds before parking (each spins 2^round pause instructions, up to 2^6;
/// later rounds yield the CPU): about 10–20 µs in all.
const SPIN_ROUNDS: u32 = 24;
/// Rounds after which a spinner yields between looks instead of pausing.
const SPIN_ROUNDS_BEFORE_YIELDING: u32 = 12;
/// How long a parked waiter sleeps, at most, before it looks at the holder's liveness
/// again: a dead process's lock is recovered within about this long. The first sleeps
/// of a wait are shorter (from [`RECHECK_FIRST`], doubling), so a holder killed soon
/// after a waiter parked — the usual case — is found gone within a few milliseconds.
const RECHECK: Duration = Duration::from_millis(50);
/// The first sleep of a wait, before looking at the holder again.
const RECHECK_FIRST: Duration = Duration::from_millis(1);

/// The lock word of a thread whose claim is `claim`.
pub(crate) fn owner_bits(claim: Claim) -> u32 {
    LOCKED | (claim.slot << SLOT_SHIFT) | ((claim.generation & GENERATION_MASK) << GENERATION_SHIFT)
}

/// A lock's body, as laid out in its mapping.
#[repr(C)]
pub(crate) struct LockBody<T> {
    // The lock word (own-word mode; 0 in priority-inheritance mode):
    //
    //   bits           meaning
    //   0              LOCKED
    //   1              WAITERS: threads may be parked on the word (release wakes one)
    //   2              DETACHED: held without a guard; only `release` frees it
    //   3..12          the holder's slot index
    //   12..32         the holder's claim generation (low 20 bits)
    //
    //   0                        free
    //   LOCKED|slot|gen          held by the thread with that claim
    //   … | DETACHED             held, Python style
    //   … | WAITERS              held, and releasing it wakes a parked waiter
    //
    // A holder that dies leaves its bits; a waiter that finds the claim gone takes the
    // word over with one compare-exchange and is told the owner died. The word is
    // shared memory that any process with the object open can write, so nothing that
    // memory safety depends on is decided by it.
    word: AtomicU32,
    /// MODE_OWN_WORD or MODE_PRIORITY_INHERITANCE, set by the creator.
    mode: AtomicU32,
    /// Right after the word: uncontended, one cache line holds both.
    data: UnsafeCell<T>,
    /// The priority-inheritance mode's mutex (initialized, unused, in the other mode).
    pi: RobustMutex,
    /// Liveness slots (own-word mode).
    slots: SlotTable,
}

impl<T: bytemuck::AnyBitPattern> LockBody<T> {
    /// Initializes the mutexes and the mode, and writes the data.
    ///
    /// # Safety
    ///
    /// Nobody else uses the body yet (the creator calls it before publishing).
    pub(crate) unsafe fn init(&self, priority_inheritance: bool, value: T) -> Result<(), i32> {
        // SAFETY: nobody else uses the body yet (the caller's contract); the data's
        // memory is valid and aligned for T.
        unsafe {
            self.pi.init(priority_inheritance)?;
            self.slots.init()?;
            self.data.get().write(value);
        }
        let mode = if priority_inheritance {
            MODE_PRIORITY_INHERITANCE
        } else {
            MODE_OWN_WORD
        };
        self.mode.store(mode, Ordering::Relaxed);
        Ok(())
    }
}

// SAFETY: the body is atomics, robust process-shared mutexes (made for sharing) and
// the data, which is only reached through a guard, while holding the lock; `T: Send`
// because the data is handed between threads (and processes) through the lock.
unsafe impl<T: Send> Sync for LockBody<T> {}

/// A handle of a lock: its mapping, and what this process read of it once.
pub(crate) struct LockHandle<T: bytemuck::AnyBitPattern + Send> {
    shared: Shared<LockBody<T>>,
    /// `shared.id()`, kept here for the fast path.
    id: u64,
    /// The mode, read once when the handle was made (whatever the word says later).
    priority_inheritance: bool,
    /// Whether parked waiters wake periodically to look at the holder (tests may turn
    /// it off, so that only wake-ups end a wait).
    recheck: AtomicBool,
}

impl<T: bytemuck::AnyBitPattern + Send> LockHandle<T> {
    /// A handle of the lock in `shared`, whose header has been checked.
    pub(crate) fn new(shared: Shared<LockBody<T>>) -> Result<Self, OpenError> {
        let priority_inheritance = match shared.body().mode.load(Ordering::Relaxed) {
            MODE_OWN_WORD => false,
            MODE_PRIORITY_INHERITANCE => true,
            _ => {
                return Err(OpenError::Corrupt {
                    name: shared.name().to_owned(),
                    what: "its lock mode is unknown",
                });
            }
        };
        Ok(Self {
            id: shared.id(),
            shared,
            priority_inheritance,
            recheck: AtomicBool::new(true),
        })
    }

    /// Acquires, blocking until `deadline` (`None`: no limit).
    #[inline]
    pub(crate) fn lock(&self, deadline: Option<Instant>) -> Result<BodyGuard<'_, T>, AcquireError> {
        if self.priority_inheritance {
            return self.pi_lock(deadline);
        }
        let me = self.me()?;
        let owner_died =
            match self
                .word()
                .compare_exchange(0, me, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => false,
                Err(_) => self.lock_slow(me, deadline)?,
            };
        Ok(self.guard(me, owner_died))
    }

    /// Acquires if free right now (or if its holder died).
    #[inline]
    pub(crate) fn try_lock(&self) -> Result<BodyGuard<'_, T>, AcquireError> {
        if self.priority_inheritance {
            return self.pi_try_lock();
        }
        let me = self.me()?;
        let owner_died =
            match self
                .word()
                .compare_exchange(0, me, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => false,
                Err(word) => self.try_lock_slow(me, word)?,
            };
        Ok(self.guard(me, owner_died))
    }

    /// Takes a guard-less hold (Python style), blocking until `deadline` (`None`: no
    /// limit): one compare-exchange on the fast path. Returns whether the previous
    /// owner died.
    #[inline]
    pub(crate) fn lock_detached(&self, deadline: Option<Instant>) -> Result<bool, AcquireError> {
        self.hold_detached(Some(deadline))
    }

    /// Takes a guard-less hold if the lock is free right now (or its holder died).
    #[inline]
    pub(crate) fn try_lock_detached(&self) -> Result<bool, AcquireError> {
        self.hold_detached(None)
    }

    /// A guard-less hold: waiting until `wait`'s deadline (`Some(None)`: no limit), or
    /// only trying (`None`). Returns whether the previous owner died.
    #[inline]
    fn hold_detached(&self, wait: Option<Option<Instant>>) -> Result<bool, AcquireError> {
        if self.priority_inheritance {
            let guard = match wait {
                Some(deadline) => self.pi_lock(deadline)?,
                None => self.pi_try_lock()?,
            };
            let owner_died = guard.owner_died();
            guard.detach();
            return Ok(owner_died);
        }
        let me = self.me()?;
        match self
            .word()
            .compare_exchange(0, me | DETACHED, Ordering::Acquire, Ordering::Relaxed)
        {
            Ok(_) => Ok(false),
            Err(word) => {
                let owner_died = match wait {
                    Some(deadline) => self.lock_slow(me, deadline)?,
                    None => self.try_lock_slow(me, word)?,
                };
                self.detach(me);
                Ok(owner_died)
            }
        }
    }

    /// Releases a guard-less hold of the calling thread (taken through any handle of
    /// this lock).
    #[inline]
    pub(crate) fn release_detached(&self) -> Result<(), ReleaseError> {
        // The fast path: held by this thread through this handle, nobody parked.
        if !self.priority_inheritance
            && let Some(me) = registry::cached(self.id)
            && self
                .word()
                .compare_exchange(me | DETACHED, 0, Ordering::Release, Ordering::Relaxed)
                .is_ok()
        {
            return Ok(());
        }
        self.release_detached_slow()
    }

    /// `release_detached` when the fast path did not apply: checks who holds the lock
    /// and how, and wakes a waiter.
    #[cold]
    fn release_detached_slow(&self) -> Result<(), ReleaseError> {
        if self.priority_inheritance {
            self.body().pi.release_detached()?;
            // The detached hold no longer keeps a mapping in use. (Taken through
            // another handle of this lock, it leaves that one pinned: a leak, never an
            // unmap too early.)
            self.shared.pins().remove();
            return Ok(());
        }
        let word = self.word();
        let mut current = word.load(Ordering::Relaxed);
        loop {
            if current == 0 {
                return Err(ReleaseError::NotLocked);
            }
            if !self.is_mine(current & OWNER) {
                return Err(ReleaseError::NotOwner);
            }
            if current & DETACHED == 0 {
                return Err(ReleaseError::HeldByGuard);
            }
            match word.compare_exchange_weak(current, 0, Ordering::Release, Ordering::Relaxed) {
                Ok(_) => break,
                Err(now) => current = now,
            }
        }
        if current & WAITERS != 0 {
            futex::wake(word, 1);
        }
        Ok(())
    }

    /// Whether the lock is held (a momentary snapshot; a dead holder's lock reads as
    /// held until the next acquisition recovers it).
    pub(crate) fn is_locked(&self) -> bool {
        if self.priority_inheritance {
            self.body().pi.is_locked()
        } else {
            self.word().load(Ordering::Relaxed) != 0
        }
    }

    /// The lock's name (without a leading `/`).
    pub(crate) fn name(&self) -> &str {
        self.shared.name()
    }

    /// How many liveness slots are claimed (a momentary count, for tests).
    pub(crate) fn claimed_slots(&self) -> usize {
        self.body().slots.claimed()
    }

    /// Parked waiters wait for wake-ups only, without looking at the holder
    /// periodically (for tests).
    pub(crate) fn disable_recheck(&self) {
        self.recheck.store(false, Ordering::Relaxed);
    }

    #[inline]
    fn body(&self) -> &LockBody<T> {
        self.shared.body()
    }

    #[inline]
    fn word(&self) -> &AtomicU32 {
        &self.body().word
    }

    /// The calling thread's owner bits for this handle (claiming a slot on first use).
    #[inline]
    fn me(&self) -> Result<u32, AcquireError> {
        match registry::cached(self.id) {
            Some(me) => Ok(me),
            None => self.register(),
        }
    }

    #[cold]
    fn register(&self) -> Result<u32, AcquireError> {
        let body = self.body();
        registry::register(&Target {
            id: self.id,
            key: self.shared.key(),
            word: &body.word,
            slots: &body.slots,
            keep: &|| self.shared.keep_mapped(),
        })
    }

    /// Whether the owner bits `owner` are the calling thread's, through any handle.
    fn is_mine(&self, owner: u32) -> bool {
        registry::cached(self.id) == Some(owner) || registry::is_mine(self.shared.key(), owner)
    }

    #[inline]
    fn guard(&self, me: u32, owner_died: bool) -> BodyGuard<'_, T> {
        BodyGuard {
            handle: self,
            me,
            owner_died,
            // `me` came from a claim, which registered the fork handler.
            generation: process::fork_generation_registered(),
            _not_send: PhantomData,
        }
    }

    // The priority-inheritance paths, out of line: the own-word fast paths stay small
    // enough to be inlined where they are used.
    #[inline(never)]
    fn pi_lock(&self, deadline: Option<Instant>) -> Result<BodyGuard<'_, T>, AcquireError> {
        let acquired = self.body().pi.lock(deadline)?;
        Ok(self.pi_guard(acquired.owner_died))
    }

    #[inline(never)]
    fn pi_try_lock(&self) -> Result<BodyGuard<'_, T>, AcquireError> {
        let acquired = self.body().pi.try_lock()?;
        Ok(self.pi_guard(acquired.owner_died))
    }

    #[inline(never)]
    fn pi_unlock(&self) {
        self.body().pi.unlock();
        self.shared.pins().remove();
    }

    fn pi_guard(&self, owner_died: bool) -> BodyGuard<'_, T> {
        // The mutex is in the thread's robust list: the mapping must outlive the hold.
        self.shared.pins().add();
        BodyGuard {
            handle: self,
            me: 0,
            owner_died,
            generation: process::fork_generation(),
            _not_send: PhantomData,
        }
    }

    /// Whether the holder named by `word` lives (`Mine` if it is the calling thread,
    /// through another handle). `word` must have been read with (or followed by)
    /// acquire ordering.
    fn holder(&self, word: u32) -> Liveness {
        if registry::is_mine(self.shared.key(), word & OWNER) {
            return Liveness::Mine;
        }
        let slot = (word >> SLOT_SHIFT) & ((1 << SLOT_BITS) - 1);
        self.body()
            .slots
            .liveness(slot, word >> GENERATION_SHIFT, GENERATION_MASK)
    }

    /// Spins while the word says the lock is held, taking it whenever it reads free;
    /// then parks. Returns whether the previous owner died.
    #[cold]
    fn lock_slow(&self, me: u32, deadline: Option<Instant>) -> Result<bool, AcquireError> {
        let word = self.word();
        for round in 0..SPIN_ROUNDS {
            let current = word.load(Ordering::Relaxed);
            if current == 0 {
                if word
                    .compare_exchange(0, me, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
                {
                    return Ok(false);
                }
                continue;
            }
            if current & OWNER == me {
                return Err(AcquireError::Deadlock);
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
        self.park(me, deadline)
    }

    /// Looks at the holder, then sleeps on the word, until the lock is taken (free, or
    /// its holder gone) or the deadline passes.
    fn park(&self, me: u32, deadline: Option<Instant>) -> Result<bool, AcquireError> {
        let word = self.word();
        // Once this thread has parked, it takes the lock with WAITERS set: others may
        // still be parked, and its release must wake one.
        let mut parked = 0;
        // Look at the holder's liveness on this round: first, and whenever a wait
        // ends with the word as it was (a time-out, or a wake-up from a holder's thread
        // that ended).
        let mut look = true;
        let mut slept_on = 0;
        let mut recheck = RECHECK_FIRST;
        loop {
            let current = word.load(Ordering::Acquire);
            if current == 0 {
                if word
                    .compare_exchange(0, me | parked, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
                {
                    return Ok(false);
                }
                continue;
            }
            if current & OWNER == me {
                return Err(AcquireError::Deadlock);
            }
            if look || current == slept_on {
                match self.holder(current) {
                    Liveness::Alive => look = false,
                    Liveness::Mine => return Err(AcquireError::Deadlock),
                    Liveness::Dead => {
                        let taken = me | (current & WAITERS) | parked;
                        if word
                            .compare_exchange(current, taken, Ordering::Acquire, Ordering::Relaxed)
                            .is_ok()
                        {
                            return Ok(true);
                        }
                        continue;
                    }
                }
            }
            let left = match deadline {
                None => None,
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        if parked != 0 {
                            // A wake-up meant for a waiter may have come to this one:
                            // pass it on.
                            futex::wake(word, 1);
                        }
                        return Err(AcquireError::Timeout);
                    }
                    Some(left)
                }
            };
            if current & WAITERS == 0
                && word
                    .compare_exchange(
                        current,
                        current | WAITERS,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    )
                    .is_err()
            {
                continue;
            }
            let timeout = if self.recheck.load(Ordering::Relaxed) {
                Some(left.map_or(recheck, |left| left.min(recheck)))
            } else {
                left
            };
            parked = WAITERS;
            slept_on = current | WAITERS;
            futex::wait(word, slept_on, timeout);
            recheck = (recheck * 2).min(RECHECK);
        }
    }

    /// `try_lock` found the word `current`: takes the lock if it turns out free or its
    /// holder dead.
    #[cold]
    fn try_lock_slow(&self, me: u32, mut current: u32) -> Result<bool, AcquireError> {
        let word = self.word();
        loop {
            if current == 0 {
                match word.compare_exchange(0, me, Ordering::Acquire, Ordering::Relaxed) {
                    Ok(_) => return Ok(false),
                    Err(now) => current = now,
                }
                continue;
            }
            if current & OWNER == me {
                return Err(AcquireError::Deadlock);
            }
            // `current` may come from a relaxed read: pair with the fence the holder
            // made after claiming its slot, so that its claim is seen (never an older
            // state of the slot, which would pass for a dead holder).
            fence(Ordering::Acquire);
            match self.holder(current) {
                Liveness::Alive => return Err(AcquireError::WouldBlock),
                Liveness::Mine => return Err(AcquireError::Deadlock),
                Liveness::Dead => {
                    match word.compare_exchange(
                        current,
                        me | (current & WAITERS),
                        Ordering::Acquire,
                        Ordering::Relaxed,
                    ) {
                        Ok(_) => return Ok(true),
                        Err(now) => current = now,
                    }
                }
            }
        }
    }

    /// Releases the calling thread's hold `me`.
    #[inline]
    fn unlock(&self, me: u32) {
        if self
            .word()
            .compare_exchange(me, 0, Ordering::Release, Ordering::Relaxed)
            .is_err()
        {
            self.unlock_slow(me);
        }
    }

    /// Releases a hold whose word has WAITERS set, and wakes a waiter.
    #[cold]
    fn unlock_slow(&self, me: u32) {
        let word = self.word();
        let mut current = word.load(Ordering::Relaxed);
        loop {
            if current & OWNER != me {
                // Not this thread's hold (cannot happen while it lives): never
                // release another's.
                return;
            }
            match word.compare_exchange_weak(current, 0, Ordering::Release, Ordering::Relaxed) {
                Ok(_) => break,
                Err(now) => current = now,
            }
        }
        if current & WAITERS != 0 {
            futex::wake(word, 1);
        }
    }

    /// Marks the calling thread's hold `me` guard-less.
    fn detach(&self, me: u32) {
        let word = self.word();
        let mut current = word.load(Ordering::Relaxed);
        while current & OWNER == me {
            match word.compare_exchange_weak(
                current,
                current | DETACHED,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(now) => current = now,
            }
        }
    }
}

impl<T: bytemuck::AnyBitPattern + Send> Drop for LockHandle<T> {
    fn drop(&mut self) {
        // The calling thread's claim through this handle ends, unless it holds the
        // lock through it. (Other threads' claims end lazily: see registry.rs.)
        if !self.priority_inheritance {
            registry::close(self.id);
        }
    }
}

/// Access to a lock's data while the calling thread holds it.
pub(crate) struct BodyGuard<'a, T: bytemuck::AnyBitPattern + Send> {
    handle: &'a LockHandle<T>,
    /// The thread's owner bits (own-word mode), or 0 (priority-inheritance mode: the
    /// hold counts in the handle's pins until released).
    me: u32,
    owner_died: bool,
    /// The fork generation the hold was taken in. In the child of a `fork` the guard is
    /// a copy of one of the parent's: the hold is the parent thread's, so the copy
    /// releases nothing and touches neither the word nor the mutex.
    generation: u64,
    /// The hold belongs to the thread that took it.
    _not_send: PhantomData<*const ()>,
}

// SAFETY: sharing the guard shares only `&T`.
unsafe impl<T: bytemuck::AnyBitPattern + Send + Sync> Sync for BodyGuard<'_, T> {}

impl<T: bytemuck::AnyBitPattern + Send> BodyGuard<'_, T> {
    /// Whether the previous holder died holding the lock.
    pub(crate) fn owner_died(&self) -> bool {
        self.owner_died
    }

    /// Keeps the lock held (Python style) and forgets the guard.
    pub(crate) fn detach(self) {
        if self.in_holder_process() {
            if self.me != 0 {
                self.handle.detach(self.me);
            } else {
                // The handle stays pinned: the hold may outlive it.
                self.handle.body().pi.detach();
            }
        }
        std::mem::forget(self);
    }

    /// Whether this is the process that took the hold (not the child of a `fork`).
    #[inline]
    fn in_holder_process(&self) -> bool {
        self.generation == process::fork_generation_registered()
    }
}

impl<T: bytemuck::AnyBitPattern + Send> Deref for BodyGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard exists only while this thread holds the lock, which every
        // process takes before touching the data; T accepts any bit pattern, so even
        // what a dying holder half-wrote is a valid T.
        unsafe { &*self.handle.body().data.get() }
    }
}

impl<T: bytemuck::AnyBitPattern + Send> DerefMut for BodyGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`, and `&mut self` makes this the only access through
        // the guard.
        unsafe { &mut *self.handle.body().data.get() }
    }
}

impl<T: bytemuck::AnyBitPattern + Send> Drop for BodyGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // In the child of a fork: one atomic load, then nothing (async-signal-safe).
        if !self.in_holder_process() {
            return;
        }
        if self.me != 0 {
            self.handle.unlock(self.me);
        } else {
            self.handle.pi_unlock();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Kind;
    use crate::name::Name;
    use crate::options::Options;

    #[test]
    fn owner_bits_keep_slot_and_generation_apart_from_the_flags() {
        let claim = Claim {
            slot: (MAX_LOCK_THREADS - 1) as u32,
            generation: u32::MAX >> 1,
        };
        let bits = owner_bits(claim);
        assert_eq!(bits & OWNER, bits, "no flag bit set");
        assert_ne!(bits & LOCKED, 0);
        assert_eq!((bits >> SLOT_SHIFT) & ((1 << SLOT_BITS) - 1), claim.slot);
        assert_eq!(bits >> GENERATION_SHIFT, claim.generation & GENERATION_MASK);
        let next = Claim {
            generation: claim.generation.wrapping_add(1),
            ..claim
        };
        assert_ne!(
            owner_bits(next),
            bits,
            "a new claim of the slot is another owner"
        );
    }

    #[test]
    fn a_lock_of_an_unknown_mode_is_refused() {
        let name = Name::new(&format!("tk-lock-unit-{}-mode", std::process::id())).unwrap();
        let shared =
            Shared::<LockBody<u64>>::create(&name, Kind::Lock, &Options::new(), (false, 0))
                .unwrap();
        shared.body().mode.store(7, Ordering::Relaxed);
        let opened = Shared::<LockBody<u64>>::open(&name, Kind::Lock, &Options::new()).unwrap();
        let error = LockHandle::new(opened).err().unwrap();
        assert!(matches!(error, OpenError::Corrupt { .. }), "{error}");
        crate::sys::shm::unlink(&name).unwrap();
    }
}
