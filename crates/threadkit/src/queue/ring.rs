//! The storage of a bounded FIFO queue: a lock-free array ring (Dmitry Vyukov's
//! bounded MPMC queue, as crossbeam's array channel implements it).
//!
//! Each slot carries a *stamp* saying which lap and state it is in, so producers and
//! consumers learn whether a slot is free or full from the slot they are about to touch
//! (whose cache line travels anyway, with the value) rather than from the other side's
//! index. Only when the ring looks full or empty does a thread read the other index.
//!
//! ```text
//! head, tail:  lap | index        (index < capacity; lap counts in units of one_lap)
//! slot stamp:  tail + 1           written, to be read in this lap
//!              head + one_lap     read, free for the next lap's write
//! ```
//!
//! `limit` (≤ capacity) bounds the length below the capacity after `set_limit`: a
//! producer then also compares `tail - head` with it, reading a cached copy of `head`
//! that it refreshes only when the cached length reaches the limit, so the bound is
//! exact (the cached head is never ahead of the real one) and cheap.

use std::mem::MaybeUninit;

use crate::backoff::Backoff;
use crate::primitive::{AtomicUsize, Ordering, UnsafeCell, fence};

/// Pads and aligns a value to its own cache line pair (as crossbeam does: adjacent-line
/// prefetching pulls lines in pairs on x86).
#[repr(align(128))]
#[derive(Debug, Default)]
pub(crate) struct CachePadded<T>(pub(crate) T);

impl<T> std::ops::Deref for CachePadded<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

struct Slot<T> {
    stamp: AtomicUsize,
    value: UnsafeCell<MaybeUninit<T>>,
}

/// A bounded lock-free MPMC FIFO ring.
pub(crate) struct Ring<T> {
    head: CachePadded<AtomicUsize>,
    tail: CachePadded<AtomicUsize>,
    /// A lower bound of `head`, refreshed by producers when a limit is in force.
    cached_head: CachePadded<AtomicUsize>,
    /// The maximum length (≤ capacity).
    limit: AtomicUsize,
    buffer: Box<[Slot<T>]>,
    capacity: usize,
    /// The next power of two above `capacity`: one lap in index units.
    one_lap: usize,
}

// SAFETY: values move between threads through the ring (so `T: Send`), and every slot
// access is serialized by its stamp protocol.
unsafe impl<T: Send> Send for Ring<T> {}
// SAFETY: as above; `&Ring` only hands out owned values.
unsafe impl<T: Send> Sync for Ring<T> {}

impl<T> Ring<T> {
    /// A ring of `capacity` slots (at least 1).
    pub(crate) fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        let one_lap = (capacity + 1).next_power_of_two();
        let buffer = (0..capacity)
            .map(|i| Slot {
                stamp: AtomicUsize::new(i),
                value: UnsafeCell::new(MaybeUninit::uninit()),
            })
            .collect();
        Self {
            head: CachePadded(AtomicUsize::new(0)),
            tail: CachePadded(AtomicUsize::new(0)),
            cached_head: CachePadded(AtomicUsize::new(0)),
            limit: AtomicUsize::new(capacity),
            buffer,
            capacity,
            one_lap,
        }
    }

    /// How many slots the ring has.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Sets the maximum length (clamped to 1..=capacity).
    pub(crate) fn set_limit(&self, limit: usize) {
        self.limit
            .store(limit.clamp(1, self.capacity), Ordering::SeqCst);
    }

    /// The maximum length.
    pub(crate) fn limit(&self) -> usize {
        self.limit.load(Ordering::Relaxed)
    }

    /// Appends `value`, or hands it back if the ring is at its limit.
    pub(crate) fn push(&self, value: T) -> Result<(), T> {
        let mut backoff = Backoff::new();
        let mut tail = self.tail.load(Ordering::Relaxed);
        loop {
            let index = tail & (self.one_lap - 1);
            let lap = tail & !(self.one_lap - 1);
            let next = if index + 1 < self.capacity {
                tail + 1
            } else {
                lap.wrapping_add(self.one_lap)
            };
            let slot = &self.buffer[index];
            let stamp = slot.stamp.load(Ordering::Acquire);
            if tail == stamp {
                // The slot is free for this lap. Below the capacity, a limit may apply.
                let limit = self.limit.load(Ordering::Relaxed);
                if limit < self.capacity && !self.below_limit(tail, limit) {
                    return Err(value);
                }
                match self.tail.compare_exchange_weak(
                    tail,
                    next,
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: winning the tail CAS for a slot whose stamp says
                        // "free for this lap" gives this thread exclusive write access
                        // until it publishes the stamp below.
                        slot.value.with_mut(|v| unsafe { (*v).write(value) });
                        slot.stamp.store(tail + 1, Ordering::Release);
                        return Ok(());
                    }
                    Err(current) => {
                        tail = current;
                        backoff.spin_or_yield();
                    }
                }
            } else if stamp.wrapping_add(self.one_lap) == tail + 1 {
                // The slot still holds last lap's value: full, unless a consumer is
                // about to take it.
                fence(Ordering::SeqCst);
                let head = self.head.load(Ordering::Relaxed);
                if head.wrapping_add(self.one_lap) == tail {
                    return Err(value);
                }
                backoff.spin_or_yield();
                tail = self.tail.load(Ordering::Relaxed);
            } else {
                // Another producer is mid-write here; wait for it.
                backoff.spin_or_yield();
                tail = self.tail.load(Ordering::Relaxed);
            }
        }
    }

    /// Whether the length at `tail` is below `limit`, refreshing the cached head only
    /// when the cached length says it is not.
    fn below_limit(&self, tail: usize, limit: usize) -> bool {
        let cached = self.cached_head.load(Ordering::Relaxed);
        if self.distance(cached, tail) < limit {
            return true;
        }
        let head = self.head.load(Ordering::SeqCst);
        self.cached_head.store(head, Ordering::Relaxed);
        self.distance(head, tail) < limit
    }

    /// Removes the oldest value, if any.
    pub(crate) fn pop(&self) -> Option<T> {
        let mut backoff = Backoff::new();
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            let index = head & (self.one_lap - 1);
            let lap = head & !(self.one_lap - 1);
            let slot = &self.buffer[index];
            let stamp = slot.stamp.load(Ordering::Acquire);
            if head + 1 == stamp {
                let next = if index + 1 < self.capacity {
                    head + 1
                } else {
                    lap.wrapping_add(self.one_lap)
                };
                match self.head.compare_exchange_weak(
                    head,
                    next,
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: winning the head CAS for a slot whose stamp says
                        // "written in this lap" gives this thread the value; the stamp
                        // store below frees the slot for the next lap.
                        let value = slot.value.with(|v| unsafe { (*v).assume_init_read() });
                        slot.stamp
                            .store(head.wrapping_add(self.one_lap), Ordering::Release);
                        return Some(value);
                    }
                    Err(current) => {
                        head = current;
                        backoff.spin_or_yield();
                    }
                }
            } else if stamp == head {
                // The slot is empty: the ring is empty unless a producer is mid-write.
                fence(Ordering::SeqCst);
                let tail = self.tail.load(Ordering::Relaxed);
                if tail == head {
                    return None;
                }
                backoff.spin_or_yield();
                head = self.head.load(Ordering::Relaxed);
            } else {
                backoff.spin_or_yield();
                head = self.head.load(Ordering::Relaxed);
            }
        }
    }

    /// The number of values in the ring (a consistent snapshot of both indices).
    pub(crate) fn len(&self) -> usize {
        loop {
            let tail = self.tail.load(Ordering::SeqCst);
            let head = self.head.load(Ordering::SeqCst);
            if self.tail.load(Ordering::SeqCst) == tail {
                return self.distance(head, tail);
            }
        }
    }

    /// How many values were ever pushed (the tail's position).
    pub(crate) fn pushed(&self) -> u64 {
        self.position(self.tail.load(Ordering::SeqCst))
    }

    /// The number of values between `head` and `tail`.
    fn distance(&self, head: usize, tail: usize) -> usize {
        // Positions are exact while fewer than 2^64 / one_lap laps have passed.
        let (head, tail) = (self.position(head), self.position(tail));
        usize::try_from(tail.saturating_sub(head)).unwrap_or(usize::MAX)
    }

    /// An index (lap | index) as an absolute position.
    fn position(&self, at: usize) -> u64 {
        let laps = (at / self.one_lap) as u64;
        laps * self.capacity as u64 + (at & (self.one_lap - 1)) as u64
    }
}

impl<T> Drop for Ring<T> {
    fn drop(&mut self) {
        // Exclusive access: drop the values still in the ring.
        while self.pop().is_some() {}
    }
}
