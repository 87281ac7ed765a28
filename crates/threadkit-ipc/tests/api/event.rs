use std::sync::Arc;
use std::time::{Duration, Instant};

use threadkit_ipc::{Event, testing};

use crate::support::{Helper, TestName, current_tid, wait_until_asleep};

/// How long the waiters of these tests wait at most. A waiter that is not woken up
/// waits all of it (and then may still find the event set), so a wait that ends well
/// before it was ended by a wake-up.
const WAIT: Duration = Duration::from_secs(10);

/// The number in a helper's "set after N ms" line.
fn waited(line: &str) -> Duration {
    let millis = line
        .split_ascii_whitespace()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected line {line:?}"));
    Duration::from_millis(millis)
}

#[test]
fn set_wakes_waiters_in_other_processes() {
    let name = TestName::new("event-wake");
    let event = Event::create(&name).unwrap();
    let mut waiters: Vec<Helper> = (0..3)
        .map(|_| Helper::spawn("wait-event", &name, Some(WAIT.as_millis() as u64)))
        .collect();
    // Set only once all three sleep in the futex wait: the wake-up is what is tested.
    for waiter in &mut waiters {
        waiter.expect("waiting");
        waiter.wait_until_asleep();
    }
    assert!(testing::event_has_waiters(&event));
    event.set();
    for waiter in &mut waiters {
        let line = waiter.expect("set after ");
        assert!(waited(&line) < WAIT / 2, "not woken up: {line}");
        assert!(waiter.wait().success());
    }
}

#[test]
fn a_wait_in_another_process_times_out_while_clear() {
    let name = TestName::new("event-timeout");
    let _event = Event::create(&name).unwrap();
    let mut waiter = Helper::spawn("wait-event", &name, Some(50));
    waiter.expect("waiting");
    let line = waiter.expect("timeout after ");
    assert!(waited(&line) >= Duration::from_millis(50), "{line}");
    assert!(waiter.wait().success());
}

#[test]
fn another_process_setting_wakes_a_thread_here() {
    let name = TestName::new("event-remote-set");
    let event = Arc::new(Event::create(&name).unwrap());
    let (tid_sender, tid) = std::sync::mpsc::channel();
    let waiter = {
        let event = Arc::clone(&event);
        std::thread::spawn(move || {
            tid_sender.send(current_tid()).unwrap();
            let started = Instant::now();
            let set = event.wait_timeout(WAIT);
            (set, started.elapsed())
        })
    };
    // The helper sets the event only once the thread sleeps in the futex wait.
    wait_until_asleep(std::process::id(), tid.recv().unwrap());
    assert!(testing::event_has_waiters(&event));
    let mut setter = Helper::spawn("set-event", &name, None);
    assert!(setter.wait().success());
    let (set, waited) = waiter.join().unwrap();
    assert!(set);
    assert!(waited < WAIT / 2, "not woken up: waited {waited:?}");
    assert!(event.is_set());
    assert!(
        !testing::event_has_waiters(&event),
        "set clears the waiters bit"
    );
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
