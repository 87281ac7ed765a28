//! Threads and the pool: the FakeDatabase race under a 3-worker pool, a panicking task
//! that is never lost, `as_completed`, and thread states shown live.

use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use threadkit::diagnostics::PrimitiveKind;
use threadkit::executor::{self, TaskError, ThreadPoolExecutor};
use threadkit::thread::{self, ExceptHookArgs, PanicSource, ThreadRef, ThreadState};
use threadkit::{Barrier, Event, Lock};

use crate::tour::scene::{PATIENCE, Report, Scene};

pub fn scenes() -> Vec<Scene> {
    vec![
        Scene {
            name: "fake-database",
            title: "The FakeDatabase race, fixed by a Lock",
            lesson: "Three pool workers each update a FakeDatabase: read the value, work a while, write \
                     it back plus one. Without a lock all three read 0 before any writes, and the \
                     result is 1; with a Lock around the read-modify-write (50 ms of work each) it is 3.",
            run: fake_database,
        },
        Scene {
            name: "pool-panic",
            title: "A panicking task is never lost",
            lesson: "A task that panics completes its future with the panic. Looked at through result(), \
                     it is an error like any other; dropped without anyone looking, it is reported — \
                     Python's ThreadPoolExecutor would hide it and the program would end with no output.",
            run: pool_panic,
        },
        Scene {
            name: "as-completed",
            title: "as_completed: results as they finish",
            lesson: "Three downloads of 300, 100 and 200 ms are submitted in that order; as_completed \
                     hands each back the moment it finishes: 100, 200, 300.",
            run: as_completed,
        },
        Scene {
            name: "daemon-threads",
            title: "Daemon threads do not keep a program alive",
            lesson: "A non-daemon 'writer' saves three times while a daemon 'heartbeat' beats forever. \
                     join_non_daemon() — what Python does at exit — waits for the writer's last save, \
                     and not for the heartbeat, which is still beating when it returns.",
            run: daemon_threads,
        },
        Scene {
            name: "thread-states",
            title: "Thread states, live",
            lesson: "A thread sleeps while holding a lock; another is blocked on that lock; a third waits \
                     for an event; a fourth waits for a pool task. enumerate() shows each one's state, \
                     then every one of them terminated.",
            run: thread_states,
        },
    ]
}

/// The classic database whose update is a read, some work, and a write.
struct FakeDatabase {
    value: AtomicU64,
    lock: Lock<()>,
}

impl FakeDatabase {
    fn new() -> Self {
        Self {
            value: AtomicU64::new(0),
            lock: Lock::named("FakeDatabase", ()),
        }
    }

    /// Python's `update` without a lock: the read and the write are apart. With
    /// `all_read`, every updater reads before any writes (the interleaving that
    /// Python's 0.1 s sleep makes likely, made certain).
    fn update(&self, all_read: Option<&Barrier>) {
        let local_copy = self.value.load(Ordering::SeqCst);
        match all_read {
            // A broken barrier (an updater stuck for 5 s) shows in the verdict.
            Some(barrier) => drop(barrier.wait_timeout(PATIENCE)),
            None => thread::sleep(Duration::from_millis(50)),
        }
        self.value.store(local_copy + 1, Ordering::SeqCst);
    }

    /// The same, holding the lock for the whole read-modify-write.
    fn locked_update(&self) {
        let _guard = self.lock.acquire();
        self.update(None);
    }
}

fn run_updates(locked: bool) -> (u64, Duration) {
    let database = Arc::new(FakeDatabase::new());
    let all_read = Arc::new(Barrier::new(3).expect("3 parties"));
    let started = Instant::now();
    {
        let pool = ThreadPoolExecutor::builder()
            .max_workers(3)
            .thread_name_prefix("database")
            .build()
            .expect("3 workers");
        for _ in 0..3 {
            let (database, all_read) = (Arc::clone(&database), Arc::clone(&all_read));
            let submitted = pool.submit(move || {
                if locked {
                    database.locked_update();
                } else {
                    database.update(Some(&all_read));
                }
            });
            drop(submitted.expect("the pool is open"));
        }
    } // leaving the block waits for the workers, like Python's `with`
    (database.value.load(Ordering::SeqCst), started.elapsed())
}

fn fake_database(report: &mut Report) {
    let (racy, racy_time) = run_updates(false);
    let (locked, locked_time) = run_updates(true);
    report.say(format!(
        "without a lock: value = {racy} after 3 updates ({} ms: all three read before any wrote)",
        racy_time.as_millis()
    ));
    report.say(format!(
        "with a Lock:    value = {locked} after 3 updates ({} ms: one at a time)",
        locked_time.as_millis()
    ));
    report.figure("without_lock", racy);
    report.figure("with_lock", locked);
    report.check(
        "without a lock, two of the three updates were lost",
        racy == 1,
    );
    report.check("with the Lock, every update counted", locked == 3);
}

/// What the excepthook was told during a scene.
type Reports = Arc<Mutex<Vec<(PanicSource, String, String)>>>;

/// Runs `f` with an excepthook that records reports (and with Rust's own panic
/// messages silenced, so that the scene's output stays readable), then restores both.
fn with_recorded_reports<R>(f: impl FnOnce(&Reports) -> R) -> R {
    let reports: Reports = Arc::default();
    let sink = Arc::clone(&reports);
    thread::set_excepthook(move |args: &ExceptHookArgs<'_>| {
        sink.lock().unwrap_or_else(PoisonError::into_inner).push((
            args.source,
            args.panicked.thread_name().to_owned(),
            args.panicked.message().to_owned(),
        ));
    });
    let rust_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = f(&reports);
    std::panic::set_hook(rust_hook);
    thread::reset_excepthook();
    result
}

fn pool_panic(report: &mut Report) {
    let (seen, reported) = with_recorded_reports(|reports| {
        let pool = ThreadPoolExecutor::builder()
            .max_workers(2)
            .thread_name_prefix("worker")
            .build()
            .expect("2 workers");
        let looked_at = pool
            .submit(|| -> u32 { panic!("user 42 not found") })
            .expect("the pool is open");
        let seen = looked_at.result();
        let forgotten = pool
            .submit(|| -> u32 { panic!("disk full while saving invoice 7") })
            .expect("the pool is open");
        forgotten.wait();
        drop(forgotten); // nobody looked
        drop(pool);
        let reported = reports
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        (seen, reported)
    });
    match &seen {
        Err(TaskError::Panicked(panicked)) => report.say(format!(
            "result() of the first task: Err(\"{}\") — seen, so not reported",
            panicked.message()
        )),
        other => report.say(format!("result() of the first task: {other:?}")),
    }
    for (source, thread, message) in &reported {
        let what = match source {
            PanicSource::UnobservedTask { submitted_at } => format!(
                "task submitted at {}",
                submitted_at.map_or("?".to_owned(), short_site)
            ),
            other => format!("{other:?}"),
        };
        report.say(format!(
            "reported by the excepthook: {what} panicked in {thread}: {message}"
        ));
    }
    report.figure("reports", reported.len());
    report.check(
        "result() returned the panic message",
        matches!(&seen, Err(TaskError::Panicked(p)) if p.message() == "user 42 not found"),
    );
    report.check(
        "the task nobody looked at was reported, once",
        reported.len() == 1
            && matches!(reported[0].0, PanicSource::UnobservedTask { .. })
            && reported[0].2 == "disk full while saving invoice 7",
    );
}

fn short_site(site: &'static Location<'static>) -> String {
    let file = site.file().rsplit('/').next().unwrap_or(site.file());
    format!("{file}:{}", site.line())
}

fn as_completed(report: &mut Report) {
    let pool = ThreadPoolExecutor::builder()
        .max_workers(3)
        .thread_name_prefix("download")
        .build()
        .expect("3 workers");
    let durations = [300u64, 100, 200];
    // A download does not finish before the next shorter one has: on a loaded machine
    // a worker may start late, and the scene's verdict must not depend on that.
    let shorter_done: Vec<Arc<Event>> = durations.iter().map(|_| Arc::new(Event::new())).collect();
    let shorter = |ms: u64| durations.iter().filter(|&&d| d < ms).max().copied();
    let index_of = |ms: u64| durations.iter().position(|&d| d == ms);
    let started = Instant::now();
    let futures: Vec<_> = durations
        .iter()
        .enumerate()
        .map(|(i, &ms)| {
            let waits_for = shorter(ms).map(|_| Arc::clone(&shorter_done[i]));
            pool.submit(move || {
                thread::sleep(Duration::from_millis(ms));
                if let Some(event) = waits_for {
                    event.wait_timeout(PATIENCE);
                }
                ms
            })
            .expect("the pool is open")
        })
        .collect();
    for (future, &ms) in futures.iter().zip(&durations) {
        // When this download is done, the next longer one may finish.
        if let Some(longer) = durations
            .iter()
            .filter(|&&d| d > ms)
            .min()
            .and_then(|&d| index_of(d))
        {
            let event = Arc::clone(&shorter_done[longer]);
            future.add_done_callback(move |_| event.set());
        }
    }
    let mut order = Vec::new();
    for done in executor::as_completed(&futures, Some(Duration::from_secs(10))) {
        match done.map(|future| future.get().copied()) {
            Ok(Ok(ms)) => {
                report.say(format!(
                    "{:>4} ms: the {ms} ms download finished",
                    started.elapsed().as_millis()
                ));
                order.push(ms);
            }
            Ok(Err(error)) => report.say(format!("a download failed: {error}")),
            Err(timeout) => report.say(format!("gave up: {timeout}")),
        }
    }
    report.figure("order", order.clone());
    report.check("every download was handed back", order.len() == 3);
    report.check(
        "in the order they finished, not the order submitted",
        order == [100, 200, 300],
    );
}

/// Waits (polling, at most 5 s) until `thread` is in a state `wanted` accepts.
fn wait_for_state(thread: &ThreadRef, wanted: impl Fn(&ThreadState) -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if wanted(&thread.state()) {
            return true;
        }
        std::thread::yield_now();
    }
    false
}

fn daemon_threads(report: &mut Report) {
    let saves = Arc::new(AtomicU64::new(0));
    let beats = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(Event::named("stop heartbeat"));
    let writer = {
        let saves = Arc::clone(&saves);
        thread::Builder::new()
            .name("writer")
            .daemon(false)
            .spawn(move || {
                for _ in 0..3 {
                    thread::sleep(Duration::from_millis(30)); // the work of one save
                    saves.fetch_add(1, Ordering::SeqCst);
                }
            })
            .expect("spawn")
    };
    let heartbeat = {
        let (beats, stop) = (Arc::clone(&beats), Arc::clone(&stop));
        thread::Builder::new()
            .name("heartbeat")
            .daemon(true)
            .spawn(move || {
                while !stop.wait_timeout(Duration::from_millis(5)) {
                    beats.fetch_add(1, Ordering::SeqCst);
                }
            })
            .expect("spawn")
    };
    report.say(format!(
        "'writer' is a daemon: {}; 'heartbeat' is a daemon: {}",
        writer.is_daemon(),
        heartbeat.is_daemon()
    ));
    // join_non_daemon() on a helper, so that a thread another scene left behind could
    // not hang the tour: the scene waits for it at most 5 s.
    let (done, returned) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        thread::join_non_daemon();
        let _ = done.send(Instant::now());
    });
    let returned = returned.recv_timeout(Duration::from_secs(5));
    let saved = saves.load(Ordering::SeqCst);
    let beating = heartbeat.is_alive();
    let beats_then = beats.load(Ordering::SeqCst);
    match returned {
        Ok(_) => report.say(format!(
            "join_non_daemon() returned: the writer had saved {saved} times; the heartbeat, \
             {} after {beats_then} beats",
            if beating { "still beating" } else { "gone" }
        )),
        Err(_) => report.say("join_non_daemon() did not return within 5 s"),
    }
    stop.set();
    let heartbeat_joined = heartbeat.join().is_ok();
    let writer_joined = writer.join().is_ok();
    report.figure("saves", saved);
    report.figure("beats", beats_then);
    report.check(
        "join_non_daemon() returned once the non-daemon writer was done",
        returned.is_ok() && saved == 3 && writer_joined,
    );
    report.check(
        "it did not wait for the daemon heartbeat, still alive then",
        returned.is_ok() && beating,
    );
    report.check(
        "the heartbeat stopped when told, and was joined",
        heartbeat_joined,
    );
}

fn thread_states(report: &mut Report) {
    let ledger = Arc::new(Lock::named("ledger", ()));
    let release = Arc::new(Event::named("release"));
    let pool = ThreadPoolExecutor::builder()
        .max_workers(1)
        .thread_name_prefix("pool")
        .build()
        .expect("1 worker");
    let holder = {
        let (ledger, release) = (Arc::clone(&ledger), Arc::clone(&release));
        thread::Builder::new()
            .name("holder")
            .spawn(move || {
                let _guard = ledger.acquire();
                while !release.is_set() {
                    thread::sleep(Duration::from_millis(5));
                }
            })
            .expect("spawn")
    };
    // The blocked thread must come second: wait until the holder has the lock.
    let holding = wait_for_state(holder.thread_ref(), |state| *state == ThreadState::Sleeping);
    let blocked = {
        let ledger = Arc::clone(&ledger);
        thread::Builder::new()
            .name("blocked")
            .spawn(move || drop(ledger.acquire()))
            .expect("spawn")
    };
    let waiter = {
        let release = Arc::clone(&release);
        thread::Builder::new()
            .name("waiter")
            .spawn(move || release.wait())
            .expect("spawn")
    };
    let task = {
        let release = Arc::clone(&release);
        pool.submit(move || release.wait())
            .expect("the pool is open")
    };
    let client = thread::Builder::new()
        .name("client")
        .spawn(move || task.result().is_ok())
        .expect("spawn");

    let is_blocked_on_ledger =
        |s: &ThreadState| matches!(s, ThreadState::Blocked { on } if on.name == Some("ledger"));
    let is_waiting_on = |kind: PrimitiveKind| move |s: &ThreadState| matches!(s, ThreadState::Waiting { on } if on.kind == kind);
    let saw_blocked = wait_for_state(blocked.thread_ref(), is_blocked_on_ledger);
    let saw_waiting = wait_for_state(waiter.thread_ref(), is_waiting_on(PrimitiveKind::Event));
    let saw_client = wait_for_state(client.thread_ref(), is_waiting_on(PrimitiveKind::Future));

    let mine = ["holder", "blocked", "waiter", "client", "pool_0"];
    let listed: Vec<ThreadRef> = thread::enumerate()
        .into_iter()
        .filter(|t| mine.contains(&t.name()))
        .collect();
    report.say("threadkit::thread::enumerate():");
    for thread in &listed {
        report.say(format!("  {:<8} {}", thread.name(), thread.state()));
    }
    let refs: Vec<ThreadRef> = [&holder, &blocked, &waiter]
        .iter()
        .map(|t| t.thread_ref().clone())
        .chain([client.thread_ref().clone()])
        .collect();
    release.set();
    holder.join().expect("holder");
    blocked.join().expect("blocked");
    waiter.join().expect("waiter");
    let client_ok = client.join().expect("client");
    drop(pool);
    let all_terminated = refs
        .iter()
        .all(|t| t.state() == ThreadState::Terminated { panicked: false });
    report.say(format!(
        "after release.set(): {}",
        refs.iter()
            .map(|t| format!("{} {}", t.name(), t.state()))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    report.check("the lock holder was seen sleeping", holding);
    report.check(
        "the second thread was Blocked on the 'ledger' lock",
        saw_blocked,
    );
    report.check("the event waiter was Waiting on the Event", saw_waiting);
    report.check(
        "the pool client was Waiting on its Future",
        saw_client && client_ok,
    );
    report.check("all of them ended Terminated", all_terminated);
}
