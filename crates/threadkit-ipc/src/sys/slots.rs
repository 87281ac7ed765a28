//! Liveness slots: how a [`Lock`](crate::Lock)'s fast path learns, exactly, that the
//! thread holding its lock word died.
//!
//! The lock word is ours (not the C library's), so no robust list releases it when its
//! holder dies. Instead, each lock object carries a table of slots, each a robust,
//! process-shared pthread mutex and a claim word. The first time a thread uses the lock
//! (through a handle), it *claims* a slot: it locks the slot's mutex and keeps it locked
//! for as long as it may use the lock through that handle — until the handle is dropped
//! while the thread holds nothing through it, or until the thread ends. The lock word
//! names the holder's slot and the claim's generation.
//!
//! A waiter asks whether the holder lives by `pthread_mutex_trylock` on the holder's
//! slot mutex: `EBUSY` — still locked, so the thread lives (its robust list would have
//! released it otherwise); `EOWNERDEAD` — the kernel released it on the thread's death;
//! success — the thread let the slot go (it ended, having released its slot on the
//! way). The generation in the lock word tells a reused slot from the holder's claim.
//! No `/proc`, no pids: nothing that pid reuse or pid namespaces could fool.
//!
//! Claim word of a slot (written only by a thread that holds the slot's mutex):
//!
//! ```text
//!   bits 1..32  generation of the latest claim (bumped by each claim, wrapping)
//!   bit  0      CLAIMED — a thread holds the slot (or held it and died: its mutex
//!               then reads EOWNERDEAD)
//! ```

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::sys::robust::init_robust;

/// How many threads, of all processes, can use one [`Lock`](crate::Lock) at once: the
/// size of its table of liveness slots (see [`Lock`](crate::Lock)). A thread takes a
/// slot the first time it acquires the lock through a handle (a thread using two
/// handles of one lock takes two) and frees it when it ends, or when it drops the
/// handle while not holding the lock; the slots of a process that died are taken back
/// by the next thread that needs one. One thread more gets
/// [`AcquireError::TooManyThreads`](crate::AcquireError::TooManyThreads). Each slot
/// takes 48 bytes of the lock's shared memory (64-bit glibc). Locks created with
/// [priority inheritance](crate::Options::priority_inheritance) have no such limit.
pub const MAX_LOCK_THREADS: usize = 512;

/// Claim word: a thread holds the slot.
const CLAIMED: u32 = 1;

/// A lock object's liveness slots.
#[repr(C)]
pub(crate) struct SlotTable {
    slots: [Slot; MAX_LOCK_THREADS],
}

/// One thread's liveness mutex and its claim word.
#[repr(C)]
struct Slot {
    /// Process-shared, robust, error-checking; locked by the claimant for as long as
    /// the claim lasts, and briefly by claimers and waiters trying it.
    mutex: UnsafeCell<libc::pthread_mutex_t>,
    claim: AtomicU32,
}

/// What a look at the holder's slot says about the holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Liveness {
    /// It lives (its slot mutex is locked), or cannot be shown dead.
    Alive,
    /// It is gone: died, ended, or its slot was claimed again since.
    Dead,
    /// The slot is the calling thread's own (the C library says so: glibc).
    Mine,
}

/// A claimed slot: its index and the claim's generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Claim {
    pub(crate) slot: u32,
    pub(crate) generation: u32,
}

impl SlotTable {
    /// Initializes every slot's mutex.
    ///
    /// # Safety
    ///
    /// Nobody else uses the table yet (the creator calls it before publishing).
    pub(crate) unsafe fn init(&self) -> Result<(), i32> {
        for slot in &self.slots {
            // SAFETY: the mutex is valid memory that nobody else uses yet (the
            // caller's contract).
            unsafe { init_robust(slot.mutex.get(), false)? };
        }
        Ok(())
    }

    /// Claims a slot for the calling thread: one nobody holds, else one whose claimant
    /// died. Leaves its mutex locked by the calling thread (so in its robust list).
    /// `None` if every slot is held by a live thread.
    pub(crate) fn claim(&self) -> Option<Claim> {
        // Free slots first (a look at the claim word each); then claimed ones, whose
        // claimant may have died (a trylock each).
        for claimed in [false, true] {
            for (index, slot) in self.slots.iter().enumerate() {
                if (slot.claim.load(Ordering::Relaxed) & CLAIMED != 0) != claimed {
                    continue;
                }
                if slot.try_take() {
                    // We hold the mutex: the claim word is ours to write.
                    let generation = (slot.claim.load(Ordering::Relaxed) >> 1).wrapping_add(1);
                    slot.claim
                        .store((generation << 1) | CLAIMED, Ordering::Release);
                    return Some(Claim {
                        slot: u32::try_from(index).expect("slot indices are small"),
                        generation,
                    });
                }
            }
        }
        None
    }

    /// Ends the calling thread's claim `claim`: the slot is free again and its mutex
    /// unlocked (so out of the thread's robust list).
    pub(crate) fn release(&self, claim: Claim) {
        let Some(slot) = self.slots.get(claim.slot as usize) else {
            return;
        };
        let held = (claim.generation << 1) | CLAIMED;
        // Clear the claim only if it is still ours (it is, while we hold the mutex;
        // anything else is another thread's, and not ours to clear). Before unlocking:
        // once unlocked, another thread may claim the slot.
        let _ = slot.claim.compare_exchange(
            held,
            held & !CLAIMED,
            Ordering::Release,
            Ordering::Relaxed,
        );
        // SAFETY: the mutex is initialized (objects are published after init). The
        // calling thread holds it (its claim); were that not so, a robust mutex
        // returns EPERM and changes nothing.
        unsafe { libc::pthread_mutex_unlock(slot.mutex.get()) };
    }

    /// Whether the thread whose claim of `slot` had generation `generation` (its low
    /// bits, as a lock word records them: `generation_mask`) still lives. Frees the
    /// slot of a claimant found dead.
    pub(crate) fn liveness(&self, slot: u32, generation: u32, generation_mask: u32) -> Liveness {
        let Some(slot) = self.slots.get(slot as usize) else {
            // A lock word naming no slot: nobody can hold it.
            return Liveness::Dead;
        };
        let claim = slot.claim.load(Ordering::Acquire);
        if claim & CLAIMED == 0 || (claim >> 1) & generation_mask != generation {
            // The claim ended (the thread let the slot go as it ended), or the slot
            // was claimed again (which takes a dead or departed claimant).
            return Liveness::Dead;
        }
        // SAFETY: the mutex is initialized and stays mapped while `self` is borrowed.
        match unsafe { libc::pthread_mutex_trylock(slot.mutex.get()) } {
            libc::EBUSY => Liveness::Alive,
            libc::EDEADLK => Liveness::Mine,
            libc::EOWNERDEAD => {
                // The claimant died; the kernel released its claim. Free the slot.
                slot.make_consistent();
                slot.free_held(claim);
                Liveness::Dead
            }
            0 => {
                // The claimant let the slot go between our two looks.
                slot.free_held(claim);
                Liveness::Dead
            }
            // Nobody can hold a mutex that is not recoverable.
            libc::ENOTRECOVERABLE => Liveness::Dead,
            // Not expected; never take a lock from a holder not shown dead.
            _ => Liveness::Alive,
        }
    }

    /// How many slots are claimed (for tests: a momentary count).
    pub(crate) fn claimed(&self) -> usize {
        self.slots
            .iter()
            .filter(|slot| slot.claim.load(Ordering::Relaxed) & CLAIMED != 0)
            .count()
    }
}

impl Slot {
    /// Tries to lock the mutex for a claim: on success (including from a dead
    /// claimant) the calling thread holds it, consistent.
    fn try_take(&self) -> bool {
        // SAFETY: the mutex is initialized and stays mapped while `self` is borrowed.
        match unsafe { libc::pthread_mutex_trylock(self.mutex.get()) } {
            0 => true,
            libc::EOWNERDEAD => self.make_consistent(),
            // EBUSY: held (a live claimant, or a claimer or waiter trying it);
            // ENOTRECOVERABLE: unusable for good; anything else: not ours to take.
            _ => false,
        }
    }

    /// Makes the mutex, which the calling thread holds after EOWNERDEAD, consistent;
    /// false (and the mutex unlocked, unusable for good) if that fails.
    fn make_consistent(&self) -> bool {
        // SAFETY: the mutex is initialized and the calling thread holds it.
        if unsafe { libc::pthread_mutex_consistent(self.mutex.get()) } == 0 {
            return true;
        }
        // SAFETY: as above. Unlocking an inconsistent mutex makes it unrecoverable:
        // claims and waiters then skip the slot, and nobody can hold it.
        unsafe { libc::pthread_mutex_unlock(self.mutex.get()) };
        false
    }

    /// Frees the slot whose mutex the calling thread holds (briefly, to look), if its
    /// claim is still `claim`; then unlocks the mutex.
    fn free_held(&self, claim: u32) {
        let _ = self.claim.compare_exchange(
            claim,
            claim & !CLAIMED,
            Ordering::Release,
            Ordering::Relaxed,
        );
        // SAFETY: the mutex is initialized and the calling thread holds it. (If making
        // it consistent failed, it is unlocked already and this returns an error that
        // changes nothing.)
        unsafe { libc::pthread_mutex_unlock(self.mutex.get()) };
    }
}

// SAFETY: the slots are robust process-shared mutexes (made to be shared between
// threads) and atomics.
unsafe impl Sync for SlotTable {}

#[cfg(test)]
mod tests {
    use std::mem::MaybeUninit;
    use std::sync::Arc;
    use std::sync::mpsc::channel;

    use super::*;

    /// A table in process memory (process-shared mutexes work there too).
    fn table() -> Arc<SlotTable> {
        let table: Arc<MaybeUninit<SlotTable>> = Arc::new_zeroed();
        // SAFETY: all zeroes is a valid SlotTable (atomics, and mutex memory that
        // `init` initializes before any use).
        let table = unsafe { table.assume_init() };
        // SAFETY: nobody else has the table yet.
        unsafe { table.init() }.unwrap();
        table
    }

    /// A thread that claims a slot, reports it, and on the word ends — releasing its
    /// claim first, or not (then the kernel releases its mutex as it dies).
    fn claimant(table: &Arc<SlotTable>, release: bool) -> (Claim, impl FnOnce()) {
        let (claimed, claim) = channel();
        let (go, gone) = channel::<()>();
        let thread = {
            let table = Arc::clone(table);
            std::thread::spawn(move || {
                let claim = table.claim().unwrap();
                claimed.send(claim).unwrap();
                let _ = gone.recv();
                if release {
                    table.release(claim);
                }
            })
        };
        let claim = claim.recv().unwrap();
        (claim, move || {
            go.send(()).unwrap();
            thread.join().unwrap();
        })
    }

    fn liveness(table: &SlotTable, claim: Claim) -> Liveness {
        table.liveness(claim.slot, claim.generation & 0xfffff, 0xfffff)
    }

    #[test]
    fn a_claim_lives_with_its_thread_and_dies_with_it() {
        let table = table();
        let (claim, end) = claimant(&table, false);
        assert_eq!(table.claimed(), 1);
        assert_eq!(liveness(&table, claim), Liveness::Alive);
        assert_eq!(
            liveness(&table, claim),
            Liveness::Alive,
            "looking changes nothing"
        );
        // The thread ends without releasing: only its robust list frees the mutex.
        end();
        assert_eq!(liveness(&table, claim), Liveness::Dead);
        assert_eq!(table.claimed(), 0, "the dead claimant's slot was freed");
        // The slot is claimed again, under a new generation: the old claim stays dead.
        let (again, end) = claimant(&table, true);
        assert_eq!(again.slot, claim.slot);
        assert_ne!(again.generation, claim.generation);
        assert_eq!(liveness(&table, claim), Liveness::Dead);
        assert_eq!(liveness(&table, again), Liveness::Alive);
        end();
        assert_eq!(liveness(&table, again), Liveness::Dead);
        assert_eq!(table.claimed(), 0);
    }

    #[test]
    fn a_dead_claimants_slot_is_taken_back_when_no_slot_is_free() {
        let table = table();
        let (first, end_first) = claimant(&table, false);
        let mut live: Vec<_> = (1..MAX_LOCK_THREADS)
            .map(|_| claimant(&table, true))
            .collect();
        assert_eq!(table.claimed(), MAX_LOCK_THREADS);
        assert_eq!(table.claim(), None, "every slot is held by a live thread");
        end_first();
        // Still marked claimed (nobody looked), but its claimant is dead.
        assert_eq!(table.claimed(), MAX_LOCK_THREADS);
        let (taken, end_taken) = claimant(&table, true);
        assert_eq!(taken.slot, first.slot);
        assert_eq!(liveness(&table, first), Liveness::Dead);
        end_taken();
        for (_, end) in live.drain(..) {
            end();
        }
        assert_eq!(table.claimed(), 0);
    }

    #[test]
    #[cfg(target_env = "gnu")]
    fn the_calling_threads_own_claim_reads_as_its_own() {
        let table = table();
        let claim = table.claim().unwrap();
        assert_eq!(liveness(&table, claim), Liveness::Mine);
        table.release(claim);
        assert_eq!(liveness(&table, claim), Liveness::Dead);
    }

    #[test]
    #[cfg(all(target_env = "gnu", target_arch = "x86_64"))]
    fn a_slot_takes_48_bytes_as_documented() {
        assert_eq!(size_of::<Slot>(), 48);
    }

    #[test]
    fn words_naming_no_slot_or_an_unclaimed_one_are_dead() {
        let table = table();
        assert_eq!(
            table.liveness(MAX_LOCK_THREADS as u32, 1, 0xfffff),
            Liveness::Dead
        );
        assert_eq!(table.liveness(0, 0, 0xfffff), Liveness::Dead);
        assert_eq!(table.claimed(), 0);
    }
}
