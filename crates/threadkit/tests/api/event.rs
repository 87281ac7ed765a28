use std::sync::Arc;
use std::time::{Duration, Instant};

use threadkit::Event;

use crate::support::{spawn_named, wait_until_blocked};

#[test]
fn set_clear_is_set() {
    let event = Event::new();
    assert!(!event.is_set());
    event.set();
    event.set();
    assert!(event.is_set());
    event.wait();
    assert!(event.wait_timeout(Duration::ZERO));
    event.clear();
    event.clear();
    assert!(!event.is_set());
}

#[test]
fn timed_wait_returns_false_when_not_set() {
    let event = Event::new();
    let start = Instant::now();
    assert!(!event.wait_timeout(Duration::from_millis(20)));
    assert!(start.elapsed() >= Duration::from_millis(20));
    assert!(!event.wait_deadline(Instant::now()));
}

#[test]
fn set_wakes_every_waiter() {
    let event = Arc::new(Event::named("gun"));
    let waiters: Vec<_> = (0..4)
        .map(|i| {
            let event = Arc::clone(&event);
            spawn_named(&format!("event-waiter-{i}"), move || {
                event.wait_timeout(Duration::from_secs(10))
            })
        })
        .collect();
    for i in 0..4 {
        wait_until_blocked(&format!("event-waiter-{i}"));
    }
    event.set();
    for w in waiters {
        assert!(w.join().unwrap());
    }
}

#[test]
fn woken_waiter_returns_true_even_if_cleared_again() {
    // CPython issue #13502.
    let event = Arc::new(Event::new());
    let waiter = {
        let event = Arc::clone(&event);
        spawn_named("event-cleared", move || {
            event.wait_timeout(Duration::from_secs(10))
        })
    };
    wait_until_blocked("event-cleared");
    event.set();
    event.clear();
    assert!(waiter.join().unwrap());
}

#[test]
fn debug_and_name() {
    let event = Event::named("ready");
    assert_eq!(event.name(), Some("ready"));
    assert!(format!("{event:?}").contains("set: false"));
}
