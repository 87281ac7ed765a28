use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use threadkit::{Condition, Lock, NotOwnedError, RLock};

use crate::support::wait_until;

#[test]
fn waiting_without_the_lock_is_an_error() {
    let cond = Condition::new();
    let wait = NotOwnedError { operation: "wait" };
    let notify = NotOwnedError {
        operation: "notify",
    };
    assert_eq!(cond.wait_timeout(Duration::ZERO), Err(wait));
    assert_eq!(cond.wait(), Err(wait));
    assert_eq!(cond.wait_for(|| true, None), Err(wait));
    assert_eq!(cond.notify(1), Err(notify));
    assert_eq!(cond.notify_all(), Err(notify));
    assert_eq!(wait.to_string(), "cannot wait on un-acquired lock");
}

#[test]
fn another_threads_hold_does_not_count_for_an_rlock() {
    let cond = Arc::new(Condition::new());
    let guard = cond.acquire();
    let other = Arc::clone(&cond);
    let result = std::thread::spawn(move || other.notify(1)).join().unwrap();
    assert!(result.is_err());
    drop(guard);
}

#[test]
fn timed_wait_times_out_and_restores_the_lock() {
    let cond = Condition::new();
    let mut guard = cond.acquire();
    let _nested = cond.lock().acquire();
    assert_eq!(cond.lock().depth(), 2);
    let start = Instant::now();
    assert!(!guard.wait_timeout(Duration::from_millis(20)));
    assert!(start.elapsed() >= Duration::from_millis(20));
    assert_eq!(cond.lock().depth(), 2, "every level is restored");
    assert!(!guard.wait_deadline(Instant::now()));
}

#[test]
fn wait_releases_every_rlock_level() {
    let cond = Arc::new(Condition::new());
    let entered = Arc::new(AtomicUsize::new(0));
    let waiter = {
        let (cond, entered) = (Arc::clone(&cond), Arc::clone(&entered));
        std::thread::spawn(move || {
            let mut guard = cond.acquire();
            let _again = cond.lock().acquire();
            entered.store(1, Ordering::SeqCst);
            guard.wait();
            cond.lock().depth()
        })
    };
    wait_until("the waiter waits", || cond.waiting() == 1);
    // The lock is free although the waiter acquired it twice.
    let guard = cond.acquire();
    guard.notify(1);
    drop(guard);
    assert_eq!(waiter.join().unwrap(), 2);
}

#[test]
fn notify_n_wakes_exactly_n_oldest_first() {
    let cond = Arc::new(Condition::with_lock(Lock::new(())));
    let order = Arc::new(Lock::new(Vec::new()));
    let mut waiters = Vec::new();
    for i in 0..4 {
        let (shared, order) = (Arc::clone(&cond), Arc::clone(&order));
        waiters.push(std::thread::spawn(move || {
            let mut guard = shared.acquire();
            assert!(guard.wait_timeout(Duration::from_secs(10)));
            order.acquire().push(i);
        }));
        wait_until("the waiter queues", || cond.waiting() == i + 1);
    }
    assert_eq!(cond.acquire().notify(2), 2);
    wait_until("two woke", || order.acquire().len() == 2);
    assert_eq!(cond.waiting(), 2, "no spurious wake-ups");
    let mut woken = order.acquire().clone();
    woken.sort_unstable();
    assert_eq!(woken, [0, 1]);
    assert_eq!(cond.acquire().notify_all(), 2);
    for w in waiters {
        w.join().unwrap();
    }
    assert_eq!(order.acquire().len(), 4);
}

#[test]
fn wait_for_returns_the_predicate() {
    let cond = Arc::new(Condition::with_lock(Lock::new(())));
    let value = Arc::new(AtomicUsize::new(0));
    let mut guard = cond.acquire();
    assert!(!guard.wait_for(
        || value.load(Ordering::Relaxed) == 1,
        Some(Duration::from_millis(10))
    ));
    assert!(guard.wait_for(|| true, Some(Duration::ZERO)));
    drop(guard);
    let setter = {
        let (cond, value) = (Arc::clone(&cond), Arc::clone(&value));
        std::thread::spawn(move || {
            wait_until("the waiter waits", || cond.waiting() == 1);
            for v in 1..=3 {
                let guard = cond.acquire();
                value.store(v, Ordering::Relaxed);
                guard.notify_all();
            }
        })
    };
    let mut guard = cond.acquire();
    assert!(guard.wait_for(|| value.load(Ordering::Relaxed) == 3, None));
    drop(guard);
    setter.join().unwrap();
}

#[test]
fn python_style_checked_methods() {
    let cond = Condition::with_lock(RLock::new(()));
    cond.lock().acquire().detach();
    assert_eq!(cond.wait_timeout(Duration::from_millis(1)), Ok(false));
    assert_eq!(cond.wait_deadline(Instant::now()), Ok(false));
    assert_eq!(cond.wait_for(|| true, Some(Duration::ZERO)), Ok(true));
    assert_eq!(cond.notify(5), Ok(0));
    assert_eq!(cond.notify_all(), Ok(0));
    cond.lock().release().unwrap();
    assert!(cond.notify(1).is_err());
}

#[test]
fn condition_over_a_plain_lock_counts_any_holder() {
    // CPython's Condition over a Lock: "owned" means "locked", by anyone.
    let cond = Arc::new(Condition::with_lock(Lock::new(())));
    let guard = cond.acquire();
    let other = Arc::clone(&cond);
    assert_eq!(
        std::thread::spawn(move || other.notify(1)).join().unwrap(),
        Ok(0)
    );
    drop(guard);
    assert!(cond.notify(1).is_err());
}

#[test]
fn shared_and_boxed_locks_work_too() {
    let lock = Arc::new(Lock::new(()));
    let cond = Condition::with_lock(Arc::clone(&lock));
    let guard = cond.acquire();
    assert!(lock.is_locked());
    drop(guard);
    let by_ref = Condition::with_lock(&*lock);
    assert!(by_ref.try_acquire().is_some());
    let boxed = Condition::named("boxed", Box::new(RLock::new(())));
    assert!(boxed.acquire_timeout(Duration::from_millis(1)).is_some());
    assert!(format!("{boxed:?}").contains("'boxed'"));
}
