use std::sync::Arc;
use std::time::Duration;

use threadkit::{RLock, ReleaseError};

use crate::support::{spawn_named, wait_until_blocked};

#[test]
fn reentry_and_depth() {
    let lock = RLock::new(3);
    let a = lock.acquire();
    let b = lock.acquire();
    assert_eq!(*a + *b, 6);
    assert_eq!(lock.depth(), 2);
    assert!(lock.is_owned());
    drop(b);
    assert_eq!(lock.depth(), 1);
    drop(a);
    assert_eq!(lock.depth(), 0);
    assert!(!lock.is_locked());
}

#[test]
fn other_threads_wait_for_the_last_release() {
    let lock = Arc::new(RLock::new(()));
    let outer = lock.acquire();
    let inner = lock.acquire();
    let other = {
        let lock = Arc::clone(&lock);
        spawn_named("rlock-waiter", move || {
            let _g = lock.acquire();
            lock.depth()
        })
    };
    wait_until_blocked("rlock-waiter");
    drop(inner);
    assert!(!other.is_finished() || lock.is_locked());
    drop(outer);
    assert_eq!(other.join().unwrap(), 1);
}

#[test]
fn non_owner_release_is_an_error() {
    let lock = Arc::new(RLock::new(()));
    assert_eq!(lock.release(), Err(ReleaseError::NotOwned));
    lock.acquire().detach();
    let other = Arc::clone(&lock);
    let result = std::thread::spawn(move || other.release()).join().unwrap();
    assert_eq!(result, Err(ReleaseError::NotOwned));
    assert!(lock.is_owned(), "unchanged");
    assert_eq!(lock.release(), Ok(()));
    assert_eq!(lock.release(), Err(ReleaseError::NotOwned));
}

#[test]
fn try_and_timeout_forms() {
    let lock = Arc::new(RLock::new(()));
    let held = lock.acquire();
    assert!(lock.try_acquire().is_some(), "the holder re-enters");
    let other = Arc::clone(&lock);
    let (tried, timed) = std::thread::spawn(move || {
        (
            other.try_acquire().is_some(),
            other.acquire_timeout(Duration::from_millis(20)).is_some(),
        )
    })
    .join()
    .unwrap();
    assert!(!tried && !timed);
    drop(held);
    let other = Arc::clone(&lock);
    assert!(
        std::thread::spawn(move || other.acquire_timeout(Duration::from_secs(5)).is_some())
            .join()
            .unwrap()
    );
}

#[test]
fn debug_never_blocks() {
    let lock = Arc::new(RLock::named("r", 1));
    assert_eq!(format!("{lock:?}"), "RLock { name: \"r\", data: 1 }");
    let _held = lock.acquire();
    let other = Arc::clone(&lock);
    let shown = std::thread::spawn(move || format!("{other:?}"))
        .join()
        .unwrap();
    assert_eq!(shown, "RLock { name: \"r\", data: <locked> }");
}

#[test]
fn holder_is_visible_from_other_threads() {
    let lock = Arc::new(RLock::new(()));
    assert_eq!(lock.holder(), None);
    let _a = lock.acquire();
    let _b = lock.acquire();
    let other = Arc::clone(&lock);
    let seen = std::thread::spawn(move || other.holder()).join().unwrap();
    let (ident, depth) = seen.expect("held");
    assert_eq!(depth, 2);
    assert_ne!(ident, 0);
}

#[test]
fn reset_after_fork_frees_a_lock_whose_holder_is_gone() {
    let lock = std::sync::Arc::new(RLock::named("forked", ()));
    let held = std::sync::Arc::clone(&lock);
    // A holder that vanishes with its hold (as the parent's threads do in a fork child).
    std::thread::spawn(move || {
        let outer = held.acquire();
        std::mem::forget(held.acquire());
        std::mem::forget(outer);
    })
    .join()
    .unwrap();
    assert!(lock.is_locked() && !lock.is_owned());
    lock.reset_after_fork();
    assert!(!lock.is_locked());
    let guard = lock.try_acquire().expect("free again");
    assert_eq!(lock.depth(), 1);
    drop(guard);
    assert!(!lock.is_locked());
}
