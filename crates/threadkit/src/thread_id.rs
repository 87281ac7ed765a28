//! A cheap, never reused number for the calling thread: the owner word of an RLock,
//! and the `ident` of threadkit's thread records.

use std::cell::Cell;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::primitive::thread_local;

static NEXT: AtomicU64 = AtomicU64::new(1);

#[cfg(not(loom))]
thread_local! {
    static ID: Cell<u64> = const { Cell::new(0) };
}

// loom's `thread_local!` takes a plain expression.
#[cfg(loom)]
thread_local! {
    static ID: Cell<u64> = Cell::new(0);
}

/// The calling thread's id (1, 2, 3 … in order of first use; never reused).
#[inline]
pub(crate) fn current() -> NonZeroU64 {
    let id = ID.with(Cell::get);
    match NonZeroU64::new(id) {
        Some(id) => id,
        None => assign(),
    }
}

#[cold]
fn assign() -> NonZeroU64 {
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    ID.with(|cell| cell.set(id));
    NonZeroU64::new(id).unwrap_or(NonZeroU64::MIN)
}

#[cfg(all(test, not(loom)))]
mod tests {
    #[test]
    fn stable_and_distinct() {
        let here = super::current();
        assert_eq!(here, super::current());
        let there = std::thread::spawn(super::current).join().unwrap();
        assert_ne!(here, there);
    }
}
