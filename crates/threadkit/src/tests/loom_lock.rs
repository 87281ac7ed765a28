use std::time::Duration;

use loom::sync::Arc;
use loom::thread;

use crate::Lock;

/// Two threads increment under the lock; loom checks the data accesses (the lock's
/// cell is a loom cell) and that nobody is left parked.
#[test]
fn mutual_exclusion() {
    loom::model(|| {
        let lock = Arc::new(Lock::new(0usize));
        let other = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || *lock.acquire() += 1)
        };
        *lock.acquire() += 1;
        other.join().unwrap();
        assert_eq!(*lock.acquire(), 2);
    });
}

/// A timed acquire racing a release either gets the lock or times out, and a parked
/// blocking acquirer is still woken (the "parked" bit survives the timeout).
#[test]
fn timeout_races_release() {
    loom::model(|| {
        let lock = Arc::new(Lock::new(0usize));
        let guard = lock.acquire();
        let timed = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                if let Some(mut guard) = lock.acquire_timeout(Duration::from_secs(1)) {
                    *guard += 1;
                }
            })
        };
        let blocking = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || *lock.acquire() += 10)
        };
        drop(guard);
        timed.join().unwrap();
        blocking.join().unwrap();
        let total = *lock.acquire();
        assert!(total == 10 || total == 11, "{total}");
    });
}

/// Python style: acquired on one thread, released on another.
#[test]
fn release_from_another_thread() {
    loom::model(|| {
        let lock = Arc::new(Lock::new(()));
        lock.acquire().detach();
        let releaser = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || lock.release().unwrap())
        };
        let guard = lock.acquire();
        drop(guard);
        releaser.join().unwrap();
        assert!(!lock.is_locked());
    });
}
