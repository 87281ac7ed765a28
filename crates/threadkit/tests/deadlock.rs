//! Diagnostics that act: deadlocks as errors, lock-order inversions, stalls, dumps and
//! contention statistics.
//!
//! Diagnostics are process-wide (switch, policy, callbacks), so this binary runs its
//! tests one at a time (`Session`), each from a known state.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use threadkit::diagnostics::{self, DeadlockError, Policy, Warning, WarningKind};
use threadkit::thread::Builder;
use threadkit::{Event, Lock, RLock};

/// One test's exclusive use of diagnostics, with the warnings it produced.
struct Session {
    _serial: MutexGuard<'static, ()>,
    warnings: Arc<Mutex<Vec<Warning>>>,
}

static SERIAL: Mutex<()> = Mutex::new(());

impl Session {
    fn start() -> Self {
        let serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        let warnings = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&warnings);
        diagnostics::set_policy(Policy::Error);
        diagnostics::set_deadlock_callback(None::<fn(&DeadlockError)>);
        diagnostics::set_stall_threshold(Duration::from_secs(1));
        diagnostics::set_warning_callback(Some(move |warning: &Warning| {
            sink.lock().unwrap().push(warning.clone());
        }));
        diagnostics::disable();
        diagnostics::enable();
        Self {
            _serial: serial,
            warnings,
        }
    }

    fn warnings(&self, kind: WarningKind) -> Vec<Warning> {
        let all = self.warnings.lock().unwrap();
        all.iter().filter(|w| w.kind == kind).cloned().collect()
    }

    fn all_warnings(&self) -> Vec<Warning> {
        self.warnings.lock().unwrap().clone()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        diagnostics::disable();
        diagnostics::set_policy(Policy::Error);
        diagnostics::set_warning_callback(None::<fn(&Warning)>);
        diagnostics::set_deadlock_callback(None::<fn(&DeadlockError)>);
    }
}

/// Yields until `condition` holds; panics after 20 s.
fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::yield_now();
    }
}

/// Yields until the thread named `name` is recorded waiting.
fn wait_until_blocked(name: &str) {
    wait_until(&format!("{name} is blocked"), || {
        diagnostics::snapshot()
            .iter()
            .any(|t| t.name == name && t.waiting_on.is_some())
    });
}

fn spawn<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> threadkit::thread::Thread<T> {
    Builder::new().name(name).spawn(f).expect("spawn")
}

#[test]
fn a_self_deadlock_is_an_error_and_leaves_the_lock_held() {
    let _session = Session::start();
    let lock = Lock::named("config", 7);
    let held = lock.acquire();
    let error = lock
        .acquire_checked()
        .expect_err("acquiring a held Lock again");
    assert!(error.is_self_deadlock());
    assert_eq!(error.cycle()[0].lock.name, Some("config"));
    assert!(error.cycle()[0].acquired_at.file().ends_with("deadlock.rs"));
    let text = error.to_string();
    assert!(text.starts_with("deadlock: "), "{text}");
    assert!(text.contains("Lock 'config'"), "{text}");
    assert!(text.contains("which it already holds"), "{text}");
    // Untouched: still held, by this thread, with its value.
    assert!(lock.is_locked());
    assert_eq!(*held, 7);
    assert!(lock.try_acquire().is_none());
    drop(held);
    assert!(!lock.is_locked());
    assert_eq!(*lock.acquire_checked().expect("free now"), 7);
}

#[test]
fn the_plain_acquire_panics_with_the_report_under_the_error_policy() {
    let _session = Session::start();
    let lock = Lock::named("plain", ());
    let _held = lock.acquire();
    let panic = catch_unwind(AssertUnwindSafe(|| {
        let _again = lock.acquire();
    }))
    .expect_err("the second acquire panics");
    let message = panic.downcast_ref::<String>().expect("a formatted message");
    assert!(message.contains("Lock 'plain'"), "{message}");
    assert!(message.contains("acquire_checked"), "{message}");
    assert!(lock.is_locked());
}

#[test]
fn an_rlock_cycle_is_an_error_too_and_reentry_is_not() {
    let _session = Session::start();
    let first = Arc::new(RLock::named("first", ()));
    let second = Arc::new(RLock::named("second", ()));
    let outer = first.acquire_checked().expect("free");
    let _inner = first.acquire_checked().expect("re-entry is no deadlock");
    let (f, s) = (Arc::clone(&first), Arc::clone(&second));
    let other = spawn("rlock-other", move || {
        let _held = s.acquire();
        // Blocks on `first`, held by the test thread, which then closes the cycle.
        let _wanted = f.acquire_checked().expect("the test thread backs off");
    });
    wait_until_blocked("rlock-other");
    let error = second.acquire_checked().expect_err("closes the cycle");
    assert_eq!(error.cycle().len(), 2);
    assert_eq!(error.cycle()[0].lock.name, Some("second"));
    assert_eq!(error.cycle()[0].holder.name, "rlock-other");
    assert_eq!(error.cycle()[1].lock.name, Some("first"));
    assert_eq!(first.depth(), 2, "the test thread's holds are untouched");
    drop(_inner);
    drop(outer);
    other.join().expect("the other thread finishes");
}

/// Two threads take `a` and `b` in opposite orders; whoever is told backs off (drops
/// its lock, waits for the other to finish) and retries.
#[test]
fn opposite_orders_give_exactly_one_error_and_both_threads_finish() {
    let _session = Session::start();
    let a = Arc::new(Lock::named("A", 0u32));
    let b = Arc::new(Lock::named("B", 0u32));
    let both_hold_one = Arc::new(std::sync::Barrier::new(2));
    let finished = Arc::new(Event::new());
    let errors = Arc::new(AtomicUsize::new(0));
    let worker = |name: &'static str, first: Arc<Lock<u32>>, second: Arc<Lock<u32>>| {
        let (barrier, finished, errors) = (
            Arc::clone(&both_hold_one),
            Arc::clone(&finished),
            Arc::clone(&errors),
        );
        spawn(name, move || {
            let mut held = first.acquire();
            barrier.wait();
            match second.acquire_checked() {
                Ok(mut other) => {
                    *held += 1;
                    *other += 1;
                }
                Err(error) => {
                    assert_eq!(error.cycle().len(), 2, "{error}");
                    // The state is intact: this thread still holds `first`.
                    assert!(first.is_locked() && second.is_locked());
                    errors.fetch_add(1, Ordering::SeqCst);
                    drop(held);
                    finished.wait();
                    held = first.acquire();
                    let mut other = second.acquire_checked().expect("no cycle any more");
                    *held += 1;
                    *other += 1;
                    return;
                }
            }
            drop(held);
            finished.set();
        })
    };
    let one = worker("ab", Arc::clone(&a), Arc::clone(&b));
    let two = worker("ba", Arc::clone(&b), Arc::clone(&a));
    one.join().expect("ab finishes");
    two.join().expect("ba finishes");
    assert_eq!(errors.load(Ordering::SeqCst), 1);
    assert_eq!((*a.acquire(), *b.acquire()), (2, 2));
}

#[test]
fn dining_philosophers_report_the_whole_cycle() {
    const SEATS: usize = 5;
    const NAMES: [&str; SEATS] = ["fork 0", "fork 1", "fork 2", "fork 3", "fork 4"];
    let _session = Session::start();
    let forks: Arc<Vec<Lock<u32>>> = Arc::new(NAMES.iter().map(|n| Lock::named(n, 0)).collect());
    let seated = Arc::new(std::sync::Barrier::new(SEATS));
    let eaten = Arc::new(threadkit::Semaphore::new(0));
    let reports = Arc::new(Mutex::new(Vec::new()));
    let philosophers: Vec<_> = (0..SEATS)
        .map(|seat| {
            let (forks, seated, eaten, reports) = (
                Arc::clone(&forks),
                Arc::clone(&seated),
                Arc::clone(&eaten),
                Arc::clone(&reports),
            );
            spawn(&format!("philosopher {seat}"), move || {
                let (left, right) = (&forks[seat], &forks[(seat + 1) % SEATS]);
                let mut l = left.acquire();
                seated.wait();
                match right.acquire_checked() {
                    Ok(mut r) => {
                        *l += 1;
                        *r += 1;
                        drop((l, r));
                        eaten.release(1).expect("no bound");
                    }
                    Err(error) => {
                        reports.lock().unwrap().push(error);
                        drop(l);
                        // Back off until the four others have eaten.
                        for _ in 1..SEATS {
                            eaten.acquire().forget();
                        }
                        let mut l = left.acquire();
                        let mut r = right.acquire_checked().expect("alone at the table");
                        *l += 1;
                        *r += 1;
                    }
                }
            })
        })
        .collect();
    for philosopher in philosophers {
        philosopher.join().expect("every philosopher eats");
    }
    let reports = reports.lock().unwrap();
    assert_eq!(reports.len(), 1, "exactly one philosopher is told");
    let cycle = reports[0].cycle();
    assert_eq!(cycle.len(), SEATS);
    let mut threads: Vec<_> = cycle.iter().map(|l| l.thread.name.clone()).collect();
    let mut locks: Vec<_> = cycle.iter().map(|l| l.lock.name.unwrap()).collect();
    threads.sort();
    locks.sort();
    assert_eq!(
        threads,
        (0..SEATS)
            .map(|s| format!("philosopher {s}"))
            .collect::<Vec<_>>()
    );
    assert_eq!(locks, NAMES);
    let text = reports[0].to_string();
    assert!(
        text.contains("5 threads each wait for a lock the next one holds"),
        "{text}"
    );
    for fork in forks.iter() {
        assert_eq!(*fork.acquire(), 2, "each fork was used by both neighbours");
    }
}

/// A cycle whose closing wait has a timeout undoes itself: a warning, not an error.
#[test]
fn a_timed_wait_in_a_cycle_is_a_warning() {
    let session = Session::start();
    let a = Arc::new(Lock::named("timed A", ()));
    let b = Arc::new(Lock::named("timed B", ()));
    let held_b = Arc::new(Event::new());
    let (a2, b2, held) = (Arc::clone(&a), Arc::clone(&b), Arc::clone(&held_b));
    // The test thread holds A before `untimed` starts, so `untimed` surely blocks on it.
    let _a = a.acquire();
    let other = spawn("untimed", move || {
        let _b = b2.acquire();
        held.set();
        // Untimed: waits until the test thread gives up `timed A`.
        let _a = a2
            .acquire_checked()
            .expect("no deadlock: the other wait times out");
    });
    held_b.wait();
    // `untimed` holds B and will block on A. Wait for it, then close the cycle with a
    // timed wait.
    wait_until_blocked("untimed");
    assert!(b.acquire_timeout(Duration::from_millis(50)).is_none());
    drop(_a);
    other.join().expect("the untimed thread gets A");
    let timed = session.warnings(WarningKind::TimedCycle);
    assert_eq!(timed.len(), 1, "{:?}", session.all_warnings());
    assert!(timed[0].message.contains("timeout"), "{}", timed[0]);
    assert!(timed[0].message.contains("Lock 'timed B'"), "{}", timed[0]);
}

#[test]
fn a_lock_order_inversion_is_reported_before_it_deadlocks() {
    let session = Session::start();
    let accounts = Arc::new(Lock::named("accounts", ()));
    let audit = Arc::new(Lock::named("audit", ()));
    let (x, y) = (Arc::clone(&accounts), Arc::clone(&audit));
    spawn("transfer", move || {
        let _x = x.acquire();
        let _y = y.acquire();
    })
    .join()
    .unwrap();
    assert!(session.all_warnings().is_empty(), "one order is fine");
    let (x, y) = (Arc::clone(&accounts), Arc::clone(&audit));
    spawn("report", move || {
        let _y = y.acquire();
        let _x = x.acquire();
    })
    .join()
    .unwrap();
    let inversions = session.warnings(WarningKind::LockOrderInversion);
    assert_eq!(inversions.len(), 1, "{:?}", session.all_warnings());
    let text = &inversions[0].message;
    assert!(
        text.contains("thread 'report' acquired Lock 'accounts'"),
        "{text}"
    );
    assert!(
        text.contains("thread 'transfer' acquired Lock 'audit'"),
        "{text}"
    );
    assert!(
        text.matches("deadlock.rs:").count() >= 4,
        "every site: {text}"
    );
    // Again: reported once.
    let _y = audit.acquire();
    let _x = accounts.acquire();
    assert_eq!(session.warnings(WarningKind::LockOrderInversion).len(), 1);
}

#[test]
fn a_dropped_lock_takes_its_orders_with_it() {
    let session = Session::start();
    let outer = Lock::named("outer", ());
    {
        let inner = Lock::named("inner", ());
        let _o = outer.acquire();
        let _i = inner.acquire();
    }
    // A new lock, maybe at the same address, in the other order: no inversion.
    let inner = Lock::named("inner", ());
    let _i = inner.acquire();
    let _o = outer.acquire();
    assert!(
        session.all_warnings().is_empty(),
        "{:?}",
        session.all_warnings()
    );
}

/// Random sequences taken in one global order never give a report.
#[test]
fn consistent_order_never_reports() {
    let session = Session::start();
    const LOCKS: usize = 8;
    // 10^6 sequences in the release stress run; fewer in the debug test run.
    let total = if cfg!(debug_assertions) {
        60_000
    } else {
        1_000_000
    };
    let locks: Arc<Vec<Lock<u64>>> = Arc::new((0..LOCKS).map(|_| Lock::new(0)).collect());
    let mut expected = 0u64;
    for threads in [2usize, 4, 8] {
        let per_thread = total / 3 / threads;
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let locks = Arc::clone(&locks);
                spawn(&format!("ordered {t}"), move || {
                    let mut seed = 0x9e37_79b9_7f4a_7c15u64 ^ (t as u64 + 1);
                    let mut taken = 0u64;
                    for _ in 0..per_thread {
                        // xorshift: a random subset, taken in index order.
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        let subset = (seed >> 8) as usize & ((1 << LOCKS) - 1);
                        let mut guards = Vec::with_capacity(LOCKS);
                        for (index, lock) in locks.iter().enumerate() {
                            if subset & (1 << index) != 0 {
                                let mut guard = lock.acquire_checked().expect("no deadlock");
                                *guard += 1;
                                taken += 1;
                                guards.push(guard);
                            }
                        }
                        // Release in a random order too.
                        while !guards.is_empty() {
                            let index = (seed as usize) % guards.len();
                            drop(guards.swap_remove(index));
                        }
                    }
                    taken
                })
            })
            .collect();
        for worker in workers {
            expected += worker.join().unwrap();
        }
    }
    let counted: u64 = locks.iter().map(|l| *l.acquire()).sum();
    assert_eq!(counted, expected, "every increment is counted");
    assert!(
        session.all_warnings().is_empty(),
        "{:?}",
        session.all_warnings()
    );
}

/// Sets the stall threshold and counts the stalls reported from now on: an event set
/// at the first, and the count.
fn count_stalls_after(threshold: Duration) -> (Arc<Event>, Arc<AtomicUsize>) {
    diagnostics::set_stall_threshold(threshold);
    let noticed = Arc::new(Event::named("stall noticed"));
    let stalls = Arc::new(AtomicUsize::new(0));
    {
        let (noticed, stalls) = (Arc::clone(&noticed), Arc::clone(&stalls));
        diagnostics::set_warning_callback(Some(move |warning: &Warning| {
            if warning.kind == WarningKind::Stall {
                stalls.fetch_add(1, Ordering::SeqCst);
                noticed.set();
            }
        }));
    }
    (noticed, stalls)
}

#[test]
fn the_watchdog_reports_a_stall_once() {
    let session = Session::start();
    let never = Arc::new(Event::named("never set"));
    let (noticed, stalls) = count_stalls_after(Duration::from_millis(100));
    let waiter_event = Arc::clone(&never);
    // The test harness's threads are dummy threads, daemons as in Python, and so
    // would be what they spawn: a stall needs a non-daemon thread stuck.
    let waiter = Builder::new()
        .name("stalled waiter")
        .daemon(false)
        .spawn(move || waiter_event.wait())
        .expect("spawn");
    // This thread waits (untimed) too: now nobody can signal anybody.
    noticed.wait();
    // The report came once although the stall lasts until the watchdog's next looks.
    let first = stalls.load(Ordering::SeqCst);
    never.set();
    waiter.join().unwrap();
    assert_eq!(first, 1);
    drop(session);
}

#[test]
fn a_wait_taken_in_slices_is_one_wait_for_the_watchdog() {
    let session = Session::start();
    let never = Arc::new(Event::named("never set"));
    let (noticed, stalls) = count_stalls_after(Duration::from_millis(100));
    let waiter_event = Arc::clone(&never);
    // Waits without a timeout, in 5 ms slices (as the Python binding's main thread
    // does, to look for Ctrl-C): each slice alone is a short timed wait.
    let waiter = Builder::new()
        .name("sliced waiter")
        .daemon(false)
        .spawn(move || {
            let _one_wait = diagnostics::sliced_wait();
            while !waiter_event.wait_deadline(Instant::now() + Duration::from_millis(5)) {}
        })
        .expect("spawn");
    // This thread waits in slices too (and gives up after 10 s, were nothing reported).
    let reported = {
        let _one_wait = diagnostics::sliced_wait();
        let give_up = Instant::now() + Duration::from_secs(10);
        loop {
            if noticed.wait_deadline(Instant::now() + Duration::from_millis(5)) {
                break true;
            }
            if Instant::now() >= give_up {
                break false;
            }
        }
    };
    let first = stalls.load(Ordering::SeqCst);
    never.set();
    waiter.join().unwrap();
    assert!(
        reported,
        "no stall reported: the slices were taken for timed waits"
    );
    assert_eq!(first, 1);
    drop(session);
}

#[test]
fn the_watchdog_is_quiet_while_threads_make_progress() {
    let session = Session::start();
    diagnostics::set_stall_threshold(Duration::from_millis(200));
    let ping = Arc::new(threadkit::Queue::<u32>::new(1));
    let pong = Arc::new(threadkit::Queue::<u32>::new(1));
    let (p, q) = (Arc::clone(&ping), Arc::clone(&pong));
    let echo = spawn("echo", move || {
        while let Ok(n) = p.get() {
            if n == u32::MAX {
                break;
            }
            q.put(n).unwrap();
        }
    });
    // Long enough for the watchdog to look several times.
    let until = Instant::now() + Duration::from_millis(700);
    let mut rounds = 0u32;
    while Instant::now() < until {
        ping.put(rounds).unwrap();
        assert_eq!(pong.get().unwrap(), rounds);
        rounds += 1;
    }
    ping.put(u32::MAX).unwrap();
    echo.join().unwrap();
    assert!(rounds > 0);
    assert!(session.warnings(WarningKind::Stall).is_empty());
}

#[test]
fn the_dump_names_holders_and_waiters() {
    let _session = Session::start();
    let ledger = Arc::new(Lock::named("ledger", ()));
    let go = Arc::new(Event::named("go"));
    let holding = Arc::new(Event::new());
    let (l, g, h) = (Arc::clone(&ledger), Arc::clone(&go), Arc::clone(&holding));
    let holder = spawn("holder", move || {
        let _held = l.acquire();
        h.set();
        g.wait();
    });
    holding.wait();
    let l = Arc::clone(&ledger);
    let waiter = spawn("waiter", move || drop(l.acquire()));
    wait_until_blocked("holder");
    wait_until_blocked("waiter");
    let threads = diagnostics::snapshot();
    let find = |name: &str| threads.iter().find(|t| t.name == name).expect(name).clone();
    let (h, w) = (find("holder"), find("waiter"));
    assert_eq!(h.held.len(), 1);
    assert_eq!(h.held[0].lock.name, Some("ledger"));
    assert_eq!(h.waiting_on.as_ref().unwrap().primitive.name, Some("go"));
    assert!(!h.waiting_on.as_ref().unwrap().for_lock);
    let wait = w.waiting_on.as_ref().expect("waiter waits");
    assert!(wait.for_lock && !wait.timed);
    assert_eq!(wait.primitive.name, Some("ledger"));
    assert_eq!(
        wait.held_by.as_ref().map(|t| t.name.as_str()),
        Some("holder")
    );
    assert!(w.held.is_empty());
    let text = diagnostics::dump().to_string();
    assert!(text.contains("holds Lock 'ledger'"), "{text}");
    assert!(text.contains("held by \"holder\""), "{text}");
    #[cfg(feature = "json")]
    {
        let json: serde_json::Value =
            serde_json::from_str(&diagnostics::dump().to_json()).expect("valid JSON");
        let threads = json["threads"].as_array().expect("threads");
        let waiter = threads
            .iter()
            .find(|t| t["name"] == "waiter")
            .expect("waiter");
        assert_eq!(waiter["waiting_on"]["held_by"]["name"], "holder");
    }
    go.set();
    holder.join().unwrap();
    waiter.join().unwrap();
}

#[test]
fn enabling_while_locks_are_held_invents_nothing() {
    let session = Session::start();
    diagnostics::disable();
    let early = Arc::new(Lock::named("early", ()));
    let later = Lock::named("later", ());
    let held_before = early.acquire();
    diagnostics::enable();
    // An order from a hold the records never saw: nothing to report later.
    let _l = later.acquire();
    drop(_l);
    drop(held_before); // released while on, acquired while off: ignored
    // Another thread takes it; this thread is not its holder and waits.
    let (e, release) = (Arc::clone(&early), Arc::new(Event::new()));
    let holding = Arc::new(Event::new());
    let (r, h) = (Arc::clone(&release), Arc::clone(&holding));
    let other = spawn("late holder", move || {
        let _held = e.acquire();
        h.set();
        r.wait();
    });
    holding.wait();
    let signaller = {
        let release = Arc::clone(&release);
        std::thread::spawn(move || {
            wait_until("the test thread waits for 'early'", || {
                diagnostics::snapshot().iter().any(|t| {
                    t.waiting_on
                        .as_ref()
                        .is_some_and(|w| w.primitive.name == Some("early"))
                })
            });
            release.set();
        })
    };
    let _guard = early.acquire_checked().expect("no false self-deadlock");
    other.join().unwrap();
    signaller.join().unwrap();
    let _l = later.acquire();
    assert!(
        session.all_warnings().is_empty(),
        "{:?}",
        session.all_warnings()
    );
}

#[test]
fn the_panic_policy_panics_and_the_log_policy_waits() {
    let session = Session::start();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    diagnostics::set_deadlock_callback(Some(move |_: &DeadlockError| {
        counter.fetch_add(1, Ordering::SeqCst);
    }));
    diagnostics::set_policy(Policy::Panic);
    let lock = Arc::new(Lock::named("policy", ()));
    let held = lock.acquire();
    let panicked = catch_unwind(AssertUnwindSafe(|| lock.acquire_checked().map(drop)));
    assert!(panicked.is_err(), "even the checked form panics");
    assert_eq!(seen.load(Ordering::SeqCst), 1, "the callback heard first");
    drop(held);

    // Log: the report is logged and the thread waits, here for a release by another
    // thread (the hold is detached, Python-style).
    diagnostics::set_policy(Policy::Log);
    let l = Arc::clone(&lock);
    let started = Arc::new(Event::new());
    let s = Arc::clone(&started);
    let waiter = spawn("log policy", move || {
        l.acquire().detach();
        s.set();
        let _again = l.acquire();
    });
    started.wait();
    // Released only once the detection was logged (a release before the check would
    // leave nothing to detect).
    wait_until("the deadlock is logged", || {
        !session.warnings(WarningKind::Deadlock).is_empty()
    });
    assert_eq!(
        lock.release(),
        Ok(()),
        "a detached hold: any thread may release"
    );
    waiter.join().expect("waited, then acquired");
    let logged = session.warnings(WarningKind::Deadlock);
    assert_eq!(logged.len(), 1, "{:?}", session.all_warnings());
    assert!(logged[0].message.contains("Lock 'policy'"));
    assert_eq!(seen.load(Ordering::SeqCst), 2);
}

#[test]
fn contention_statistics_count_waits() {
    let _session = Session::start();
    diagnostics::reset_stats();
    diagnostics::enable_stats();
    let lock = Arc::new(Lock::named("hot", 0u32));
    let held = lock.acquire();
    let l = Arc::clone(&lock);
    let contender = spawn("contender", move || *l.acquire() += 1);
    wait_until_blocked("contender");
    drop(held);
    contender.join().unwrap();
    for _ in 0..10 {
        *lock.acquire() += 1;
    }
    diagnostics::disable_stats();
    let report = diagnostics::contention();
    let hot = report
        .locks
        .iter()
        .find(|s| s.lock == "Lock 'hot'")
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(hot.acquisitions, 12);
    assert_eq!(hot.contended, 1);
    assert!(hot.total_wait > Duration::ZERO && hot.max_wait <= hot.total_wait);
    assert!(hot.max_hold > Duration::ZERO);
    assert!(report.to_string().contains("Lock 'hot'"));
}

#[test]
fn a_slice_of_an_untimed_wait_is_checked_as_untimed() {
    let session = Session::start();
    let lock = Lock::named("sliced", ());
    let held = lock.acquire();
    // A binding that wakes every 20 ms to look for Ctrl-C still waits forever.
    let error = lock
        .acquire_checked_slice(Instant::now() + Duration::from_millis(20))
        .expect_err("a self-deadlock, not a slice that times out");
    assert!(error.is_self_deadlock());
    drop(held);
    // Held by another thread: the slice ends empty-handed, and nothing is reported.
    let lock = Arc::new(lock);
    let (l, holding, release) = (
        Arc::clone(&lock),
        Arc::new(Event::new()),
        Arc::new(Event::new()),
    );
    let (h, r) = (Arc::clone(&holding), Arc::clone(&release));
    let holder = spawn("slice holder", move || {
        let _held = l.acquire();
        h.set();
        r.wait();
    });
    holding.wait();
    let slice = lock.acquire_checked_slice(Instant::now() + Duration::from_millis(5));
    assert!(matches!(slice, Ok(None)), "the slice passed");
    release.set();
    holder.join().unwrap();
    assert!(
        lock.acquire_checked_slice(Instant::now() + Duration::from_secs(5))
            .expect("no deadlock")
            .is_some()
    );
    let rlock = RLock::named("sliced rlock", ());
    let outer = rlock.acquire();
    assert!(
        rlock
            .acquire_checked_slice(Instant::now())
            .expect("re-entry")
            .is_some()
    );
    drop(outer);
    assert!(
        session.all_warnings().is_empty(),
        "{:?}",
        session.all_warnings()
    );
}
