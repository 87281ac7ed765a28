//! Unit tests of the parking substrate itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use super::*;

fn key_of<T>(value: &T) -> usize {
    std::ptr::from_ref(value).addr()
}

#[test]
fn invalid_when_validate_declines() {
    let word = 0u64;
    let result = park(key_of(&word), || false, || true, |_| {}, None, Spin::Never);
    assert_eq!(result, ParkResult::Invalid);
}

#[test]
fn times_out_and_reports_last() {
    let word = 0u64;
    let mut last = None;
    let start = Instant::now();
    let result = park(
        key_of(&word),
        || true,
        || true,
        |was_last| last = Some(was_last),
        Some(start + Duration::from_millis(20)),
        Spin::Never,
    );
    assert_eq!(result, ParkResult::TimedOut);
    assert!(start.elapsed() >= Duration::from_millis(20));
    assert_eq!(last, Some(true));
}

#[test]
fn declined_before_sleep_leaves_the_queue() {
    let word = 0u64;
    let mut left = false;
    let result = park(
        key_of(&word),
        || true,
        || false,
        |_| left = true,
        None,
        Spin::Never,
    );
    assert_eq!(result, ParkResult::Invalid);
    assert!(left);
    assert_eq!(
        unpark_all_when(key_of(&word), || Some(TOKEN_NORMAL)),
        0,
        "nobody is left queued"
    );
}

#[test]
fn unpark_one_hands_over_its_token_in_fifo_order() {
    let word = Arc::new(0u64);
    let key = key_of(&*word);
    let parked = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for i in 0..3 {
        // Park the threads one after another, so the queue order is known.
        let parked_clone = Arc::clone(&parked);
        handles.push(thread::spawn(move || {
            let result = park(
                key,
                || {
                    parked_clone.fetch_add(1, Ordering::SeqCst);
                    true
                },
                || true,
                |_| {},
                None,
                Spin::Never,
            );
            (i, result)
        }));
        while parked.load(Ordering::SeqCst) != i + 1 {
            thread::yield_now();
        }
    }
    for token in [10, 11, 12] {
        let result = unpark_one(key, |r| {
            assert_eq!(r.unparked, 1);
            token
        });
        assert_eq!(result.have_more, token != 12);
    }
    for handle in handles {
        let (i, result) = handle.join().unwrap();
        assert_eq!(result, ParkResult::Unparked(10 + i));
    }
    let nobody = unpark_one(key, |r| {
        assert_eq!(r.unparked, 0);
        TOKEN_NORMAL
    });
    assert_eq!(nobody.unparked, 0);
}

#[test]
fn unpark_all_wakes_every_waiter_of_the_key_only() {
    let words = Arc::new([0u64, 0u64]);
    let (key_a, key_b) = (key_of(&words[0]), key_of(&words[1]));
    let parked = Arc::new(AtomicUsize::new(0));
    let spawn = |key: usize| {
        let parked = Arc::clone(&parked);
        thread::spawn(move || {
            park(
                key,
                || {
                    parked.fetch_add(1, Ordering::SeqCst);
                    true
                },
                || true,
                |_| {},
                None,
                Spin::Never,
            )
        })
    };
    let a: Vec<_> = (0..12).map(|_| spawn(key_a)).collect();
    let b = spawn(key_b);
    while parked.load(Ordering::SeqCst) != 13 {
        thread::yield_now();
    }
    // More than the deferred wake batch, so some wake-ups happen under the lock.
    assert_eq!(unpark_all_when(key_a, || Some(7)), 12);
    for handle in a {
        assert_eq!(handle.join().unwrap(), ParkResult::Unparked(7));
    }
    assert!(!b.is_finished());
    assert_eq!(unpark_up_to(key_b, 5, |_| 3).unparked, 1);
    assert_eq!(b.join().unwrap(), ParkResult::Unparked(3));
}

#[test]
fn before_sleep_runs_after_enqueue() {
    // A wake-up sent from before_sleep (as a Condition releasing its lock would
    // allow) must not be lost.
    let word = 0u64;
    let key = key_of(&word);
    let woke = AtomicBool::new(false);
    let result = thread::scope(|s| {
        s.spawn(|| {
            park(
                key,
                || true,
                || {
                    // Another thread unparks us before we sleep.
                    thread::scope(|inner| {
                        inner.spawn(|| {
                            woke.store(unpark_one(key, |_| 42).unparked == 1, Ordering::SeqCst);
                        });
                    });
                    true
                },
                |_| {},
                None,
                Spin::Never,
            )
        })
        .join()
        .unwrap()
    });
    assert!(woke.load(Ordering::SeqCst));
    assert_eq!(result, ParkResult::Unparked(42));
}
