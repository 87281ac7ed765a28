//! The first lessons of every threading tutorial: parallel sleep, races and locks,
//! reentrancy, semaphores, events, conditions and barriers.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use threadkit::{Barrier, BoundedSemaphore, Condition, Event, Lock, RLock};

use crate::tour::scene::{PATIENCE, Report, Scene, count};

pub fn scenes() -> Vec<Scene> {
    vec![
        Scene {
            name: "parallel-sleep",
            title: "Threads run side by side",
            lesson: "Two threads compute squares and cubes, sleeping 0.2 s per number: together they take \
                     about 0.4 s, not the 0.8 s one thread would need.",
            run: parallel_sleep,
        },
        Scene {
            name: "race",
            title: "A race loses updates; a Lock loses none",
            lesson: "Two threads add 1 to a shared counter a million times each, reading it and writing it back. Without a lock \
                     their steps interleave and increments vanish; with a Lock every one counts.",
            run: race,
        },
        Scene {
            name: "bank-account",
            title: "A bank account under a Lock",
            lesson: "A balance of 100; two threads withdraw 10 and 50 at the same time. Holding a Lock \
                     around each read-modify-write leaves exactly 40.",
            run: bank_account,
        },
        Scene {
            name: "rlock",
            title: "RLock: the holder may enter again",
            lesson: "A function holding a lock calls another that takes the same lock. A plain Lock would \
                     block its own holder forever; an RLock counts the re-entries.",
            run: rlock,
        },
        Scene {
            name: "bounded-semaphore",
            title: "A BoundedSemaphore lets 3 of 10 workers in",
            lesson: "Ten workers share three connections guarded by BoundedSemaphore(3): never more than \
                     three work at once, and releasing too often is refused.",
            run: bounded_semaphore,
        },
        Scene {
            name: "event",
            title: "An Event as a starting gun",
            lesson: "Five runners wait on an Event; one set() releases them all at once.",
            run: starting_gun,
        },
        Scene {
            name: "condition",
            title: "Producer and consumer with a Condition",
            lesson: "A producer appends items and notifies; a consumer waits on the Condition while the \
                     buffer is empty. Every item arrives, in order, and nobody polls.",
            run: producer_consumer,
        },
        Scene {
            name: "barrier",
            title: "A Barrier round",
            lesson: "Three workers finish phase 1 at different speeds; the Barrier holds each until all \
                     have arrived, so no phase 2 starts before every phase 1 is done.",
            run: barrier_round,
        },
    ]
}

fn parallel_sleep(report: &mut Report) {
    let numbers = [2u64, 3];
    // Each thread notes when it started and finished: they overlapped if each started
    // before the other finished (the wall-clock total is only a figure).
    let timed = |power: u32| {
        let started = Instant::now();
        let values = numbers
            .iter()
            .map(|n| {
                std::thread::sleep(Duration::from_millis(200));
                n.pow(power)
            })
            .collect::<Vec<_>>();
        (values, started, Instant::now())
    };
    let start = Instant::now();
    let ((squares, sq_start, sq_end), (cubes, cu_start, cu_end)) = std::thread::scope(|scope| {
        let squares = scope.spawn(|| timed(2));
        let cubes = scope.spawn(|| timed(3));
        (
            squares.join().expect("square thread"),
            cubes.join().expect("cube thread"),
        )
    });
    let elapsed = start.elapsed().as_secs_f64();
    report.say(format!("squares {squares:?}, cubes {cubes:?}"));
    report.say(format!(
        "both threads done in {elapsed:.2} s (each sleeps 0.4 s; one after the other: 0.80 s)"
    ));
    report.figure("seconds", elapsed);
    report.check(
        "the two threads overlapped (each started before the other finished)",
        sq_start < cu_end && cu_start < sq_end,
    );
    report.check(
        "the results are right",
        squares == [4, 9] && cubes == [8, 27],
    );
}

fn race(report: &mut Report) {
    const PER_THREAD: u64 = 1_000_000;
    // Unprotected: read, then write back plus one (an atomic load and store, so the
    // race is a logic bug, not undefined behaviour).
    let counter = AtomicU64::new(0);
    let start = Barrier::new(2).expect("2 parties");
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                // Start together, so the two loops really overlap.
                start.wait().expect("start barrier");
                for _ in 0..PER_THREAD {
                    let value = counter.load(Ordering::Relaxed);
                    std::hint::spin_loop();
                    counter.store(value + 1, Ordering::Relaxed);
                }
            });
        }
    });
    let unprotected = counter.load(Ordering::Relaxed);
    let lost = 2 * PER_THREAD - unprotected;

    let locked = Lock::new(0u64);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                for _ in 0..PER_THREAD {
                    let mut guard = locked.acquire();
                    let value = *guard;
                    std::hint::spin_loop();
                    *guard = value + 1;
                }
            });
        }
    });
    let protected = locked.into_inner();
    report.say(format!(
        "without a lock: {} of {} ({} lost{})",
        count(unprotected),
        count(2 * PER_THREAD),
        count(lost),
        if lost == 0 {
            " — this run was lucky"
        } else {
            ""
        }
    ));
    report.say(format!(
        "with a Lock:    {} of {} (none lost)",
        count(protected),
        count(2 * PER_THREAD)
    ));
    report.figure("unprotected", unprotected);
    report.figure("lost_without_lock", lost);
    report.figure("with_lock", protected);
    report.check(
        "with the Lock no increment was lost",
        protected == 2 * PER_THREAD,
    );
}

fn bank_account(report: &mut Report) {
    let balance = Arc::new(Lock::named("balance", 100i64));
    let withdrawals: Vec<_> = [10i64, 50]
        .into_iter()
        .map(|amount| {
            let balance = Arc::clone(&balance);
            std::thread::spawn(move || {
                let mut guard = balance.acquire();
                let before = *guard;
                std::thread::yield_now();
                *guard = before - amount;
                amount
            })
        })
        .collect();
    for handle in withdrawals {
        let amount = handle.join().expect("withdrawal thread");
        report.say(format!("withdrew {amount}"));
    }
    let left = *balance.acquire();
    report.say(format!("balance: 100 → {left}"));
    report.figure("balance", left);
    report.check("the balance is 40", left == 40);
}

fn rlock(report: &mut Report) {
    fn deposit(lock: &RLock<()>, depth: &mut Vec<usize>) {
        let _held = lock.acquire();
        depth.push(lock.depth());
        audit(lock, depth);
    }
    fn audit(lock: &RLock<()>, depth: &mut Vec<usize>) {
        let _held = lock.acquire(); // re-entry: the same thread takes it again
        depth.push(lock.depth());
    }
    let lock = RLock::named("ledger", ());
    let mut depths = Vec::new();
    deposit(&lock, &mut depths);
    report.say(format!(
        "RLock: deposit() held it at depth {}, audit() at depth {}",
        depths[0], depths[1]
    ));

    let plain = Lock::new(());
    let outer = plain.acquire();
    let reentered = plain.try_acquire().is_some();
    drop(outer);
    report.say(format!(
        "Lock:  taking it again while held {} (a blocking acquire would wait forever)",
        if reentered { "succeeded?!" } else { "fails" }
    ));
    report.figure("depths", depths.clone());
    report.check("the RLock was re-entered", depths == [1, 2]);
    report.check("the RLock is free again", !lock.is_locked());
    report.check("a plain Lock cannot be re-entered", !reentered);
}

fn bounded_semaphore(report: &mut Report) {
    let connections = Arc::new(BoundedSemaphore::named("connections", 3));
    let inside = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    // The first three in wait for each other (holding their permits), so all three
    // connections are in use at once however late the scheduler starts a worker.
    let all_in = Arc::new(Event::new());
    let workers: Vec<_> = (0..10)
        .map(|_| {
            let (connections, inside, most, all_in) = (
                Arc::clone(&connections),
                Arc::clone(&inside),
                Arc::clone(&most),
                Arc::clone(&all_in),
            );
            std::thread::spawn(move || {
                let _permit = connections.acquire();
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                if now == 3 {
                    all_in.set();
                }
                all_in.wait_timeout(PATIENCE);
                std::thread::sleep(Duration::from_millis(30));
                inside.fetch_sub(1, Ordering::SeqCst);
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("worker");
    }
    let most = most.load(Ordering::SeqCst);
    let over_release = connections.release(1);
    report.say(format!(
        "10 workers done; at most {most} worked at the same time"
    ));
    report.say(format!(
        "one release too many: {}",
        match &over_release {
            Ok(()) => "accepted?!".to_owned(),
            Err(error) => format!("refused ({error})"),
        }
    ));
    report.figure("max_concurrent", most);
    report.check("never more than 3 at once", most <= 3);
    report.check("the 3 connections were all used", most == 3);
    report.check("over-release was refused", over_release.is_err());
}

fn starting_gun(report: &mut Report) {
    let gun = Arc::new(Event::named("starting-gun"));
    let fired = Arc::new(AtomicBool::new(false));
    let ready = Arc::new(AtomicUsize::new(0));
    let runners: Vec<_> = (0..5)
        .map(|_| {
            let (gun, fired, ready) = (Arc::clone(&gun), Arc::clone(&fired), Arc::clone(&ready));
            std::thread::spawn(move || {
                ready.fetch_add(1, Ordering::SeqCst);
                gun.wait();
                let start = Instant::now();
                (fired.load(Ordering::SeqCst), start)
            })
        })
        .collect();
    while ready.load(Ordering::SeqCst) < 5 {
        std::thread::yield_now();
    }
    fired.store(true, Ordering::SeqCst);
    let shot = Instant::now();
    gun.set();
    let starts: Vec<_> = runners
        .into_iter()
        .map(|r| r.join().expect("runner"))
        .collect();
    let all_after = starts.iter().all(|(saw_fired, _)| *saw_fired);
    let spread = starts
        .iter()
        .map(|(_, at)| at.saturating_duration_since(shot))
        .max()
        .unwrap_or_default();
    report.say(format!(
        "5 runners waited; set() released them all within {} µs",
        spread.as_micros()
    ));
    report.figure("last_start_micros", spread.as_micros() as u64);
    report.check("no runner started before the gun", all_after);
}

fn producer_consumer(report: &mut Report) {
    const ITEMS: usize = 20;
    let shared = Arc::new((
        Condition::with_lock(Lock::new(())),
        Lock::new(VecDeque::new()),
    ));
    let consumer = {
        let shared = Arc::clone(&shared);
        std::thread::spawn(move || {
            let (cond, buffer) = &*shared;
            let mut received = Vec::new();
            let mut waits = 0;
            while received.len() < ITEMS {
                let mut guard = cond.acquire();
                while buffer.acquire().is_empty() {
                    waits += 1;
                    guard.wait();
                }
                received.extend(buffer.acquire().drain(..));
            }
            (received, waits)
        })
    };
    let (cond, buffer) = &*shared;
    for item in 0..ITEMS {
        let guard = cond.acquire();
        buffer.acquire().push_back(item);
        guard.notify(1);
        drop(guard);
        if item % 5 == 4 {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    let (received, waits) = consumer.join().expect("consumer");
    report.say(format!(
        "produced {ITEMS} items; the consumer received {} and waited {waits} times",
        received.len()
    ));
    report.figure("received", received.len());
    report.check(
        "every item arrived in order",
        received == (0..ITEMS).collect::<Vec<_>>(),
    );
}

fn barrier_round(report: &mut Report) {
    let barrier = Arc::new(Barrier::new(3).expect("3 parties"));
    let log = Arc::new(Lock::new(Vec::new()));
    let workers: Vec<_> = (0..3u64)
        .map(|id| {
            let (barrier, log) = (Arc::clone(&barrier), Arc::clone(&log));
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(10 * (id + 1)));
                log.acquire().push(format!("phase 1 done by worker {id}"));
                let index = barrier.wait().expect("barrier broke");
                log.acquire()
                    .push(format!("phase 2 started by worker {id}"));
                index
            })
        })
        .collect();
    let mut indices: Vec<usize> = workers
        .into_iter()
        .map(|w| w.join().expect("worker"))
        .collect();
    indices.sort_unstable();
    let log = log.acquire().clone();
    let first_phase_two = log
        .iter()
        .position(|l| l.starts_with("phase 2"))
        .unwrap_or(log.len());
    let last_phase_one = log
        .iter()
        .rposition(|l| l.starts_with("phase 1"))
        .unwrap_or(0);
    for line in &log {
        report.say(line.clone());
    }
    report.check(
        "every phase 1 ended before any phase 2 began",
        last_phase_one < first_phase_two,
    );
    report.check("each worker got a distinct index", indices == [0, 1, 2]);
}
