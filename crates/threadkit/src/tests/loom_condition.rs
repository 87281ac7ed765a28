use std::time::Duration;

use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::thread;

use crate::{Condition, Lock};

/// The classic: a waiter checks a flag under the lock and waits; the notifier sets it
/// under the lock and notifies. A lost wake-up would leave the waiter parked forever,
/// which loom reports as a deadlock.
#[test]
fn no_lost_wake_up() {
    loom::model(|| {
        let shared = Arc::new((Condition::with_lock(Lock::new(())), AtomicBool::new(false)));
        let waiter = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let (cond, flag) = &*shared;
                let mut guard = cond.acquire();
                guard.wait_for(|| flag.load(Ordering::Relaxed), None)
            })
        };
        let (cond, flag) = &*shared;
        let guard = cond.acquire();
        flag.store(true, Ordering::Relaxed);
        guard.notify(1);
        drop(guard);
        assert!(waiter.join().unwrap());
    });
}

/// A timed wait racing a notify: the notify reports the waiter woken exactly when the
/// wait returns true.
#[test]
fn timed_wait_and_notify_agree() {
    loom::model(|| {
        let shared = Arc::new((Condition::with_lock(Lock::new(())), AtomicUsize::new(0)));
        let waiter = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let (cond, _) = &*shared;
                let mut guard = cond.acquire();
                guard.wait_timeout(Duration::from_secs(1))
            })
        };
        let (cond, woken) = &*shared;
        let guard = cond.acquire();
        woken.store(guard.notify(1), Ordering::Relaxed);
        drop(guard);
        let notified = waiter.join().unwrap();
        assert_eq!(notified, woken.load(Ordering::Relaxed) == 1);
    });
}

/// Waiting over the default RLock gives up every level and restores it.
#[test]
fn rlock_levels_are_restored() {
    loom::model(|| {
        let shared = Arc::new((Condition::new(), AtomicBool::new(false)));
        let waiter = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let (cond, flag) = &*shared;
                let mut guard = cond.acquire();
                let _again = cond.lock().acquire();
                guard.wait_for(|| flag.load(Ordering::Relaxed), None);
                cond.lock().depth()
            })
        };
        let (cond, flag) = &*shared;
        let guard = cond.acquire();
        flag.store(true, Ordering::Relaxed);
        guard.notify_all();
        drop(guard);
        assert_eq!(waiter.join().unwrap(), 2);
    });
}
