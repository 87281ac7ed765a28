//! Stress tests that count: every increment, every permit, every wake-up.
//!
//! Sized for CI; `THREADKIT_STRESS=<factor>` multiplies the work (e.g. 10 for a long
//! run). Skipped under Miri, which runs the unit and API tests instead.

#![cfg(not(miri))]

use std::cell::UnsafeCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use threadkit::{Barrier, BoundedSemaphore, Condition, Event, Lock, RLock, Semaphore};

/// `base` scaled by `THREADKIT_STRESS`.
fn scaled(base: usize) -> usize {
    let factor = std::env::var("THREADKIT_STRESS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1);
    base * factor.max(1)
}

/// A counter that is deliberately not atomic: only mutual exclusion keeps it right.
struct Unprotected(UnsafeCell<u64>);
// SAFETY: every access in these tests happens under the lock being tested.
unsafe impl Sync for Unprotected {}

#[test]
fn lock_loses_no_increment() {
    let per_thread = scaled(50_000);
    let lock = Arc::new(Lock::new(()));
    let counter = Arc::new(Unprotected(UnsafeCell::new(0)));
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let (lock, counter) = (Arc::clone(&lock), Arc::clone(&counter));
            std::thread::spawn(move || {
                for n in 0..per_thread {
                    // Mix every way of acquiring.
                    let _guard = match (i + n) % 3 {
                        0 => lock.acquire(),
                        1 => lock
                            .acquire_timeout(Duration::from_secs(10))
                            .expect("lock starved"),
                        _ => loop {
                            if let Some(guard) = lock.try_acquire() {
                                break guard;
                            }
                            std::hint::spin_loop();
                        },
                    };
                    // SAFETY: the lock is held.
                    unsafe { *counter.0.get() += 1 };
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let _guard = lock.acquire();
    // SAFETY: the lock is held and every writer has finished.
    assert_eq!(unsafe { *counter.0.get() }, 4 * per_thread as u64);
}

#[test]
fn python_style_lock_released_by_other_threads_keeps_exclusion() {
    // A lock used as a binary semaphore: acquired on one thread, released on another.
    let rounds = scaled(20_000);
    let lock = Arc::new(Lock::new(()));
    let inside = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let (lock, inside) = (Arc::clone(&lock), Arc::clone(&inside));
            std::thread::spawn(move || {
                for _ in 0..rounds {
                    lock.acquire().detach();
                    assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0);
                    inside.fetch_sub(1, Ordering::SeqCst);
                    lock.release().unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert!(!lock.is_locked());
}

#[test]
fn rlock_nested_holds_stay_exclusive() {
    let per_thread = scaled(20_000);
    let lock = Arc::new(RLock::new(()));
    let counter = Arc::new(Unprotected(UnsafeCell::new(0)));
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let (lock, counter) = (Arc::clone(&lock), Arc::clone(&counter));
            std::thread::spawn(move || {
                for n in 0..per_thread {
                    let _outer = lock.acquire();
                    let _inner = if n % 2 == 0 {
                        Some(lock.acquire())
                    } else {
                        None
                    };
                    // SAFETY: the lock is held.
                    unsafe { *counter.0.get() += 1 };
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let _guard = lock.acquire();
    // SAFETY: the lock is held and every writer has finished.
    assert_eq!(unsafe { *counter.0.get() }, 3 * per_thread as u64);
}

fn never_exceeds(permits: usize, threads: usize, per_thread: usize, bounded: bool) {
    enum Either {
        Plain(Semaphore),
        Bounded(BoundedSemaphore),
    }
    let semaphore = Arc::new(if bounded {
        Either::Bounded(BoundedSemaphore::new(permits))
    } else {
        Either::Plain(Semaphore::new(permits))
    });
    let inside = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let (semaphore, inside) = (Arc::clone(&semaphore), Arc::clone(&inside));
            std::thread::spawn(move || {
                let mut timeouts = 0;
                for n in 0..per_thread {
                    let permit = match (&*semaphore, (i + n) % 3) {
                        (Either::Plain(s), 0) => Some(s.acquire()),
                        (Either::Plain(s), 1) => s.acquire_timeout(Duration::from_micros(200)),
                        (Either::Plain(s), _) => s.try_acquire(),
                        (Either::Bounded(s), 0) => Some(s.acquire()),
                        (Either::Bounded(s), 1) => s.acquire_timeout(Duration::from_micros(200)),
                        (Either::Bounded(s), _) => s.try_acquire(),
                    };
                    let Some(permit) = permit else {
                        timeouts += 1;
                        continue;
                    };
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    assert!(
                        now <= permits,
                        "{now} threads inside a {permits}-permit semaphore"
                    );
                    inside.fetch_sub(1, Ordering::SeqCst);
                    drop(permit);
                }
                timeouts
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let available = match &*semaphore {
        Either::Plain(s) => s.available_permits(),
        Either::Bounded(s) => s.available_permits(),
    };
    assert_eq!(available, permits, "every permit came back");
}

#[test]
fn semaphore_never_exceeds_its_permits() {
    never_exceeds(2, 6, scaled(20_000), false);
    never_exceeds(1, 4, scaled(20_000), false);
}

#[test]
fn bounded_semaphore_never_exceeds_its_permits() {
    never_exceeds(3, 6, scaled(20_000), true);
}

#[test]
fn semaphore_waiters_do_not_starve() {
    // Three threads hammer a one-permit semaphore until the fourth has had its turns;
    // the test ends only if the fourth is not starved.
    let semaphore = Arc::new(Semaphore::new(1));
    let done = Arc::new(AtomicBool::new(false));
    let hammers: Vec<_> = (0..3)
        .map(|_| {
            let (semaphore, done) = (Arc::clone(&semaphore), Arc::clone(&done));
            std::thread::spawn(move || {
                let mut count = 0u64;
                while !done.load(Ordering::Relaxed) {
                    drop(semaphore.acquire());
                    count += 1;
                }
                count
            })
        })
        .collect();
    for _ in 0..scaled(200) {
        assert!(
            semaphore.acquire_timeout(Duration::from_secs(10)).is_some(),
            "a waiter starved for 10 s"
        );
    }
    done.store(true, Ordering::Relaxed);
    for h in hammers {
        h.join().unwrap();
    }
}

#[test]
fn lock_waiters_do_not_starve() {
    let lock = Arc::new(Lock::new(()));
    let done = Arc::new(AtomicBool::new(false));
    let hammers: Vec<_> = (0..3)
        .map(|_| {
            let (lock, done) = (Arc::clone(&lock), Arc::clone(&done));
            std::thread::spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    drop(lock.acquire());
                }
            })
        })
        .collect();
    for _ in 0..scaled(200) {
        assert!(
            lock.acquire_timeout(Duration::from_secs(10)).is_some(),
            "a waiter starved for 10 s"
        );
    }
    done.store(true, Ordering::Relaxed);
    for h in hammers {
        h.join().unwrap();
    }
}

#[test]
fn condition_wake_ups_are_conserved_across_racing_timeouts() {
    // 10^5 timed waits (timeouts of a few microseconds, racing the notifies): every
    // thread a notify reports as woken must return true from its wait, and no wait
    // may return true without a notify having counted it.
    let waits_per_thread = scaled(25_000);
    let cond = Arc::new(Condition::with_lock(Lock::new(())));
    let stop = Arc::new(AtomicBool::new(false));
    let waiters: Vec<_> = (0..4)
        .map(|i| {
            let cond = Arc::clone(&cond);
            std::thread::spawn(move || {
                let mut notified = 0usize;
                for n in 0..waits_per_thread {
                    let mut guard = cond.acquire();
                    let timeout = Duration::from_micros(((i * 7 + n) % 13) as u64);
                    if guard.wait_timeout(timeout) {
                        notified += 1;
                    }
                }
                notified
            })
        })
        .collect();
    let notifier = {
        let (cond, stop) = (Arc::clone(&cond), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut woken = 0usize;
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let guard = cond.acquire();
                woken += if n.is_multiple_of(5) {
                    guard.notify_all()
                } else {
                    guard.notify(1 + n % 2)
                };
                drop(guard);
                n += 1;
                std::thread::yield_now();
            }
            woken
        })
    };
    let received: usize = waiters.into_iter().map(|w| w.join().unwrap()).sum();
    stop.store(true, Ordering::Relaxed);
    let sent = notifier.join().unwrap();
    assert_eq!(
        sent, received,
        "notifies that woke a thread vs waits that returned true"
    );
    assert!(received > 0, "the notifier never raced a wait");
}

#[test]
fn event_ping_pong_never_loses_a_wake_up() {
    // A lost wake-up would leave a side waiting out its 10 s timeout.
    let rounds = scaled(20_000);
    let (ping, pong) = (Arc::new(Event::new()), Arc::new(Event::new()));
    let other = {
        let (ping, pong) = (Arc::clone(&ping), Arc::clone(&pong));
        std::thread::spawn(move || {
            for _ in 0..rounds {
                assert!(ping.wait_timeout(Duration::from_secs(10)), "lost wake-up");
                ping.clear();
                pong.set();
            }
        })
    };
    for _ in 0..rounds {
        ping.set();
        assert!(pong.wait_timeout(Duration::from_secs(10)), "lost wake-up");
        pong.clear();
    }
    other.join().unwrap();
}

#[test]
fn barrier_rounds_hand_out_distinct_indices() {
    let rounds = scaled(5_000);
    let parties = 4;
    let actions = Arc::new(AtomicUsize::new(0));
    let barrier = {
        let actions = Arc::clone(&actions);
        Arc::new(
            Barrier::builder(parties)
                .action(move || {
                    actions.fetch_add(1, Ordering::Relaxed);
                })
                .build()
                .unwrap(),
        )
    };
    let seen: Arc<Vec<AtomicUsize>> = Arc::new((0..parties).map(|_| AtomicUsize::new(0)).collect());
    let threads: Vec<_> = (0..parties)
        .map(|_| {
            let (barrier, seen) = (Arc::clone(&barrier), Arc::clone(&seen));
            std::thread::spawn(move || {
                for _ in 0..rounds {
                    let index = barrier.wait().expect("barrier broke");
                    seen[index].fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(actions.load(Ordering::Relaxed), rounds);
    for count in seen.iter() {
        assert_eq!(
            count.load(Ordering::Relaxed),
            rounds,
            "each index once per round"
        );
    }
}

#[test]
fn pool_loses_no_result() {
    // 10^5 tasks (scaled), submitted from two threads at once, some cancelled, some
    // panicking: every future ends exactly as its task did.
    use threadkit::executor::{TaskError, ThreadPoolExecutor};
    let per_thread = scaled(50_000) as u64;
    let pool = ThreadPoolExecutor::builder()
        .max_workers(4)
        .build()
        .unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let (sum, failed) = std::thread::scope(|scope| {
        let submitters: Vec<_> = (0..2u64)
            .map(|t| {
                let (pool, ran) = (&pool, Arc::clone(&ran));
                scope.spawn(move || {
                    let futures: Vec<_> = (0..per_thread)
                        .map(|n| {
                            let ran = Arc::clone(&ran);
                            let value = t * per_thread + n;
                            pool.submit(move || {
                                ran.fetch_add(1, Ordering::Relaxed);
                                assert!(value % 1000 != 999, "planned failure");
                                value
                            })
                            .unwrap()
                        })
                        .collect();
                    let (mut sum, mut failed) = (0u64, 0u64);
                    for future in futures {
                        match future.result() {
                            Ok(value) => sum += value,
                            Err(TaskError::Panicked(_)) => failed += 1,
                            Err(other) => panic!("{other}"),
                        }
                    }
                    (sum, failed)
                })
            })
            .collect();
        submitters
            .into_iter()
            .map(|s| s.join().unwrap())
            .fold((0, 0), |(a, b), (c, d)| (a + c, b + d))
    });
    let total = 2 * per_thread;
    let expected_failed = total / 1000;
    let expected_sum: u64 = (0..total).filter(|v| v % 1000 != 999).sum();
    assert_eq!(failed, expected_failed);
    assert_eq!(sum, expected_sum);
    assert_eq!(ran.load(Ordering::Relaxed) as u64, total);
}
