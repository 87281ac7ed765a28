//! Diagnostics: the hangs every threading tutorial warns about, turned into reports — a
//! lock acquired twice, two threads in opposite orders, the dining philosophers, a
//! lock-order inversion caught before it deadlocks, and a thread dump.
//!
//! Every blocking step runs on a scene thread and the scene's own thread only joins it
//! with a deadline, so that if detection ever failed the scene would fail, not hang.

use std::panic::Location;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use threadkit::diagnostics::{self, DeadlockError, Policy, ThreadSnapshot, Warning, WarningKind};
use threadkit::thread::{self, Builder, Thread};
use threadkit::{Barrier, Event, Lock, LockGuard, Queue, Semaphore};

use crate::tour::scene::{PATIENCE, Report, Scene};

pub fn scenes() -> Vec<Scene> {
    vec![
        Scene {
            name: "double-acquire",
            title: "A Lock acquired twice: an error, not a hang",
            lesson: "Python's `l.acquire(); l.acquire()` hangs forever. With diagnostics on, the second \
                     acquisition is a DeadlockError at once, naming the lock and where it was taken; \
                     the lock stays held, so the thread can release it and go on.",
            run: double_acquire,
        },
        Scene {
            name: "opposite-order",
            title: "Two threads take two locks in opposite orders",
            lesson: "One thread takes A then B, the other B then A, each holding its first lock when it \
                     asks for the second: a deadlock. Exactly one of them gets a DeadlockError; it backs \
                     off and retries, and both finish.",
            run: opposite_order,
        },
        Scene {
            name: "dining-philosophers",
            title: "The dining philosophers",
            lesson: "Five philosophers, five forks; each takes the fork on the left, then the one on the \
                     right. Once all five hold a left fork the circle is closed: the report names every \
                     philosopher and every fork, the one told puts his fork down, and everybody eats.",
            run: dining_philosophers,
        },
        Scene {
            name: "order-inversion",
            title: "A lock-order inversion, caught before it deadlocks",
            lesson: "One thread takes accounts then audit; later another takes audit then accounts. They \
                     never overlap, so nothing hangs today — but the opposite orders are reported, with \
                     every acquisition site, before the day they do overlap.",
            run: order_inversion,
        },
        Scene {
            name: "thread-dump",
            title: "A thread dump: who holds what, who waits for whom",
            lesson: "Like Java's jstack: a holder keeps Lock 'ledger' while it waits for an event, a \
                     waiter is stuck on 'ledger', a consumer waits for a job. The dump shows each \
                     thread, what it holds, what it waits for and who holds that.",
            run: thread_dump,
        },
    ]
}

/// Diagnostics switched on for one scene, with the warnings they gave. Dropping it
/// (on every path, failures included) puts the switch and the policy back as they were
/// and gives warnings back to the log.
struct Diagnosed {
    warnings: Arc<Mutex<Vec<Warning>>>,
    was_on: bool,
    policy: Policy,
}

impl Diagnosed {
    fn start() -> Self {
        let warnings: Arc<Mutex<Vec<Warning>>> = Arc::default();
        let sink = Arc::clone(&warnings);
        diagnostics::set_warning_callback(Some(move |warning: &Warning| {
            sink.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(warning.clone());
        }));
        let policy = diagnostics::policy();
        diagnostics::set_policy(Policy::Error);
        // Left on afterwards if the whole run asked for it (`THREADKIT_DEADLOCK=1`).
        let was_on = diagnostics::is_enabled();
        diagnostics::enable();
        Self {
            warnings,
            was_on,
            policy,
        }
    }

    /// The warnings so far.
    fn warnings(&self) -> Vec<Warning> {
        self.warnings
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for Diagnosed {
    fn drop(&mut self) {
        if !self.was_on {
            diagnostics::disable();
        }
        diagnostics::set_policy(self.policy);
        diagnostics::set_warning_callback(None::<fn(&Warning)>);
    }
}

fn spawn<T: Send + 'static>(name: &str, f: impl FnOnce() -> T + Send + 'static) -> Thread<T> {
    Builder::new().name(name).spawn(f).expect("spawn")
}

/// Joins `thread` by `deadline`; `None` if it panicked or is still running (a thread
/// stuck by a failed detection is left behind rather than hanging the tour).
fn join_by<T>(thread: Thread<T>, deadline: Instant) -> Option<T> {
    thread.join_deadline(deadline).ok()
}

/// Adds a report from diagnostics, indented under the line that introduces it.
fn quote(report: &mut Report, text: &str) {
    for line in text.lines() {
        report.say(format!("    {line}"));
    }
}

fn finished_or_not(finished: bool) -> &'static str {
    if finished {
        "finishes"
    } else {
        "does not finish"
    }
}

/// Narrates the warnings of a scene whose lesson is elsewhere.
fn mention_warnings(report: &mut Report, warnings: &[Warning]) {
    for warning in warnings {
        if warning.kind == WarningKind::LockOrderInversion {
            report.say(
                "the retry closed a circle of lock orders, so diagnostics also warned \
                 (see order-inversion):",
            );
        } else {
            report.say(format!("diagnostics also warned ({:?}):", warning.kind));
        }
        quote(report, &warning.message);
    }
}

/// The names of the threads and of the locks in a deadlock's cycle, sorted.
fn cycle_names(error: &DeadlockError) -> (Vec<String>, Vec<&'static str>) {
    let mut threads: Vec<String> = error
        .cycle()
        .iter()
        .map(|l| l.thread.name.clone())
        .collect();
    let mut locks: Vec<&'static str> = error
        .cycle()
        .iter()
        .map(|l| l.lock.name.unwrap_or("?"))
        .collect();
    threads.sort();
    locks.sort_unstable();
    (threads, locks)
}

/// What the thread that acquired 'config' twice saw.
struct SecondAcquire {
    error: Option<DeadlockError>,
    seconds: f64,
    ident: u64,
    /// Locked, and recorded as held by this thread, after the error.
    still_held: bool,
    value: u32,
    free_after_release: bool,
}

fn double_acquire(report: &mut Report) {
    let _diagnosed = Diagnosed::start();
    let deadline = Instant::now() + PATIENCE;
    let worker = spawn("worker", || {
        let ident = thread::current().ident();
        let config = Lock::named("config", 7u32);
        let held = config.acquire();
        let asked = Instant::now();
        // Python's `l.acquire(); l.acquire()`.
        let error = config.acquire_checked().err();
        let seconds = asked.elapsed().as_secs_f64();
        let recorded = diagnostics::snapshot()
            .iter()
            .any(|t| t.ident == ident && t.held.iter().any(|h| h.lock.name == Some("config")));
        let still_held = config.is_locked() && recorded;
        let value = *held;
        drop(held);
        let free_after_release = config.try_acquire().is_some();
        SecondAcquire {
            error,
            seconds,
            ident,
            still_held,
            value,
            free_after_release,
        }
    });
    let Some(seen) = join_by(worker, deadline) else {
        report.say("thread 'worker' never came back from its second acquire");
        report.check("the second acquire returned instead of hanging", false);
        return;
    };
    report.say("thread 'worker' holds Lock 'config' and calls acquire_checked() on it again:");
    match &seen.error {
        Some(error) => {
            report.say(format!(
                "Err(DeadlockError) after {:.0} µs:",
                seen.seconds * 1e6
            ));
            quote(report, &error.to_string());
        }
        None => report.say("it got the lock: nothing was detected"),
    }
    report.say(format!(
        "afterwards Lock 'config' is {} (value {}); once released, it is {}",
        if seen.still_held {
            "still held by 'worker'"
        } else {
            "no longer held"
        },
        seen.value,
        if seen.free_after_release {
            "free again"
        } else {
            "still locked"
        },
    ));
    report.figure("seconds_to_error", seen.seconds);
    let self_deadlock = seen.error.as_ref().is_some_and(|error| {
        error.is_self_deadlock()
            && error.cycle()[0].lock.name == Some("config")
            && error.cycle()[0].thread.ident == seen.ident
            && error.to_string().contains("Lock 'config'")
    });
    report.check(
        "the second acquire was a DeadlockError, not a hang",
        seen.error.is_some(),
    );
    report.check(
        "a self-deadlock, naming Lock 'config' and the thread",
        self_deadlock,
    );
    report.check(
        "the lock is still held by that thread, its value untouched",
        seen.still_held && seen.value == 7,
    );
    report.check("released, the lock is free again", seen.free_after_release);
}

/// How one thread of the opposite-order scene fared.
struct Attempt {
    told: Option<DeadlockError>,
    finished: bool,
}

fn opposite_order(report: &mut Report) {
    let diagnosed = Diagnosed::start();
    let deadline = Instant::now() + PATIENCE;
    let a = Arc::new(Lock::named("A", 0u32));
    let b = Arc::new(Lock::named("B", 0u32));
    let both_hold_one = Arc::new(Barrier::new(2).expect("2 parties"));
    let finished = Arc::new(Event::named("finished"));
    let worker = |name: &str, first: &Arc<Lock<u32>>, second: &Arc<Lock<u32>>| {
        let (first, second) = (Arc::clone(first), Arc::clone(second));
        let (both_hold_one, finished) = (Arc::clone(&both_hold_one), Arc::clone(&finished));
        spawn(name, move || {
            let mut held = first.acquire();
            // Both hold their first lock before either asks for its second.
            let _ = both_hold_one.wait_deadline(deadline);
            match second.acquire_checked() {
                Ok(mut other) => {
                    *held += 1;
                    *other += 1;
                    drop((other, held));
                    finished.set();
                    Attempt {
                        told: None,
                        finished: true,
                    }
                }
                Err(error) => {
                    // Back off: let go, let the other thread finish, try again.
                    drop(held);
                    let finished = finished.wait_deadline(deadline) && {
                        let mut held = first.acquire();
                        second.acquire_checked().is_ok_and(|mut other| {
                            *held += 1;
                            *other += 1;
                            true
                        })
                    };
                    Attempt {
                        told: Some(error),
                        finished,
                    }
                }
            }
        })
    };
    let threads = [worker("ab", &a, &b), worker("ba", &b, &a)];
    let attempts: Vec<(String, Option<Attempt>)> = threads
        .into_iter()
        .map(|t| (t.name().to_owned(), join_by(t, deadline)))
        .collect();
    report.say(
        "thread 'ab' holds Lock 'A' and asks for B; thread 'ba' holds Lock 'B' and asks for A",
    );
    let told: Vec<(&str, &Attempt, &DeadlockError)> = attempts
        .iter()
        .filter_map(|(name, attempt)| {
            let attempt = attempt.as_ref()?;
            Some((name.as_str(), attempt, attempt.told.as_ref()?))
        })
        .collect();
    for (name, attempt, error) in &told {
        report.say(format!("thread '{name}' is told:"));
        quote(report, &error.to_string());
        let other = if *name == "ab" { "ba" } else { "ab" };
        report.say(format!(
            "'{name}' lets go of its lock, waits for '{other}' to finish, takes both again: {}",
            if attempt.finished {
                "done"
            } else {
                "it could not"
            }
        ));
    }
    let all_finished = attempts
        .iter()
        .all(|(_, attempt)| attempt.as_ref().is_some_and(|a| a.finished));
    // Only look at the counters once nobody can be holding the locks.
    let counters = all_finished.then(|| (*a.acquire(), *b.acquire()));
    match counters {
        Some((a, b)) => report.say(format!("both finished: A = {a}, B = {b}")),
        None => report.say("not every thread finished"),
    }
    mention_warnings(report, &diagnosed.warnings());
    report.figure("errors", told.len());
    report.check("exactly one thread got a DeadlockError", told.len() == 1);
    report.check(
        "it named both threads and both locks",
        !told.is_empty()
            && told.iter().all(|(_, _, error)| {
                cycle_names(error) == (vec!["ab".to_owned(), "ba".to_owned()], vec!["A", "B"])
            }),
    );
    report.check("both threads finished", all_finished);
    report.check(
        "both updated both counters: A = 2, B = 2",
        counters == Some((2, 2)),
    );
}

const PHILOSOPHERS: [&str; 5] = ["Aristotle", "Kant", "Spinoza", "Marx", "Russell"];
const FORKS: [&str; 5] = ["fork 0", "fork 1", "fork 2", "fork 3", "fork 4"];

/// How one philosopher's dinner went.
struct Dinner {
    told: Option<DeadlockError>,
    ate: bool,
}

fn dining_philosophers(report: &mut Report) {
    const SEATS: usize = PHILOSOPHERS.len();
    let diagnosed = Diagnosed::start();
    let deadline = Instant::now() + PATIENCE;
    let forks: Arc<Vec<Lock<u32>>> = Arc::new(FORKS.iter().map(|n| Lock::named(n, 0)).collect());
    let seated = Arc::new(Barrier::new(SEATS).expect("5 parties"));
    let eaten = Arc::new(Semaphore::named("eaten", 0));
    let philosophers: Vec<Thread<Dinner>> = (0..SEATS)
        .map(|seat| {
            let (forks, seated, eaten) =
                (Arc::clone(&forks), Arc::clone(&seated), Arc::clone(&eaten));
            spawn(PHILOSOPHERS[seat], move || {
                let (left, right) = (&forks[seat], &forks[(seat + 1) % SEATS]);
                let mut left_fork = left.acquire();
                // Everybody holds a left fork before anybody reaches for a right one.
                let _ = seated.wait_deadline(deadline);
                match right.acquire_checked() {
                    Ok(mut right_fork) => {
                        *left_fork += 1;
                        *right_fork += 1;
                        drop((right_fork, left_fork));
                        eaten.release(1).expect("an unbounded semaphore");
                        Dinner {
                            told: None,
                            ate: true,
                        }
                    }
                    Err(error) => {
                        // Put the fork down until the four others have eaten.
                        drop(left_fork);
                        let others_ate = (1..SEATS).all(|_| {
                            eaten
                                .acquire_deadline(deadline)
                                .map(|permit| permit.forget())
                                .is_some()
                        });
                        let ate = others_ate && {
                            let mut left_fork = left.acquire();
                            right.acquire_checked().is_ok_and(|mut right_fork| {
                                *left_fork += 1;
                                *right_fork += 1;
                                true
                            })
                        };
                        Dinner {
                            told: Some(error),
                            ate,
                        }
                    }
                }
            })
        })
        .collect();
    let dinners: Vec<(&str, Option<Dinner>)> = philosophers
        .into_iter()
        .zip(PHILOSOPHERS)
        .map(|(t, name)| (name, join_by(t, deadline)))
        .collect();
    report.say("each philosopher holds the fork on his left and reaches for the one on his right");
    let told: Vec<(&str, &Dinner, &DeadlockError)> = dinners
        .iter()
        .filter_map(|(name, dinner)| {
            let dinner = dinner.as_ref()?;
            Some((*name, dinner, dinner.told.as_ref()?))
        })
        .collect();
    for (name, dinner, error) in &told {
        report.say(format!("{name} is told:"));
        quote(report, &error.to_string());
        report.say(format!(
            "{name} puts his left fork down, waits until the four others have eaten, then {}",
            if dinner.ate { "eats" } else { "cannot eat" }
        ));
    }
    let ate: Vec<&str> = dinners
        .iter()
        .filter(|(_, dinner)| dinner.as_ref().is_some_and(|d| d.ate))
        .map(|(name, _)| *name)
        .collect();
    let everybody_ate = ate.len() == SEATS;
    // Only look at the forks once nobody can be holding one.
    let uses: Option<Vec<u32>> =
        everybody_ate.then(|| forks.iter().map(|f| *f.acquire()).collect());
    report.say(format!(
        "ate: {} of {SEATS} ({}); times each fork was used: {}",
        ate.len(),
        ate.join(", "),
        uses.as_ref()
            .map_or("?".to_owned(), |uses| format!("{uses:?}"))
    ));
    mention_warnings(report, &diagnosed.warnings());
    report.figure("reports", told.len());
    report.figure("ate", ate.len());
    let mut everyone: Vec<String> = PHILOSOPHERS.iter().map(|&n| n.to_owned()).collect();
    everyone.sort();
    report.check(
        "exactly one philosopher was told of the deadlock",
        told.len() == 1,
    );
    report.check(
        "the cycle has five links, naming all five philosophers and all five forks",
        !told.is_empty()
            && told.iter().all(|(_, _, error)| {
                error.cycle().len() == SEATS
                    && cycle_names(error) == (everyone.clone(), FORKS.to_vec())
            }),
    );
    report.check(
        "everybody ate, each fork used by both neighbours",
        everybody_ate && uses.is_some_and(|uses| uses.iter().all(|&n| n == 2)),
    );
}

/// Acquires `lock`, and says where (the site the records keep: the caller's).
#[track_caller]
fn acquire_here(lock: &Lock) -> (LockGuard<'_, ()>, &'static Location<'static>) {
    (lock.acquire(), Location::caller())
}

fn order_inversion(report: &mut Report) {
    let diagnosed = Diagnosed::start();
    let deadline = Instant::now() + PATIENCE;
    let accounts = Arc::new(Lock::named("accounts", ()));
    let audit = Arc::new(Lock::named("audit", ()));
    let transfer = {
        let (accounts, audit) = (Arc::clone(&accounts), Arc::clone(&audit));
        spawn("transfer", move || {
            let (_accounts, accounts_site) = acquire_here(&accounts);
            let (_audit, audit_site) = acquire_here(&audit);
            [accounts_site, audit_site]
        })
    };
    let transfer = join_by(transfer, deadline);
    let after_one_order = diagnosed.warnings();
    report.say(format!(
        "thread 'transfer' takes accounts, then audit, and {}; warnings: {}",
        finished_or_not(transfer.is_some()),
        after_one_order.len()
    ));
    // Later, and elsewhere in the program: the other order.
    let audit_report = {
        let (accounts, audit) = (Arc::clone(&accounts), Arc::clone(&audit));
        spawn("report", move || {
            let (_audit, audit_site) = acquire_here(&audit);
            let (_accounts, accounts_site) = acquire_here(&accounts);
            [audit_site, accounts_site]
        })
    };
    let audit_report = join_by(audit_report, deadline);
    let warnings = diagnosed.warnings();
    report.say(format!(
        "later, thread 'report' takes audit, then accounts, and {}; new warnings: {}",
        finished_or_not(audit_report.is_some()),
        warnings.len() - after_one_order.len()
    ));
    for warning in &warnings[after_one_order.len()..] {
        quote(report, &warning.message);
    }
    let inversions: Vec<&Warning> = warnings
        .iter()
        .filter(|w| w.kind == WarningKind::LockOrderInversion)
        .collect();
    let text = inversions.first().map_or("", |w| w.message.as_str());
    let sites: Vec<&Location<'static>> = transfer
        .iter()
        .chain(&audit_report)
        .flatten()
        .copied()
        .collect();
    report.figure("inversions", inversions.len());
    report.check("one order alone raised nothing", after_one_order.is_empty());
    report.check(
        "nothing deadlocked: both threads finished",
        transfer.is_some() && audit_report.is_some(),
    );
    report.check(
        "the opposite order was reported as a LockOrderInversion, once",
        inversions.len() == 1,
    );
    report.check(
        "the report names both locks and both threads",
        [
            "Lock 'accounts'",
            "Lock 'audit'",
            "thread 'transfer'",
            "thread 'report'",
        ]
        .iter()
        .all(|name| text.contains(name)),
    );
    report.check(
        "and all four acquisition sites",
        sites.len() == 4 && sites.iter().all(|site| text.contains(&site.to_string())),
    );
}

/// Polls the snapshot until `ready` holds of it, by `deadline` at the latest.
fn wait_for_snapshot(deadline: Instant, ready: impl Fn(&[ThreadSnapshot]) -> bool) -> bool {
    loop {
        if ready(&diagnostics::snapshot()) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::yield_now();
    }
}

/// Whether the thread called `name` is recorded waiting on the primitive called `on`.
fn waits_on(threads: &[ThreadSnapshot], name: &str, on: &str) -> bool {
    threads.iter().any(|t| {
        t.name == name
            && t.waiting_on
                .as_ref()
                .is_some_and(|w| w.primitive.name == Some(on))
    })
}

/// The section of a thread dump about the thread called `name`.
fn section<'a>(dump: &'a str, name: &str) -> &'a str {
    let header = format!("\"{name}\" #");
    dump.split("\n\n")
        .find(|s| s.starts_with(&header))
        .unwrap_or("")
}

fn thread_dump(report: &mut Report) {
    let _diagnosed = Diagnosed::start();
    let deadline = Instant::now() + PATIENCE;
    let ledger = Arc::new(Lock::named("ledger", ()));
    let go = Arc::new(Event::named("go"));
    let jobs = Arc::new(Queue::<u32>::named("jobs", 0));
    let holder = {
        let (ledger, go) = (Arc::clone(&ledger), Arc::clone(&go));
        spawn("holder", move || {
            let _held = ledger.acquire();
            // Untimed, like Python's `go.wait()`: the scene's thread always sets it.
            go.wait();
        })
    };
    // The waiter must come second: once the holder waits for `go`, it holds 'ledger'.
    let holding = wait_for_snapshot(deadline, |threads| waits_on(threads, "holder", "go"));
    let waiter = {
        let ledger = Arc::clone(&ledger);
        spawn("waiter", move || drop(ledger.acquire()))
    };
    let consumer = {
        let jobs = Arc::clone(&jobs);
        spawn("consumer", move || jobs.get().is_ok())
    };
    let all_waiting = wait_for_snapshot(deadline, |threads| {
        waits_on(threads, "waiter", "ledger") && waits_on(threads, "consumer", "jobs")
    });
    let dump = diagnostics::dump().to_string();
    report.say("diagnostics::dump():");
    quote(report, &dump);
    go.set();
    let job_sent = jobs.put(1).is_ok();
    let finished = [
        join_by(holder, deadline).is_some(),
        join_by(waiter, deadline).is_some(),
        join_by(consumer, deadline).unwrap_or(false),
        job_sent,
    ];
    let all_finished = finished.iter().all(|&done| done);
    report.say(format!(
        "then go.set() and a job for the consumer: {}",
        if all_finished {
            "all three finished"
        } else {
            "not all of them finished"
        }
    ));
    let (holder, waiter, consumer) = (
        section(&dump, "holder"),
        section(&dump, "waiter"),
        section(&dump, "consumer"),
    );
    report.check(
        "the three threads were seen waiting",
        holding && all_waiting,
    );
    report.check(
        "the dump shows 'holder' holding Lock 'ledger' while waiting for Event 'go'",
        holder.contains("holds Lock 'ledger'") && holder.contains("waiting for Event 'go'"),
    );
    report.check(
        "it shows 'waiter' waiting to acquire Lock 'ledger', held by \"holder\"",
        waiter.contains("waiting to acquire Lock 'ledger'")
            && waiter.contains("held by \"holder\""),
    );
    report.check(
        "it shows 'consumer' waiting for Queue 'jobs'",
        consumer.contains("waiting for Queue 'jobs'"),
    );
    report.check("released, all three finished", all_finished);
}
