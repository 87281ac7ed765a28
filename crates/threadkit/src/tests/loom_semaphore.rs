use std::time::Duration;

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;

use crate::{BoundedSemaphore, Semaphore};

/// Three threads through a two-permit semaphore: never more than two inside, every
/// permit comes back.
#[test]
fn never_more_than_the_permits() {
    loom::model(|| {
        let semaphore = Arc::new(Semaphore::new(2));
        let inside = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..3)
            .map(|_| {
                let (semaphore, inside) = (Arc::clone(&semaphore), Arc::clone(&inside));
                thread::spawn(move || {
                    let _permit = semaphore.acquire();
                    assert!(inside.fetch_add(1, Ordering::SeqCst) < 2);
                    inside.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(semaphore.available_permits(), 2);
    });
}

/// A blocked acquirer is woken by a release even when a third thread's fast path
/// briefly hides the permit (its give-back must wake the waiter, as a release would).
#[test]
fn transient_take_does_not_strand_a_waiter() {
    loom::model(|| {
        let semaphore = Arc::new(Semaphore::new(0));
        let waiter = {
            let semaphore = Arc::clone(&semaphore);
            thread::spawn(move || semaphore.acquire().forget())
        };
        let prober = {
            let semaphore = Arc::clone(&semaphore);
            thread::spawn(move || drop(semaphore.try_acquire()))
        };
        semaphore.release(1).unwrap();
        prober.join().unwrap();
        waiter.join().unwrap();
        assert_eq!(semaphore.available_permits(), 0);
    });
}

/// A timed acquire racing a release: the permit ends up either taken or available,
/// never lost or duplicated; the bound holds.
#[test]
fn bounded_timeout_races_release() {
    loom::model(|| {
        let semaphore = Arc::new(BoundedSemaphore::new(1));
        let held = semaphore.acquire();
        let timed = {
            let semaphore = Arc::clone(&semaphore);
            thread::spawn(move || {
                semaphore
                    .acquire_timeout(Duration::from_secs(1))
                    .map(|permit| permit.forget())
                    .is_some()
            })
        };
        drop(held);
        let took = timed.join().unwrap();
        assert_eq!(semaphore.available_permits(), if took { 0 } else { 1 });
        assert!(semaphore.release(if took { 2 } else { 1 }).is_err());
    });
}
