//! A lock-free MPMC FIFO list of fixed-size blocks (the algorithm of crossbeam's
//! unbounded channel): the storage of an unbounded queue, and the pool's job queue,
//! which closes it.
//!
//! ```text
//! index (head or tail):  position << SHIFT | flag
//!   position % LAP        the slot's offset in its block; offset BLOCK_CAP (the last
//!                         index of each lap) is never a slot: a tail there means "the
//!                         next block is being installed"
//!   MARK_BIT (head only)  head and tail are in different blocks, so the queue is not
//!                         empty and consumers need not read the tail
//!   CLOSED (tail only)    no more pushes: set by `close`, kept by every later tail
//!                         update, so a push either claims its slot before the close
//!                         or sees the flag
//! slot state bits:        WRITE (value written) | READ (value taken) | DESTROY (the
//!                         block's destroyer found this slot still being read: its
//!                         reader finishes the destruction)
//! ```
//!
//! Producers claim a slot by advancing the tail index; the producer that claims a
//! block's last slot installs the next block. Consumers claim by advancing the head; the
//! consumer that takes a block's last value destroys the block once no reader is still
//! inside it.
//!
//! An optional `limit` bounds the length exactly: a producer compares the tail with a
//! cached copy of the head (never ahead of the real head) before claiming a slot, and
//! refreshes the copy only when it says the queue is full.
//!
//! Closing is exact too: it sets a flag in the tail index, which every claim
//! compare-exchanges, so no value lands after `close` returns.

use std::mem::MaybeUninit;
use std::ptr;

use super::ring::CachePadded;
use crate::backoff::Backoff;
use crate::primitive::{AtomicPtr, AtomicUsize, Ordering, UnsafeCell, fence};

const WRITE: usize = 1;
const READ: usize = 2;
const DESTROY: usize = 4;

/// Indices per block lap (one more than the slots: the last index marks installing).
#[cfg(not(loom))]
const LAP: usize = 32;
/// Under loom, tiny blocks, so small models install and destroy blocks.
#[cfg(loom)]
const LAP: usize = 4;
/// Slots per block.
const BLOCK_CAP: usize = LAP - 1;
const SHIFT: usize = 1;
/// Head flag: the head's block has a successor.
const MARK_BIT: usize = 1;
/// Tail flag: the list is closed.
const CLOSED: usize = 1;

struct Slot<T> {
    value: UnsafeCell<MaybeUninit<T>>,
    state: AtomicUsize,
}

impl<T> Slot<T> {
    /// Waits until the producer that claimed this slot has written it.
    fn wait_write(&self) {
        let mut backoff = Backoff::new();
        while self.state.load(Ordering::Acquire) & WRITE == 0 {
            backoff.spin_or_yield();
        }
    }
}

struct Block<T> {
    next: AtomicPtr<Block<T>>,
    slots: [Slot<T>; BLOCK_CAP],
}

impl<T> Block<T> {
    fn new() -> Box<Self> {
        Box::new(Self {
            next: AtomicPtr::new(ptr::null_mut()),
            slots: std::array::from_fn(|_| Slot {
                value: UnsafeCell::new(MaybeUninit::uninit()),
                state: AtomicUsize::new(0),
            }),
        })
    }

    /// Waits until the next block is installed.
    fn wait_next(&self) -> *mut Block<T> {
        let mut backoff = Backoff::new();
        loop {
            let next = self.next.load(Ordering::Acquire);
            if !next.is_null() {
                return next;
            }
            backoff.spin_or_yield();
        }
    }

    /// Frees the block once no reader of slots `start..` is still inside it.
    ///
    /// # Safety
    ///
    /// `this` must point to a live block whose last slot (or slot `start - 1`) was
    /// read by the caller, which thereby took over its destruction.
    unsafe fn destroy(this: *mut Self, start: usize) {
        // The last slot needs no DESTROY bit: its reader is the one destroying.
        for i in start..BLOCK_CAP - 1 {
            // SAFETY: the block is live until this function frees it (caller contract).
            let slot = unsafe { &(*this).slots[i] };
            if slot.state.load(Ordering::Acquire) & READ == 0
                && slot.state.fetch_or(DESTROY, Ordering::AcqRel) & READ == 0
            {
                // A reader is still in this slot; it will continue the destruction.
                return;
            }
        }
        // SAFETY: every slot has been read and no reader remains: the block is ours.
        drop(unsafe { Box::from_raw(this) });
    }
}

struct Position<T> {
    index: AtomicUsize,
    block: AtomicPtr<Block<T>>,
}

/// An unbounded (or limited) lock-free MPMC FIFO list that can be closed.
pub(crate) struct Segments<T> {
    head: CachePadded<Position<T>>,
    tail: CachePadded<Position<T>>,
    /// A lower bound of the head index, refreshed by producers when a limit is in force.
    cached_head: CachePadded<AtomicUsize>,
    /// The maximum length; 0 = unbounded.
    limit: AtomicUsize,
}

// SAFETY: values move between threads through the list (`T: Send`); slot and block
// accesses follow the claim/state protocol above.
unsafe impl<T: Send> Send for Segments<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Segments<T> {}

impl<T> Segments<T> {
    /// An empty, unbounded list.
    pub(crate) fn new() -> Self {
        Self {
            head: CachePadded(Position {
                index: AtomicUsize::new(0),
                block: AtomicPtr::new(ptr::null_mut()),
            }),
            tail: CachePadded(Position {
                index: AtomicUsize::new(0),
                block: AtomicPtr::new(ptr::null_mut()),
            }),
            cached_head: CachePadded(AtomicUsize::new(0)),
            limit: AtomicUsize::new(0),
        }
    }

    /// Sets the maximum length (0 = unbounded).
    pub(crate) fn set_limit(&self, limit: usize) {
        self.limit.store(limit, Ordering::SeqCst);
    }

    /// The maximum length (0 = unbounded).
    pub(crate) fn limit(&self) -> usize {
        self.limit.load(Ordering::Relaxed)
    }

    /// Appends `value`, or hands it back if the list is at its limit or closed.
    pub(crate) fn push(&self, value: T) -> Result<(), T> {
        let mut backoff = Backoff::new();
        let mut tail = self.tail.index.load(Ordering::Acquire);
        let mut block = self.tail.block.load(Ordering::Acquire);
        let mut next_block: Option<Box<Block<T>>> = None;
        loop {
            if tail & CLOSED != 0 {
                return Err(value);
            }
            let offset = (tail >> SHIFT) % LAP;
            if offset == BLOCK_CAP {
                // Another producer is installing the next block.
                backoff.spin_or_yield();
                tail = self.tail.index.load(Ordering::Acquire);
                block = self.tail.block.load(Ordering::Acquire);
                continue;
            }
            let limit = self.limit.load(Ordering::Relaxed);
            if limit != 0 && !self.below_limit(tail, limit) {
                return Err(value);
            }
            // About to fill the block: allocate the next one outside the race.
            if offset + 1 == BLOCK_CAP && next_block.is_none() {
                next_block = Some(Block::new());
            }
            if block.is_null() {
                // The very first value: install the first block.
                let new = Box::into_raw(Block::new());
                if self
                    .tail
                    .block
                    .compare_exchange(block, new, Ordering::Release, Ordering::Relaxed)
                    .is_ok()
                {
                    self.head.block.store(new, Ordering::Release);
                    block = new;
                } else {
                    // SAFETY: `new` was never shared; take it back.
                    next_block = Some(unsafe { Box::from_raw(new) });
                    tail = self.tail.index.load(Ordering::Acquire);
                    block = self.tail.block.load(Ordering::Acquire);
                    continue;
                }
            }
            let new_tail = tail + (1 << SHIFT);
            match self.tail.index.compare_exchange_weak(
                tail,
                new_tail,
                Ordering::SeqCst,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    if offset + 1 == BLOCK_CAP {
                        // We claimed the last slot: install the next block.
                        let next = Box::into_raw(next_block.take().unwrap_or_else(Block::new));
                        self.tail.block.store(next, Ordering::Release);
                        // Skip the block-end index; an add keeps CLOSED if it was set
                        // meanwhile (nobody else moves the tail while it is there).
                        self.tail.index.fetch_add(1 << SHIFT, Ordering::Release);
                        // SAFETY: `block` stays live until its last slot is read, which
                        // cannot happen before we write it below.
                        unsafe { (*block).next.store(next, Ordering::Release) };
                    }
                    // SAFETY: the tail CAS gave us this slot of a live block; nobody
                    // reads it before its WRITE bit is set.
                    let slot = unsafe { &(*block).slots[offset] };
                    // SAFETY: as above: exclusive write access to the slot's value.
                    slot.value.with_mut(|v| unsafe { (*v).write(value) });
                    slot.state.fetch_or(WRITE, Ordering::Release);
                    return Ok(());
                }
                Err(current) => {
                    tail = current;
                    block = self.tail.block.load(Ordering::Acquire);
                    backoff.spin_or_yield();
                }
            }
        }
    }

    /// Whether the length at `tail` is below `limit`, refreshing the cached head only
    /// when the cached length says it is not.
    fn below_limit(&self, tail: usize, limit: usize) -> bool {
        let cached = self.cached_head.load(Ordering::Relaxed);
        if distance(cached, tail) < limit as u64 {
            return true;
        }
        let head = self.head.index.load(Ordering::SeqCst);
        self.cached_head.store(head, Ordering::Relaxed);
        distance(head, tail) < limit as u64
    }

    /// Removes the oldest value, if any.
    pub(crate) fn pop(&self) -> Option<T> {
        let mut backoff = Backoff::new();
        let mut head = self.head.index.load(Ordering::Acquire);
        let mut block = self.head.block.load(Ordering::Acquire);
        loop {
            let offset = (head >> SHIFT) % LAP;
            if offset == BLOCK_CAP {
                // The consumer of the previous block's last slot is moving the head on.
                backoff.spin_or_yield();
                head = self.head.index.load(Ordering::Acquire);
                block = self.head.block.load(Ordering::Acquire);
                continue;
            }
            let mut new_head = head + (1 << SHIFT);
            if new_head & MARK_BIT == 0 {
                fence(Ordering::SeqCst);
                let tail = self.tail.index.load(Ordering::Relaxed);
                if head >> SHIFT == tail >> SHIFT {
                    return None;
                }
                // Head and tail in different blocks: mark it, so the next consumers of
                // this block need not look at the tail.
                if (head >> SHIFT) / LAP != (tail >> SHIFT) / LAP {
                    new_head |= MARK_BIT;
                }
            }
            if block.is_null() {
                // The first block is being installed.
                backoff.spin_or_yield();
                head = self.head.index.load(Ordering::Acquire);
                block = self.head.block.load(Ordering::Acquire);
                continue;
            }
            match self.head.index.compare_exchange_weak(
                head,
                new_head,
                Ordering::SeqCst,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    if offset + 1 == BLOCK_CAP {
                        // We took the block's last slot: move the head to the next block.
                        // SAFETY: the block is live: its last slot is ours to read.
                        let next = unsafe { (*block).wait_next() };
                        let mut next_index = (new_head & !MARK_BIT).wrapping_add(1 << SHIFT);
                        // SAFETY: `next` was installed by a producer and is live.
                        if !unsafe { (*next).next.load(Ordering::Relaxed) }.is_null() {
                            next_index |= MARK_BIT;
                        }
                        self.head.block.store(next, Ordering::Release);
                        self.head.index.store(next_index, Ordering::Release);
                    }
                    // SAFETY: the head CAS gave us this slot of a live block.
                    let slot = unsafe { &(*block).slots[offset] };
                    slot.wait_write();
                    // SAFETY: the slot was written (WRITE seen) and is ours to read once.
                    let value = slot.value.with(|v| unsafe { (*v).assume_init_read() });
                    if offset + 1 == BLOCK_CAP {
                        // SAFETY: we read the last slot: we start the block's destruction.
                        unsafe { Block::destroy(block, 0) };
                    } else if slot.state.fetch_or(READ, Ordering::AcqRel) & DESTROY != 0 {
                        // SAFETY: the destroyer found us inside; we continue after us.
                        unsafe { Block::destroy(block, offset + 1) };
                    }
                    return Some(value);
                }
                Err(current) => {
                    head = current;
                    block = self.head.block.load(Ordering::Acquire);
                    backoff.spin_or_yield();
                }
            }
        }
    }

    /// The number of values in the list (a consistent snapshot of both indices).
    pub(crate) fn len(&self) -> usize {
        loop {
            let tail = self.tail.index.load(Ordering::SeqCst);
            let head = self.head.index.load(Ordering::SeqCst);
            if self.tail.index.load(Ordering::SeqCst) == tail {
                return usize::try_from(distance(head, tail)).unwrap_or(usize::MAX);
            }
        }
    }

    /// Whether the list looked empty (SeqCst: pairs with a producer's tail update).
    ///
    /// Reads the tail only when the head block has no successor: a consumer well
    /// behind the producers then leaves their cache line alone.
    pub(crate) fn is_empty(&self) -> bool {
        let head = self.head.index.load(Ordering::SeqCst);
        if head & MARK_BIT != 0 {
            return false;
        }
        let tail = self.tail.index.load(Ordering::SeqCst);
        head >> SHIFT == tail >> SHIFT
    }

    /// How many values were ever pushed (the tail's position).
    pub(crate) fn pushed(&self) -> u64 {
        position(self.tail.index.load(Ordering::SeqCst))
    }

    /// Closes the list: later pushes fail. Returns whether this call closed it.
    pub(crate) fn close(&self) -> bool {
        self.tail.index.fetch_or(CLOSED, Ordering::SeqCst) & CLOSED == 0
    }

    /// Whether the list is closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.tail.index.load(Ordering::SeqCst) & CLOSED != 0
    }
}

/// The number of values pushed before `index` (block-end indices hold no value).
fn position(index: usize) -> u64 {
    let mut at = index >> SHIFT;
    // A tail on a block end is a block being installed: count it as the next block.
    if at % LAP == BLOCK_CAP {
        at += 1;
    }
    (at - at / LAP) as u64
}

/// The number of values between a head and a tail index.
fn distance(head: usize, tail: usize) -> u64 {
    position(tail).saturating_sub(position(head))
}

impl<T> Drop for Segments<T> {
    fn drop(&mut self) {
        // Exclusive access: walk from head to tail, dropping values and blocks.
        let mut head = self.head.index.load(Ordering::Relaxed) & !MARK_BIT;
        let tail = self.tail.index.load(Ordering::Relaxed) & !CLOSED;
        let mut block = self.head.block.load(Ordering::Relaxed);
        while head != tail {
            let offset = (head >> SHIFT) % LAP;
            if offset < BLOCK_CAP {
                // SAFETY: exclusive access; slots between head and tail hold values.
                let slot = unsafe { &(*block).slots[offset] };
                // SAFETY: written and never read.
                slot.value.with_mut(|v| unsafe { (*v).assume_init_drop() });
            } else {
                // SAFETY: exclusive access; the next block exists since tail is beyond.
                let next = unsafe { (*block).next.load(Ordering::Relaxed) };
                // SAFETY: every value of `block` has been dropped; nobody else holds it.
                drop(unsafe { Box::from_raw(block) });
                block = next;
            }
            head = head.wrapping_add(1 << SHIFT);
        }
        if !block.is_null() {
            // SAFETY: the last block, no longer referenced.
            drop(unsafe { Box::from_raw(block) });
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn fifo_across_blocks_and_close_exactly() {
        let queue = Segments::new();
        for i in 0..100 {
            queue.push(i).unwrap();
        }
        assert!(!queue.is_empty());
        for i in 0..50 {
            assert_eq!(queue.pop(), Some(i));
        }
        assert!(queue.close());
        assert!(!queue.close());
        assert!(queue.is_closed());
        assert_eq!(queue.push(7), Err(7));
        for i in 50..100 {
            assert_eq!(queue.pop(), Some(i));
        }
        assert_eq!(queue.pop(), None);
        assert!(queue.is_empty());
    }

    #[test]
    fn drop_frees_what_is_left() {
        let queue = Segments::new();
        let counted = std::sync::Arc::new(());
        for _ in 0..70 {
            queue.push(std::sync::Arc::clone(&counted)).unwrap();
        }
        drop(queue.pop());
        drop(queue);
        assert_eq!(std::sync::Arc::strong_count(&counted), 1);
    }

    #[test]
    fn many_producers_and_consumers_lose_nothing() {
        let per = if cfg!(miri) { 100 } else { 20_000 };
        let queue = Segments::new();
        let total = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for p in 0..2 {
                let queue = &queue;
                scope.spawn(move || {
                    for i in 0..per {
                        queue.push(p * per + i + 1).unwrap();
                    }
                });
            }
            for _ in 0..2 {
                let (queue, total) = (&queue, &total);
                scope.spawn(move || {
                    let mut taken = 0;
                    while taken < per {
                        if let Some(value) = queue.pop() {
                            total.fetch_add(value, std::sync::atomic::Ordering::Relaxed);
                            taken += 1;
                        } else {
                            std::thread::yield_now();
                        }
                    }
                });
            }
        });
        let n = 2 * per;
        assert_eq!(total.into_inner(), n * (n + 1) / 2);
        assert!(queue.is_empty());
    }
}
