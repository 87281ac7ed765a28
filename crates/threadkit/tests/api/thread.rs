use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use threadkit::diagnostics::PrimitiveKind;
use threadkit::thread::{self, ExceptHookArgs, JoinError, Local, PanicSource, ThreadState, Timer};
use threadkit::{Barrier, Condition, Event, Lock, Semaphore};

use crate::support::{spawn_named, wait_until};

/// One report the excepthook received.
#[derive(Debug, Clone)]
pub struct Reported {
    pub source: PanicSource,
    pub message: String,
    pub thread: String,
}

static REPORTS: Mutex<Vec<Reported>> = Mutex::new(Vec::new());

/// Installs (once, for the whole test binary) an excepthook that records every report.
pub fn record_reports() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        thread::set_excepthook(|args: &ExceptHookArgs<'_>| {
            REPORTS.lock().unwrap().push(Reported {
                source: args.source,
                message: args.panicked.message().to_owned(),
                thread: args.panicked.thread_name().to_owned(),
            });
        });
    });
}

/// The reports whose message is `message` (tests use unique messages).
pub fn reports(message: &str) -> Vec<Reported> {
    REPORTS
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.message == message)
        .cloned()
        .collect()
}

fn waiting_on(state: &ThreadState, kind: PrimitiveKind) -> bool {
    matches!(state, ThreadState::Waiting { on } if on.kind == kind)
}

#[test]
fn spawn_join_and_identity() {
    let worker = thread::Builder::new()
        .name("identity")
        .spawn(|| {
            (
                thread::get_ident(),
                thread::get_native_id(),
                thread::current().name().to_owned(),
            )
        })
        .unwrap();
    assert_eq!(worker.name(), "identity");
    let ident = worker.ident();
    let (inside_ident, inside_native, inside_name) = {
        let worker_ref = worker.thread_ref().clone();
        let result = worker.join().unwrap();
        assert!(!worker_ref.is_alive());
        assert_eq!(
            worker_ref.state(),
            ThreadState::Terminated { panicked: false }
        );
        assert_eq!(worker_ref.native_id(), Some(result.1));
        result
    };
    assert_eq!(inside_ident, ident);
    assert_ne!(ident, thread::get_ident());
    assert_ne!(inside_native, thread::get_native_id());
    assert_eq!(inside_name, "identity");

    let unnamed = thread::spawn(|| ()).unwrap();
    assert_eq!(unnamed.name(), format!("Thread-{}", unnamed.ident()));
    unnamed.join().unwrap();
}

#[test]
#[cfg_attr(miri, ignore = "a 2 MiB array is slow to interpret")]
fn stack_size_is_honoured() {
    // A thread with a 4 MiB stack can hold a 2 MiB array.
    let big = thread::Builder::new()
        .stack_size(4 << 20)
        .spawn(|| {
            let buffer = [1u8; 2 << 20];
            std::hint::black_box(&buffer)
                .iter()
                .map(|&b| usize::from(b))
                .sum::<usize>()
        })
        .unwrap();
    assert_eq!(big.join().unwrap(), 2 << 20);
}

#[test]
fn join_returns_the_panic_and_the_excepthook_hears_of_it() {
    record_reports();
    let doomed = thread::Builder::new()
        .name("doomed-thread")
        .spawn(|| -> u8 { panic!("thread-test: out of cheese") })
        .unwrap();
    let doomed_ref = doomed.thread_ref().clone();
    let error = doomed.join().unwrap_err();
    assert_eq!(
        error.to_string(),
        "thread 'doomed-thread' panicked: thread-test: out of cheese"
    );
    let panicked = error.into_panicked().unwrap();
    assert_eq!(panicked.message(), "thread-test: out of cheese");
    assert_eq!(panicked.thread_name(), "doomed-thread");
    assert_eq!(panicked.thread_ident(), doomed_ref.ident());
    assert_eq!(
        doomed_ref.state(),
        ThreadState::Terminated { panicked: true }
    );
    let reports = reports("thread-test: out of cheese");
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(reports[0].source, PanicSource::Thread);
    assert_eq!(reports[0].thread, "doomed-thread");

    // A String payload keeps its message too.
    let formatted = thread::spawn(|| panic!("thread-test: {} cheeses", 3)).unwrap();
    let panicked = formatted.join().unwrap_err().into_panicked().unwrap();
    assert_eq!(panicked.message(), "thread-test: 3 cheeses");
}

#[test]
fn join_timeout_on_a_running_thread_hands_it_back() {
    let gate = Arc::new(Event::new());
    let worker = {
        let gate = Arc::clone(&gate);
        thread::spawn(move || {
            gate.wait();
            7
        })
        .unwrap()
    };
    let started = Instant::now();
    let error = worker.join_timeout(Duration::from_millis(20)).unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(20));
    assert!(error.is_timeout());
    assert_eq!(
        error.to_string(),
        "timed out waiting for the thread to finish"
    );
    let worker = error.into_thread().unwrap();
    assert!(worker.is_alive());
    let worker = match worker.join_deadline(Instant::now()) {
        Err(JoinError::TimedOut(worker)) => worker,
        other => panic!("{other:?}"),
    };
    gate.set();
    assert_eq!(worker.join_timeout(Duration::from_secs(10)).unwrap(), 7);
}

#[test]
fn a_thread_cannot_join_itself() {
    let (send_handle, receive_handle) = std::sync::mpsc::channel::<thread::Thread<()>>();
    let (send_answer, receive_answer) = std::sync::mpsc::channel::<(String, bool)>();
    let worker = thread::spawn(move || {
        let me = receive_handle.recv().unwrap();
        let first = me.join().unwrap_err();
        let text = first.to_string();
        let me = first.into_thread().unwrap();
        let second = me.join_timeout(Duration::from_secs(1)).unwrap_err();
        let handed_back = matches!(second, JoinError::CurrentThread(_));
        send_answer.send((text, handed_back)).unwrap();
    })
    .unwrap();
    send_handle.send(worker).unwrap();
    let (text, handed_back) = receive_answer.recv().unwrap();
    assert_eq!(text, "cannot join current thread");
    assert!(handed_back);
}

#[test]
fn states_across_the_lifecycle() {
    // Runnable, then blocked on a lock another thread holds.
    let lock = Arc::new(Lock::named("lifecycle-lock", ()));
    let event = Arc::new(Event::named("lifecycle-event"));
    let condition = Arc::new(Condition::with_lock(Lock::new(())));
    let semaphore = Arc::new(Semaphore::named("lifecycle-semaphore", 0));
    let barrier = Arc::new(Barrier::new(2).unwrap());
    let step = Arc::new(AtomicUsize::new(0));
    let held = lock.acquire();
    let worker = {
        let (lock, event, condition, semaphore, barrier, step) = (
            Arc::clone(&lock),
            Arc::clone(&event),
            Arc::clone(&condition),
            Arc::clone(&semaphore),
            Arc::clone(&barrier),
            Arc::clone(&step),
        );
        thread::Builder::new()
            .name("lifecycle")
            .spawn(move || {
                assert_eq!(thread::current().state(), ThreadState::Runnable);
                drop(lock.acquire());
                event.wait();
                {
                    let mut guard = condition.acquire();
                    step.store(1, Ordering::SeqCst);
                    while step.load(Ordering::SeqCst) == 1 {
                        guard.wait();
                    }
                }
                drop(semaphore.acquire());
                barrier.wait().unwrap();
                thread::sleep(Duration::from_secs(30).min(Duration::from_millis(400)));
                step.store(3, Ordering::SeqCst);
            })
            .unwrap()
    };
    let state = worker.state();
    assert!(
        matches!(
            state,
            ThreadState::New | ThreadState::Runnable | ThreadState::Blocked { .. }
        ),
        "{state:?}"
    );
    wait_until(
        "the worker is blocked on the lock",
        || matches!(worker.state(), ThreadState::Blocked { on } if on.name == Some("lifecycle-lock")),
    );
    assert_eq!(
        worker.state().to_string(),
        "blocked on Lock 'lifecycle-lock'"
    );
    drop(held);
    wait_until(
        "the worker waits for the event",
        || matches!(worker.state(), ThreadState::Waiting { on } if on.name == Some("lifecycle-event")),
    );
    event.set();
    wait_until("the worker waits on the condition", || {
        step.load(Ordering::SeqCst) == 1 && waiting_on(&worker.state(), PrimitiveKind::Condition)
    });
    {
        let guard = condition.acquire();
        step.store(2, Ordering::SeqCst);
        guard.notify_all();
    }
    wait_until("the worker waits for a permit", || {
        waiting_on(&worker.state(), PrimitiveKind::Semaphore)
    });
    semaphore.release(1).unwrap();
    wait_until("the worker waits at the barrier", || {
        waiting_on(&worker.state(), PrimitiveKind::Barrier)
    });
    barrier.wait().unwrap();
    wait_until("the worker sleeps (or has slept)", || {
        worker.state() == ThreadState::Sleeping || step.load(Ordering::SeqCst) == 3
    });
    let worker_ref = worker.thread_ref().clone();
    worker.join().unwrap();
    assert_eq!(
        worker_ref.state(),
        ThreadState::Terminated { panicked: false }
    );
}

#[test]
fn sleeping_shows_as_sleeping() {
    // The sleeper takes short naps until the test has seen it sleeping (however late
    // the scheduler lets either of them run).
    let seen = Arc::new(AtomicBool::new(false));
    let sleeper = {
        let seen = Arc::clone(&seen);
        thread::spawn(move || {
            while !seen.load(Ordering::SeqCst) {
                thread::sleep_until(Instant::now() + Duration::from_millis(5));
                thread::sleep(Duration::from_millis(5));
            }
        })
        .unwrap()
    };
    wait_until("the sleeper shows as sleeping", || {
        sleeper.state() == ThreadState::Sleeping
    });
    seen.store(true, Ordering::SeqCst);
    sleeper.join().unwrap();
}

#[test]
fn a_joiner_waits_on_the_thread() {
    let gate = Arc::new(Event::new());
    let target = {
        let gate = Arc::clone(&gate);
        thread::Builder::new()
            .name("join-target")
            .spawn(move || gate.wait())
            .unwrap()
    };
    let target_ref = target.thread_ref().clone();
    let joiner = thread::spawn(move || target.join().is_ok()).unwrap();
    wait_until(
        "the joiner waits on the target",
        || matches!(joiner.state(), ThreadState::Waiting { on } if on.kind == PrimitiveKind::Thread),
    );
    assert!(target_ref.is_alive());
    gate.set();
    assert!(joiner.join().unwrap());
}

#[test]
fn registry_lists_threadkit_threads_and_the_threads_it_meets() {
    let main = thread::main_thread();
    assert_eq!(main.name(), "MainThread");
    assert!(main.is_main() && !main.is_daemon() && main.is_alive());
    assert!(thread::enumerate().contains(&main));
    let me = thread::current();
    assert!(!me.is_main());
    assert_eq!(me.ident(), thread::get_ident());
    assert!(
        me.is_daemon(),
        "threads threadkit did not start are daemons"
    );
    assert_eq!(me, thread::current());

    // A thread threadkit did not start appears once it parks on a primitive.
    let gate = Arc::new(Event::new());
    let foreign = {
        let gate = Arc::clone(&gate);
        spawn_named("registry-foreign", move || gate.wait())
    };
    wait_until("the foreign thread is listed as waiting", || {
        thread::enumerate()
            .iter()
            .any(|t| t.name() == "registry-foreign" && waiting_on(&t.state(), PrimitiveKind::Event))
    });
    let listed = thread::enumerate();
    let foreign_ref = listed
        .iter()
        .find(|t| t.name() == "registry-foreign")
        .unwrap()
        .clone();
    assert!(foreign_ref.is_daemon() && foreign_ref.native_id().is_some());
    assert!(thread::active_count() >= 3);
    gate.set();
    foreign.join().unwrap();
    assert!(
        !foreign_ref.is_alive(),
        "a thread that exited is terminated"
    );
    assert!(
        thread::enumerate()
            .iter()
            .all(|t| t.name() != "registry-foreign")
    );

    // A threadkit thread is listed from spawn until it has finished.
    let release = Arc::new(Event::new());
    let listed_worker = {
        let release = Arc::clone(&release);
        thread::Builder::new()
            .name("registry-worker")
            .spawn(move || release.wait())
            .unwrap()
    };
    assert!(
        thread::enumerate()
            .iter()
            .any(|t| t.name() == "registry-worker")
    );
    release.set();
    let ident = listed_worker.ident();
    listed_worker.join().unwrap();
    assert!(thread::enumerate().iter().all(|t| t.ident() != ident));
}

#[test]
fn daemon_flag_is_inherited_and_join_non_daemon_waits_for_non_daemons() {
    // Spawned from a test thread (a "dummy", hence a daemon): a daemon by default.
    let inherits = thread::spawn(thread::current).unwrap();
    assert!(inherits.is_daemon());
    assert!(inherits.join().unwrap().is_daemon());
    // Spawned from a non-daemon thread: not a daemon.
    let parent = thread::Builder::new()
        .daemon(false)
        .spawn(|| thread::spawn(|| ()).unwrap().is_daemon())
        .unwrap();
    assert!(!parent.is_daemon());
    assert!(!parent.join().unwrap());

    let gate = Arc::new(Event::new());
    let saved = Arc::new(AtomicBool::new(false));
    let worker = {
        let (gate, saved) = (Arc::clone(&gate), Arc::clone(&saved));
        thread::Builder::new()
            .name("non-daemon-saver")
            .daemon(false)
            .spawn(move || {
                gate.wait();
                saved.store(true, Ordering::SeqCst);
            })
            .unwrap()
    };
    let forever = Arc::new(Event::new());
    let daemon = {
        let forever = Arc::clone(&forever);
        thread::Builder::new()
            .daemon(true)
            .spawn(move || forever.wait())
            .unwrap()
    };
    let waiter = {
        let saved = Arc::clone(&saved);
        thread::Builder::new()
            .name("exit-waiter")
            .spawn(move || {
                thread::join_non_daemon();
                saved.load(Ordering::SeqCst)
            })
            .unwrap()
    };
    wait_until(
        "join_non_daemon waits for the non-daemon thread",
        || matches!(waiter.state(), ThreadState::Waiting { on } if on.kind == PrimitiveKind::Thread),
    );
    assert!(worker.is_alive());
    gate.set();
    assert!(
        waiter.join().unwrap(),
        "it returned only after the non-daemon thread"
    );
    assert!(daemon.is_alive(), "daemons are not waited for");
    forever.set();
    daemon.join().unwrap();
    worker.join().unwrap();
}

#[test]
fn timer_fires_once_unless_cancelled() {
    let fired = Arc::new(Event::new());
    let timer = {
        let fired = Arc::clone(&fired);
        Timer::start(Duration::from_millis(10), move || fired.set()).unwrap()
    };
    assert!(timer.join().unwrap());
    assert!(fired.is_set());

    let ran = Arc::new(AtomicBool::new(false));
    let cancelled = {
        let ran = Arc::clone(&ran);
        Timer::start_with(
            thread::Builder::new().name("cancelled-timer"),
            Duration::from_secs(3600),
            move || ran.store(true, Ordering::SeqCst),
        )
        .unwrap()
    };
    assert_eq!(cancelled.thread_ref().name(), "cancelled-timer");
    wait_until("the timer waits", || {
        waiting_on(&cancelled.thread_ref().state(), PrimitiveKind::Timer)
    });
    assert!(cancelled.is_alive());
    assert!(cancelled.cancel());
    assert!(!cancelled.cancel(), "only the first cancel stops it");
    assert!(!cancelled.join().unwrap());
    assert!(!ran.load(Ordering::SeqCst));

    // A cancel after the function started is too late.
    let started = Arc::new(Event::new());
    let finish = Arc::new(Event::new());
    let late = {
        let (started, finish) = (Arc::clone(&started), Arc::clone(&finish));
        Timer::start(Duration::ZERO, move || {
            started.set();
            finish.wait();
        })
        .unwrap()
    };
    started.wait();
    assert!(!late.cancel());
    finish.set();
    assert!(late.join().unwrap());
}

#[test]
fn local_values_are_per_thread_and_dropped_at_exit() {
    struct Counted(Arc<AtomicUsize>, Cell<u32>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let local = {
        let drops = Arc::clone(&drops);
        Arc::new(Local::new(move || {
            Counted(Arc::clone(&drops), Cell::new(0))
        }))
    };
    assert!(!local.is_initialized());
    local.with(|v| v.1.set(v.1.get() + 5));
    assert!(local.is_initialized());
    let workers: Vec<_> = (0..3)
        .map(|i| {
            let local = Arc::clone(&local);
            thread::spawn(move || {
                local.with(|v| v.1.set(v.1.get() + i));
                local.with(|v| v.1.get())
            })
            .unwrap()
        })
        .collect();
    let seen: Vec<u32> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    assert_eq!(seen, [0, 1, 2], "each thread had its own value");
    assert_eq!(
        drops.load(Ordering::SeqCst),
        3,
        "exited threads dropped theirs"
    );
    assert_eq!(local.with(|v| v.1.get()), 5);
    drop(local);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        4,
        "dropping the Local drops the rest"
    );

    let default: Local<Cell<u8>> = Local::default();
    assert_eq!(default.with(Cell::get), 0);
    assert!(format!("{default:?}").contains("threads: 1"));
}

#[test]
fn debug_shows_name_and_state() {
    let worker = thread::Builder::new()
        .name("debugged")
        .spawn(|| ())
        .unwrap();
    let text = format!("{worker:?}");
    assert!(text.contains("debugged"), "{text}");
    worker.join().unwrap();
    assert!(format!("{:?}", thread::current()).contains("state: Runnable"));
}
