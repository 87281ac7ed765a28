//! Which liveness slot (`slots.rs`) the calling thread holds in each lock it uses, and
//! the letting go of those slots.
//!
//! Per thread: a small cache for the fast path (handle id → owner bits, direct-mapped,
//! no destructor, so usable at any time, even while the thread ends), and a registry
//! of the thread's claims, whose destructor releases them when the thread ends. A
//! claim keeps its handle's mapping mapped ([`KeepMapped`]): its slot mutex is in the
//! thread's robust list, which the C library and the kernel follow by address.
//!
//! A claim ends when
//!
//! * the thread ends (the registry's destructor; if the thread held the lock through
//!   it, the lock's waiters are woken, to find the holder gone),
//! * the thread drops the handle while it holds nothing through it, or — for a handle
//!   another thread dropped — the next time the thread claims a slot (in any lock)
//!   while it holds nothing through it,
//! * or, for a claim made while the thread was ending (its registry already gone), when
//!   the thread ends: the kernel releases the slot mutex, which then reads as a dead
//!   claimant's (that claim's mapping is never unmapped).
//!
//! In the child of a `fork` the copied claims are the parent thread's (the child's
//! thread holds none of their mutexes): the `fork` handler empties the cache, and the
//! registry drops the copies, without touching the slots, on its next use.

use std::cell::{Cell, RefCell};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering, fence};

use crate::error::AcquireError;
use crate::sys::futex;
use crate::sys::lock::{OWNER, owner_bits};
use crate::sys::process;
use crate::sys::shm::{KeepMapped, ObjectKey};
use crate::sys::slots::{Claim, MAX_LOCK_THREADS, SlotTable};

/// Entries of the per-thread cache (a power of two).
const CACHE_WAYS: usize = 8;

thread_local! {
    /// (handle id, owner bits) by `id % CACHE_WAYS`; id 0: empty. No destructor.
    static CACHE: [Cell<(u64, u32)>; CACHE_WAYS] =
        const { [const { Cell::new((0, 0)) }; CACHE_WAYS] };
    /// The thread's claims; its destructor releases them when the thread ends.
    static REGISTRY: RefCell<Registry> = const {
        RefCell::new(Registry {
            generation: 0,
            entries: Vec::new(),
        })
    };
}

/// The lock a thread claims a slot in, through one handle.
pub(crate) struct Target<'a> {
    /// The handle's id (unique in the process, never reused).
    pub(crate) id: u64,
    /// The object's identity (the same for every handle of it).
    pub(crate) key: ObjectKey,
    /// The lock word, in the handle's mapping.
    pub(crate) word: &'a AtomicU32,
    /// The slot table, in the handle's mapping.
    pub(crate) slots: &'a SlotTable,
    /// Keeps the handle's mapping mapped.
    pub(crate) keep: &'a dyn Fn() -> KeepMapped,
}

/// The calling thread's owner bits for the handle `id`, if cached.
#[inline]
pub(crate) fn cached(id: u64) -> Option<u32> {
    CACHE.with(|cache| {
        let (cached_id, bits) = cache[way(id)].get();
        (cached_id == id).then_some(bits)
    })
}

/// Claims a slot for the calling thread in `target` (or finds its claim), caches it,
/// and returns the thread's owner bits for it.
#[cold]
pub(crate) fn register(target: &Target<'_>) -> Result<u32, AcquireError> {
    // Registers the fork handler (which empties the cache in a child) before the
    // cache holds anything.
    let generation = process::fork_generation();
    let recorded = REGISTRY.try_with(|registry| {
        registry
            .try_borrow_mut()
            .ok()
            .map(|mut registry| registry.current(generation).register(target, generation))
    });
    match recorded {
        Ok(Some(bits)) => bits,
        // The thread is ending (its registry was dropped already), or — not expected —
        // the registry is in use further up this thread's stack (a signal handler).
        _ => register_unrecorded(target),
    }
}

/// A claim nothing will release before the thread ends (see the module docs).
fn register_unrecorded(target: &Target<'_>) -> Result<u32, AcquireError> {
    let claim = target.slots.claim().ok_or(AcquireError::TooManyThreads {
        max: MAX_LOCK_THREADS,
    })?;
    // The slot mutex stays in the thread's robust list until the thread ends.
    (target.keep)().keep_forever();
    Ok(publish(target.id, owner_bits(claim)))
}

/// Whether `bits` (the owner part of a lock word) are one of the calling thread's
/// claims in the object `key`, through any handle.
pub(crate) fn is_mine(key: ObjectKey, bits: u32) -> bool {
    let generation = process::fork_generation();
    REGISTRY
        .try_with(|registry| {
            registry.try_borrow_mut().is_ok_and(|mut registry| {
                registry
                    .current(generation)
                    .entries
                    .iter()
                    .any(|entry| entry.key == key && entry.bits == bits)
            })
        })
        .unwrap_or(false)
}

/// The calling thread drops the handle `id`: its claim through it ends, unless the
/// thread holds the lock through it (then it lasts until the thread ends, or until a
/// later claim finds the lock released).
pub(crate) fn close(id: u64) {
    let generation = process::fork_generation();
    let _ = REGISTRY.try_with(|registry| {
        if let Ok(mut registry) = registry.try_borrow_mut() {
            let registry = registry.current(generation);
            if let Some(index) = registry.entries.iter().position(|entry| entry.id == id)
                && !registry.entries[index].holds()
            {
                registry.entries.swap_remove(index);
            }
        }
    });
}

/// In the child of a `fork`, from the fork handler: the cache names the parent
/// thread's claims. Async-signal-safe: plain stores to thread-local memory that has
/// no destructor.
pub(crate) fn forget_cache_after_fork() {
    CACHE.with(|cache| {
        for way in cache {
            way.set((0, 0));
        }
    });
}

fn way(id: u64) -> usize {
    // The low bits of an id: consecutive handles fall in different ways.
    (id as usize) & (CACHE_WAYS - 1)
}

/// Makes `bits` the calling thread's for the handle `id`, and returns them.
fn publish(id: u64, bits: u32) -> u32 {
    // The claim was written before this fence; the lock word is written after it. A
    // waiter that reads `bits` in the word (Acquire) then sees the claim, never the
    // slot's state from before it.
    fence(Ordering::Release);
    CACHE.with(|cache| cache[way(id)].set((id, bits)));
    bits
}

fn forget_cached(id: u64) {
    CACHE.with(|cache| {
        let way = &cache[way(id)];
        if way.get().0 == id {
            way.set((0, 0));
        }
    });
}

/// A thread's claims.
struct Registry {
    /// The fork generation the entries were made in.
    generation: u64,
    entries: Vec<Entry>,
}

impl Registry {
    /// The registry, emptied first if it is a copy made by `fork` (without touching
    /// the slots: the claims are the parent thread's).
    fn current(&mut self, generation: u64) -> &mut Self {
        if self.generation != generation {
            self.entries.clear();
            self.generation = generation;
        }
        self
    }

    fn register(&mut self, target: &Target<'_>, generation: u64) -> Result<u32, AcquireError> {
        // Claims through handles that were dropped, and that hold nothing, end now.
        self.entries
            .retain(|entry| !entry.keep.is_closed() || entry.holds());
        if let Some(entry) = self.entries.iter().find(|entry| entry.id == target.id) {
            return Ok(publish(target.id, entry.bits));
        }
        let claim = target.slots.claim().ok_or(AcquireError::TooManyThreads {
            max: MAX_LOCK_THREADS,
        })?;
        let bits = owner_bits(claim);
        self.entries.push(Entry {
            id: target.id,
            key: target.key,
            bits,
            claim,
            generation,
            word: NonNull::from(target.word),
            slots: NonNull::from(target.slots),
            keep: (target.keep)(),
        });
        Ok(publish(target.id, bits))
    }
}

/// One claim of the thread: a slot whose mutex it holds, in a lock it uses through the
/// handle `id`.
struct Entry {
    id: u64,
    key: ObjectKey,
    /// The thread's owner bits in the lock word for this claim.
    bits: u32,
    claim: Claim,
    /// The fork generation the claim was made in.
    generation: u64,
    /// The lock word and slot table, in the mapping `keep` keeps mapped.
    word: NonNull<AtomicU32>,
    slots: NonNull<SlotTable>,
    keep: KeepMapped,
}

impl Entry {
    fn word(&self) -> &AtomicU32 {
        // SAFETY: `word` points into the mapping that `keep` keeps mapped while the
        // entry lives; an atomic is valid for any bits.
        unsafe { self.word.as_ref() }
    }

    fn slots(&self) -> &SlotTable {
        // SAFETY: as for `word`: a table of robust mutexes and atomics in the mapping
        // `keep` keeps mapped, initialized before the object was published.
        unsafe { self.slots.as_ref() }
    }

    /// Whether the thread holds the lock through this claim.
    fn holds(&self) -> bool {
        self.word().load(Ordering::Relaxed) & OWNER == self.bits
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        // The cache must not name a claim that ended.
        forget_cached(self.id);
        if self.generation != process::fork_generation_registered() {
            // A fork child's copy: the claim (and the slot mutex) is the parent
            // thread's. Only the mapping reference goes.
            return;
        }
        let held = self.holds();
        self.slots().release(self.claim);
        if held {
            // The thread ends holding the lock: its waiters look again, find the slot
            // released, and the next holder is told its owner died.
            futex::wake_all(self.word());
        }
        // `keep` is dropped after this, once the slot mutex is out of the robust list.
    }
}
