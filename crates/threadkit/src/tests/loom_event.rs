use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::thread;

use crate::Event;

/// A waiter is woken by `set` whatever the interleaving.
#[test]
fn set_wakes_the_waiter() {
    loom::model(|| {
        let event = Arc::new(Event::new());
        let waiter = {
            let event = Arc::clone(&event);
            thread::spawn(move || event.wait())
        };
        event.set();
        waiter.join().unwrap();
        assert!(event.is_set());
    });
}

/// A `set` must never wake a waiter that parked after a later `clear` (the bug a late
/// wake-all would cause): the second wait below may only return because of the second
/// `set`, which happens after `second` is stored.
#[test]
fn set_does_not_wake_a_later_waiter() {
    loom::model(|| {
        let (ping, pong) = (Arc::new(Event::new()), Arc::new(Event::new()));
        let second = Arc::new(AtomicBool::new(false));
        let other = {
            let (ping, pong, second) = (Arc::clone(&ping), Arc::clone(&pong), Arc::clone(&second));
            thread::spawn(move || {
                ping.wait();
                ping.clear();
                pong.set();
                ping.wait();
                assert!(second.load(Ordering::Relaxed), "woken by the first set");
            })
        };
        ping.set();
        pong.wait();
        second.store(true, Ordering::Relaxed);
        ping.set();
        other.join().unwrap();
    });
}
