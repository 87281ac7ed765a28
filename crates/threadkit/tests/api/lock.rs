use std::sync::Arc;
use std::time::{Duration, Instant};

use threadkit::{Lock, ReleaseError};

use crate::support::{spawn_named, wait_until_blocked};

#[test]
fn acquire_guards_data() {
    let lock = Lock::new(vec![1]);
    lock.acquire().push(2);
    assert_eq!(*lock.acquire(), [1, 2]);
    assert!(!lock.is_locked());
    let guard = lock.acquire();
    assert!(lock.is_locked());
    drop(guard);
    assert_eq!(lock.into_inner(), [1, 2]);
}

#[test]
fn try_acquire_fails_while_held() {
    let lock = Lock::new(());
    let guard = lock.try_acquire().expect("free");
    assert!(lock.try_acquire().is_none());
    drop(guard);
    assert!(lock.try_acquire().is_some());
}

#[test]
fn timeout_expires_while_held_and_succeeds_when_free() {
    let lock = Lock::new(());
    let _guard = lock.acquire();
    let start = Instant::now();
    assert!(lock.acquire_timeout(Duration::from_millis(30)).is_none());
    assert!(start.elapsed() >= Duration::from_millis(30));
    assert!(lock.acquire_deadline(Instant::now()).is_none());
    drop(_guard);
    assert!(lock.acquire_timeout(Duration::from_millis(30)).is_some());
    assert!(
        lock.acquire_timeout(Duration::MAX).is_some(),
        "a huge timeout means forever"
    );
}

#[test]
fn blocked_acquirer_gets_the_lock_on_release() {
    let lock = Arc::new(Lock::new(0));
    let guard = lock.acquire();
    let waiter = {
        let lock = Arc::clone(&lock);
        spawn_named("lock-waiter", move || *lock.acquire() += 1)
    };
    wait_until_blocked("lock-waiter");
    drop(guard);
    waiter.join().unwrap();
    assert_eq!(*lock.acquire(), 1);
}

#[test]
fn python_style_release_from_another_thread() {
    let lock = Arc::new(Lock::new(()));
    lock.acquire().detach();
    assert!(lock.is_locked());
    let other = Arc::clone(&lock);
    std::thread::spawn(move || other.release())
        .join()
        .unwrap()
        .unwrap();
    assert!(!lock.is_locked());
}

#[test]
fn releasing_an_unlocked_lock_is_an_error() {
    let lock = Lock::new(());
    assert_eq!(lock.release(), Err(ReleaseError::NotLocked));
    assert!(!lock.is_locked());
}

#[test]
fn release_refuses_a_lock_held_by_a_guard() {
    let lock = Lock::new(());
    let guard = lock.acquire();
    assert_eq!(lock.release(), Err(ReleaseError::HeldByGuard));
    assert!(lock.is_locked(), "unchanged");
    drop(guard);
    assert!(!lock.is_locked());
}

#[test]
fn panic_releases_without_poisoning() {
    let lock = Arc::new(Lock::new(5));
    let other = Arc::clone(&lock);
    let result = std::thread::spawn(move || {
        let _guard = other.acquire();
        panic!("boom");
    })
    .join();
    assert!(result.is_err());
    assert_eq!(*lock.acquire(), 5);
}

#[test]
fn names_and_creation_sites() {
    let named = Lock::named("accounts", ());
    assert_eq!(named.name(), Some("accounts"));
    let plain = Lock::new(());
    assert_eq!(plain.name(), None);
    let site = plain.created_at().expect("site recorded");
    assert!(site.file().ends_with("lock.rs"), "{site}");
}

#[test]
fn debug_never_blocks() {
    let lock = Lock::named("dbg", 7);
    assert_eq!(format!("{lock:?}"), "Lock { name: \"dbg\", data: 7 }");
    let _guard = lock.acquire();
    assert_eq!(
        format!("{lock:?}"),
        "Lock { name: \"dbg\", data: <locked> }"
    );
}

#[test]
fn const_construction_in_a_static() {
    static COUNTER: Lock<u32> = Lock::new(0);
    *COUNTER.acquire() += 1;
    assert!(*COUNTER.acquire() >= 1);
    assert!(COUNTER.created_at().is_some());
}

#[test]
fn unsized_data() {
    let lock: Box<Lock<[u8]>> = Box::new(Lock::new([1u8, 2, 3]));
    assert_eq!(lock.acquire().len(), 3);
}

#[test]
fn mutual_exclusion_counts_every_increment() {
    // Small under Miri, which checks each access; tests/stress.rs does the heavy runs.
    let per_thread = if cfg!(miri) { 50 } else { 10_000 };
    let lock = Arc::new(Lock::new(0u64));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let lock = Arc::clone(&lock);
            std::thread::spawn(move || {
                for _ in 0..per_thread {
                    *lock.acquire() += 1;
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*lock.acquire(), 4 * per_thread);
}

#[test]
fn reset_after_fork_frees_a_lock_whose_holder_is_gone() {
    let lock = std::sync::Arc::new(Lock::named("forked", ()));
    let held = std::sync::Arc::clone(&lock);
    std::thread::spawn(move || held.acquire().detach())
        .join()
        .unwrap();
    assert!(lock.is_locked());
    lock.reset_after_fork();
    assert!(!lock.is_locked());
    assert!(lock.try_acquire().is_some(), "free again");
    assert_eq!(lock.release(), Err(threadkit::ReleaseError::NotLocked));
}
