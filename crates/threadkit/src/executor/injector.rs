//! The pool's queue of jobs: an unbounded, lock-free, multi-producer multi-consumer
//! FIFO that can be closed (crossbeam's `SegQueue` and the list flavour of its
//! channels, which this follows closely).
//!
//! Values live in blocks of `BLOCK_CAP` slots linked into a list. A push claims a
//! slot by advancing the tail index, then writes the value and marks the slot
//! written; a pop claims a slot by advancing the head index, waits for the write, and
//! reads it. The last slot index of each block is never used: a pusher that claims
//! the slot before it installs the next block, and others wait while the index
//! points there. Blocks are freed by the last thread to use them (see
//! [`Block::destroy`]).
//!
//! ```text
//! index bits:  63 .. 1   0
//!              position  HAS_NEXT (head: the head block has a successor)
//!                        CLOSED   (tail: no more pushes)
//! ```

use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::ptr;

use crate::primitive::{AtomicPtr, AtomicUsize, Ordering, UnsafeCell, fence, spin_loop, yield_now};

// Slot states.
/// The value has been written.
const WRITE: usize = 1;
/// The value has been read.
const READ: usize = 2;
/// The block is being destroyed: the reader of this slot must continue.
const DESTROY: usize = 4;

/// Slots per block, plus the unused one.
#[cfg(not(loom))]
const LAP: usize = 32;
/// Under loom, small blocks, so that models cross block boundaries.
#[cfg(loom)]
const LAP: usize = 3;
const BLOCK_CAP: usize = LAP - 1;
/// Indexes count in units of `1 << SHIFT`; the low bit is a flag.
const SHIFT: usize = 1;
/// Head index flag: the head block has a successor (so the queue is not empty).
const HAS_NEXT: usize = 1;
/// Tail index flag: the queue is closed.
const CLOSED: usize = 1;

/// Waits a little for another thread's progress (it is between two steps).
fn snooze(step: &mut u32) {
    if *step < 6 && crate::primitive::SPINNING {
        for _ in 0..(1u32 << *step) {
            spin_loop();
        }
        *step += 1;
    } else {
        yield_now();
    }
}

struct Slot<T> {
    value: UnsafeCell<MaybeUninit<T>>,
    state: AtomicUsize,
}

impl<T> Slot<T> {
    /// Waits until the pusher that claimed this slot has written it.
    fn wait_write(&self) {
        let mut step = 0;
        while self.state.load(Ordering::Acquire) & WRITE == 0 {
            snooze(&mut step);
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

    /// Waits until the next block is linked.
    fn wait_next(&self) -> *mut Block<T> {
        let mut step = 0;
        loop {
            let next = self.next.load(Ordering::Acquire);
            if !next.is_null() {
                return next;
            }
            snooze(&mut step);
        }
    }

    /// Frees the block once the slots from `start` on are read: marks each unread
    /// one DESTROY, and if its reader is still at work, leaves the rest to it.
    ///
    /// # Safety
    ///
    /// `this` is a block every slot of which before `start` has been read, and whose
    /// last slot has been claimed by a reader (so no pusher touches it any more); the
    /// caller does not use it afterwards.
    unsafe fn destroy(this: *mut Block<T>, start: usize) {
        // The last slot need not be marked: its reader is the one destroying.
        for i in start..BLOCK_CAP - 1 {
            // SAFETY: the block is alive until the last of its readers frees it, and
            // that is us or a reader we hand over to below.
            let slot = unsafe { &(*this).slots[i] };
            if slot.state.load(Ordering::Acquire) & READ == 0
                && slot.state.fetch_or(DESTROY, Ordering::AcqRel) & READ == 0
            {
                // That slot's reader will go on from there when it is done.
                return;
            }
        }
        // SAFETY: every slot has been read: nobody uses the block any more, and it was
        // allocated by `Box`.
        drop(unsafe { Box::from_raw(this) });
    }
}

/// An end of the queue: an index and the block it points into.
#[repr(align(128))]
struct Position<T> {
    index: AtomicUsize,
    block: AtomicPtr<Block<T>>,
}

/// An unbounded MPMC FIFO that can be closed.
pub(crate) struct Injector<T> {
    head: Position<T>,
    tail: Position<T>,
    _owns: PhantomData<T>,
}

// SAFETY: values are moved in by one thread and out by another: `T: Send` suffices;
// the queue's own state is atomics, and each slot is accessed by the one pusher and
// the one popper that claimed it, ordered by the slot's state (release/acquire).
unsafe impl<T: Send> Send for Injector<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Injector<T> {}

impl<T> Injector<T> {
    /// An empty, open queue.
    pub(crate) fn new() -> Self {
        let first = Box::into_raw(Block::new());
        Self {
            head: Position {
                index: AtomicUsize::new(0),
                block: AtomicPtr::new(first),
            },
            tail: Position {
                index: AtomicUsize::new(0),
                block: AtomicPtr::new(first),
            },
            _owns: PhantomData,
        }
    }

    /// Appends `value`; hands it back if the queue is closed.
    pub(crate) fn push(&self, value: T) -> Result<(), T> {
        let mut step = 0;
        let mut tail = self.tail.index.load(Ordering::Acquire);
        let mut block = self.tail.block.load(Ordering::Acquire);
        let mut next_block = None;
        loop {
            if tail & CLOSED != 0 {
                return Err(value);
            }
            let offset = (tail >> SHIFT) % LAP;
            if offset == BLOCK_CAP {
                // Another pusher is installing the next block.
                snooze(&mut step);
                tail = self.tail.index.load(Ordering::Acquire);
                block = self.tail.block.load(Ordering::Acquire);
                continue;
            }
            // About to fill the block: have the next one ready, to install at once.
            if offset + 1 == BLOCK_CAP && next_block.is_none() {
                next_block = Some(Block::new());
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
                        let next = Box::into_raw(next_block.take().unwrap_or_else(Block::new));
                        self.tail.block.store(next, Ordering::Release);
                        // Skip the unused slot index (an add keeps CLOSED if set meanwhile).
                        self.tail.index.fetch_add(1 << SHIFT, Ordering::Release);
                        // SAFETY: `block` is the tail block, which stays alive until
                        // its last slot (ours) is read.
                        unsafe { (*block).next.store(next, Ordering::Release) };
                    }
                    // SAFETY: we claimed slot `offset` of `block` (alive, as above);
                    // nobody reads it before WRITE is set below.
                    let slot = unsafe { &(*block).slots[offset] };
                    slot.value.with_mut(|cell| {
                        // SAFETY: the slot is ours to write (claimed above, unread).
                        unsafe { cell.write(MaybeUninit::new(value)) }
                    });
                    slot.state.fetch_or(WRITE, Ordering::Release);
                    return Ok(());
                }
                Err(found) => {
                    tail = found;
                    block = self.tail.block.load(Ordering::Acquire);
                    if crate::primitive::SPINNING {
                        spin_loop();
                    } else {
                        yield_now();
                    }
                }
            }
        }
    }

    /// Takes the oldest value, if any.
    pub(crate) fn pop(&self) -> Option<T> {
        let mut step = 0;
        let mut head = self.head.index.load(Ordering::Acquire);
        let mut block = self.head.block.load(Ordering::Acquire);
        loop {
            let offset = (head >> SHIFT) % LAP;
            if offset == BLOCK_CAP {
                // Another popper is moving the head to the next block.
                snooze(&mut step);
                head = self.head.index.load(Ordering::Acquire);
                block = self.head.block.load(Ordering::Acquire);
                continue;
            }
            let mut new_head = head + (1 << SHIFT);
            if new_head & HAS_NEXT == 0 {
                fence(Ordering::SeqCst);
                let tail = self.tail.index.load(Ordering::Relaxed);
                if head >> SHIFT == tail >> SHIFT {
                    return None;
                }
                // Head and tail in different blocks: the head block has a successor.
                if (head >> SHIFT) / LAP != (tail >> SHIFT) / LAP {
                    new_head |= HAS_NEXT;
                }
            }
            match self.head.index.compare_exchange_weak(
                head,
                new_head,
                Ordering::SeqCst,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    if offset + 1 == BLOCK_CAP {
                        // SAFETY: the head block is alive until its last slot (ours) is
                        // read; its successor exists (the tail moved past it).
                        let next = unsafe { (*block).wait_next() };
                        let mut next_index = (new_head & !HAS_NEXT).wrapping_add(1 << SHIFT);
                        // SAFETY: `next` is linked, so it is alive.
                        if !unsafe { (*next).next.load(Ordering::Relaxed) }.is_null() {
                            next_index |= HAS_NEXT;
                        }
                        self.head.block.store(next, Ordering::Release);
                        self.head.index.store(next_index, Ordering::Release);
                    }
                    // SAFETY: we claimed slot `offset` of `block`, which stays alive
                    // until we mark it read (see `Block::destroy`).
                    let slot = unsafe { &(*block).slots[offset] };
                    slot.wait_write();
                    // SAFETY: WRITE is set (acquire): the value is initialized, and only
                    // we read it.
                    let value = slot.value.with(|cell| unsafe { cell.read().assume_init() });
                    if offset + 1 == BLOCK_CAP {
                        // SAFETY: all slots before ours were claimed by readers, and
                        // ours, the last, is read.
                        unsafe { Block::destroy(block, 0) };
                    } else if slot.state.fetch_or(READ, Ordering::AcqRel) & DESTROY != 0 {
                        // SAFETY: the destroyer handed over to us at our slot.
                        unsafe { Block::destroy(block, offset + 1) };
                    }
                    return Some(value);
                }
                Err(found) => {
                    head = found;
                    block = self.head.block.load(Ordering::Acquire);
                    if crate::primitive::SPINNING {
                        spin_loop();
                    } else {
                        yield_now();
                    }
                }
            }
        }
    }

    /// Whether the queue looked empty (SeqCst: pairs with a pusher's tail update).
    ///
    /// Reads the tail only when the head block has no successor: a consumer well
    /// behind the producer then leaves the producer's cache line alone.
    pub(crate) fn is_empty(&self) -> bool {
        let head = self.head.index.load(Ordering::SeqCst);
        if head & HAS_NEXT != 0 {
            return false;
        }
        let tail = self.tail.index.load(Ordering::SeqCst);
        head >> SHIFT == tail >> SHIFT
    }

    /// Closes the queue: later pushes fail. Returns whether this call closed it.
    pub(crate) fn close(&self) -> bool {
        self.tail.index.fetch_or(CLOSED, Ordering::SeqCst) & CLOSED == 0
    }

    /// Whether the queue is closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.tail.index.load(Ordering::SeqCst) & CLOSED != 0
    }
}

impl<T> Drop for Injector<T> {
    fn drop(&mut self) {
        // `&mut self`: no other thread uses the queue; drop what is left and free the
        // blocks from head to tail.
        let mut head = self.head.index.load(Ordering::Relaxed) & !HAS_NEXT;
        let tail = self.tail.index.load(Ordering::Relaxed) & !CLOSED;
        let mut block = self.head.block.load(Ordering::Relaxed);
        while head != tail {
            let offset = (head >> SHIFT) % LAP;
            if offset < BLOCK_CAP {
                // SAFETY: slots between head and tail were written (every push that
                // claimed one completed before we got `&mut self`) and not read.
                unsafe {
                    let slot = &(*block).slots[offset];
                    slot.value.with_mut(|cell| (*cell).assume_init_drop());
                }
            } else {
                // SAFETY: the block's slots are all done with; the next one is linked.
                unsafe {
                    let next = (*block).next.load(Ordering::Relaxed);
                    drop(Box::from_raw(block));
                    block = next;
                }
            }
            head = head.wrapping_add(1 << SHIFT);
        }
        if !block.is_null() {
            // SAFETY: the last block, allocated by `Box`, no longer used.
            drop(unsafe { Box::from_raw(block) });
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn fifo_across_blocks_and_close() {
        let queue = Injector::new();
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
        let queue = Injector::new();
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
        let queue = Injector::new();
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
