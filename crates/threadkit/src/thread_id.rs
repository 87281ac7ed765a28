//! A cheap, never reused number for the calling thread: the owner word of an RLock,
//! and the `ident` of threadkit's thread registry.
//!
//! A thread gets its number on first use, except that a thread started by threadkit
//! adopts the number its spawner reserved for it (so that the handle knows it before
//! the thread runs), and the process's main thread always gets the number
//! [`main`] reserves (so that `main_thread()` can name it from any thread).

use std::cell::Cell;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::primitive::thread_local;

static NEXT: AtomicU64 = AtomicU64::new(1);

/// The main thread's number once reserved (0: not yet).
static MAIN: AtomicU64 = AtomicU64::new(0);

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
    #[cfg(not(loom))]
    let id = if crate::thread::platform::is_main_thread() {
        main()
    } else {
        reserve()
    };
    #[cfg(loom)]
    let id = reserve();
    ID.with(|cell| cell.set(id));
    NonZeroU64::new(id).unwrap_or(NonZeroU64::MIN)
}

/// A fresh number, for a thread about to be started.
pub(crate) fn reserve() -> u64 {
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Makes `id` (from [`reserve`]) the calling thread's number. Called first thing by a
/// thread threadkit started, before anything could have assigned it another.
pub(crate) fn adopt(id: u64) {
    ID.with(|cell| {
        debug_assert!(cell.get() == 0 || cell.get() == id);
        cell.set(id);
    });
}

/// The main thread's number, reserved on first request (by whichever thread asks).
pub(crate) fn main() -> u64 {
    let current = MAIN.load(Ordering::Acquire);
    if current != 0 {
        return current;
    }
    let fresh = reserve();
    match MAIN.compare_exchange(0, fresh, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => fresh,
        Err(existing) => existing,
    }
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

    #[test]
    fn adopted_numbers_stick() {
        let id = super::reserve();
        let seen = std::thread::spawn(move || {
            super::adopt(id);
            super::current().get()
        })
        .join()
        .unwrap();
        assert_eq!(seen, id);
    }
}
