//! Where a lock-free queue keeps its items: [`Ring`] when created bounded, [`Segments`]
//! when created unbounded, behind one small trait the blocking layer uses. (The LIFO
//! and priority orders live in containers under a lock: see `hooks.rs` and
//! `locked_core.rs`.)

use super::error::MaxsizeError;
use super::ring::Ring;
use super::segments::Segments;

/// What the blocking layer needs from a queue's storage.
///
/// `push` and `pop` never block. `len`, `is_full` and `pushed` must be lock-free: they
/// run inside the parking lot's `validate` step.
pub(crate) trait Storage<T> {
    /// Adds a value, or hands it back if the storage is at its limit.
    fn push(&self, value: T) -> Result<(), T>;
    /// Removes the next value in the storage's order.
    fn pop(&self) -> Option<T>;
    /// The number of values held.
    fn len(&self) -> usize;
    /// Whether a push would fail for lack of room.
    fn is_full(&self) -> bool;
    /// How many values were ever pushed.
    fn pushed(&self) -> u64;
    /// The maximum length (0 = unbounded).
    fn limit(&self) -> usize;
    /// Changes the maximum length (0 = unbounded).
    fn set_limit(&self, limit: usize) -> Result<(), MaxsizeError>;
}

/// The largest capacity allocated as a ring (1 MiB of slots for 8-byte items).
pub(crate) const RING_MAX: usize = 1 << 16;

/// FIFO storage: a ring for queues created bounded, a segment list otherwise.
pub(crate) enum Fifo<T> {
    Ring(Ring<T>),
    Segments(Segments<T>),
}

impl<T> Fifo<T> {
    /// Storage for a queue of `maxsize` (0 = unbounded). A ring allocates all its
    /// slots at once, so beyond [`RING_MAX`] the limited block list is used instead
    /// (Python accepts any maxsize without allocating it).
    pub(crate) fn new(maxsize: usize) -> Self {
        if maxsize == 0 || maxsize > RING_MAX {
            Self::growable(maxsize)
        } else {
            Fifo::Ring(Ring::new(maxsize))
        }
    }

    /// Unbounded storage whose limit can later be set and changed freely.
    pub(crate) fn growable(maxsize: usize) -> Self {
        let segments = Segments::new();
        segments.set_limit(maxsize);
        Fifo::Segments(segments)
    }
}

impl<T> Storage<T> for Fifo<T> {
    #[inline]
    fn push(&self, value: T) -> Result<(), T> {
        match self {
            Fifo::Ring(ring) => ring.push(value),
            Fifo::Segments(segments) => segments.push(value),
        }
    }

    #[inline]
    fn pop(&self) -> Option<T> {
        match self {
            Fifo::Ring(ring) => ring.pop(),
            Fifo::Segments(segments) => segments.pop(),
        }
    }

    fn len(&self) -> usize {
        match self {
            Fifo::Ring(ring) => ring.len(),
            Fifo::Segments(segments) => segments.len(),
        }
    }

    fn is_full(&self) -> bool {
        match self {
            Fifo::Ring(ring) => ring.len() >= ring.limit(),
            Fifo::Segments(segments) => {
                let limit = segments.limit();
                limit != 0 && segments.len() >= limit
            }
        }
    }

    fn pushed(&self) -> u64 {
        match self {
            Fifo::Ring(ring) => ring.pushed(),
            Fifo::Segments(segments) => segments.pushed(),
        }
    }

    fn limit(&self) -> usize {
        match self {
            Fifo::Ring(ring) => ring.limit(),
            Fifo::Segments(segments) => segments.limit(),
        }
    }

    fn set_limit(&self, limit: usize) -> Result<(), MaxsizeError> {
        match self {
            Fifo::Ring(ring) if limit == 0 || limit > ring.capacity() => Err(MaxsizeError {
                requested: limit,
                capacity: ring.capacity(),
            }),
            Fifo::Ring(ring) => {
                ring.set_limit(limit);
                Ok(())
            }
            Fifo::Segments(segments) => {
                segments.set_limit(limit);
                Ok(())
            }
        }
    }
}
