use std::time::{Duration, Instant};

use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::thread;

use crate::park::{self, ParkResult, Spin};

/// A flag set before an unpark is seen by the parked thread; the validate step makes
/// a late park a no-op; a timed park racing the unpark either times out or is woken,
/// never both, and never loses the token.
#[test]
fn park_validate_unpark_and_timeout() {
    loom::model(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let key = std::ptr::from_ref(&*flag).addr();
        let waiter = {
            let flag = Arc::clone(&flag);
            thread::spawn(move || {
                // First a timed park (under loom it may give up at any point), then
                // untimed ones until the flag is seen.
                let mut deadline = Some(Instant::now() + Duration::from_secs(1));
                loop {
                    if flag.load(Ordering::Acquire) {
                        return true;
                    }
                    match park::park(
                        key,
                        || !flag.load(Ordering::Relaxed),
                        || true,
                        |_| {},
                        deadline,
                        Spin::Never,
                    ) {
                        ParkResult::Unparked(token) => {
                            assert_eq!(token, 9);
                            assert!(flag.load(Ordering::Acquire));
                            return true;
                        }
                        ParkResult::Invalid | ParkResult::TimedOut => deadline = None,
                    }
                }
            })
        };
        flag.store(true, Ordering::Release);
        park::unpark_one(key, |_| 9);
        assert!(waiter.join().unwrap());
    });
}
