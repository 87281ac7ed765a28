use std::sync::Arc;
use std::time::{Duration, Instant};

use threadkit_ipc::Event;

use crate::support::{Helper, TestName};

#[test]
fn set_wakes_waiters_in_other_processes() {
    let name = TestName::new("event-wake");
    let event = Event::create(&name).unwrap();
    let mut waiters: Vec<Helper> = (0..3)
        .map(|_| Helper::spawn("wait-event", &name, Some(20_000)))
        .collect();
    for waiter in &mut waiters {
        waiter.expect("waiting");
    }
    event.set();
    for waiter in &mut waiters {
        waiter.expect("set");
        assert!(waiter.wait().success());
    }
}

#[test]
fn a_wait_in_another_process_times_out_while_clear() {
    let name = TestName::new("event-timeout");
    let _event = Event::create(&name).unwrap();
    let mut waiter = Helper::spawn("wait-event", &name, Some(50));
    waiter.expect("waiting");
    waiter.expect("timeout");
    assert!(waiter.wait().success());
}

#[test]
fn another_process_setting_wakes_a_thread_here() {
    let name = TestName::new("event-remote-set");
    let event = Arc::new(Event::create(&name).unwrap());
    let waiter = {
        let event = Arc::clone(&event);
        std::thread::spawn(move || event.wait_timeout(Duration::from_secs(20)))
    };
    let mut setter = Helper::spawn("set-event", &name, None);
    assert!(setter.wait().success());
    assert!(waiter.join().unwrap());
    assert!(event.is_set());
}

#[test]
fn set_clear_and_timeouts_behave_like_python() {
    let name = TestName::new("event-basics");
    let event = Event::create(&name).unwrap();
    let other = Event::open(&name).unwrap();
    assert!(!event.is_set());
    let started = Instant::now();
    assert!(!event.wait_timeout(Duration::from_millis(30)));
    assert!(started.elapsed() >= Duration::from_millis(30));
    assert!(!event.wait_deadline(Instant::now()));
    other.set();
    other.set(); // setting a set event changes nothing
    assert!(event.is_set());
    event.wait();
    assert!(event.wait_timeout(Duration::ZERO));
    event.clear();
    assert!(!other.is_set());
    assert!(!other.wait_timeout(Duration::from_millis(1)));
    // A huge timeout means "forever", not an overflow.
    other.set();
    assert!(event.wait_timeout(Duration::MAX));
}
