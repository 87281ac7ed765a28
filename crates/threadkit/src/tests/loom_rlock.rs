use loom::sync::Arc;
use loom::thread;

use crate::RLock;

/// Nested holds on two threads: the recursion count (a loom cell) is only touched by
/// the holder, and the lock is free at the end.
#[test]
fn nested_holds_are_exclusive() {
    loom::model(|| {
        let lock = Arc::new(RLock::new(()));
        let other = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                let _outer = lock.acquire();
                let _inner = lock.acquire();
                assert_eq!(lock.depth(), 2);
            })
        };
        {
            let _outer = lock.acquire();
            assert_eq!(lock.depth(), 1);
        }
        other.join().unwrap();
        assert!(!lock.is_locked());
        assert!(lock.release().is_err());
    });
}
