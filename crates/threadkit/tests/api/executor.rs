use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use threadkit::diagnostics::PrimitiveKind;
use threadkit::executor::{
    self, BuildError, MapError, ResultTimeoutError, ReturnWhen, SubmitError, TaskError,
    ThreadPoolExecutor,
};
use threadkit::thread::{self, PanicSource, ThreadState};
use threadkit::{Event, Lock};

use crate::support::wait_until;
use crate::thread::{record_reports, reports};

fn pool(workers: usize, prefix: &str) -> ThreadPoolExecutor {
    ThreadPoolExecutor::builder()
        .max_workers(workers)
        .thread_name_prefix(prefix)
        .build()
        .unwrap()
}

/// An event that tasks wait for, so tests decide when they finish; set when dropped,
/// so that a failing test does not leave the pool's drop waiting forever.
struct Gate(Arc<Event>);

impl Gate {
    fn new() -> Self {
        Gate(Arc::new(Event::new()))
    }
}

impl std::ops::Deref for Gate {
    type Target = Arc<Event>;

    fn deref(&self) -> &Arc<Event> {
        &self.0
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.0.set();
    }
}

/// A task that waits for `gate`, so tests decide when it finishes.
fn gated(gate: &Arc<Event>) -> impl FnOnce() + Send + 'static {
    let gate = Arc::clone(gate);
    move || gate.wait()
}

fn workers_named(prefix: &str) -> Vec<thread::ThreadRef> {
    thread::enumerate()
        .into_iter()
        .filter(|t| t.name().starts_with(&format!("{prefix}_")))
        .collect()
}

#[test]
fn submit_and_result() {
    let pool = pool(2, "basic");
    let future = pool.submit(|| 6 * 7).unwrap();
    assert_eq!(future.get(), Ok(&42));
    assert!(future.done() && !future.running() && !future.cancelled() && !future.failed());
    assert!(
        future
            .submitted_at()
            .unwrap()
            .file()
            .ends_with("executor.rs")
    );
    assert_eq!(future.result(), Ok(42));
    let owned = pool.submit(|| String::from("owned")).unwrap();
    assert_eq!(owned.result().unwrap(), "owned");
    assert_eq!(pool.max_workers(), 2);
    assert!(format!("{pool:?}").contains("basic"));
}

#[test]
fn default_max_workers_is_pythons() {
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    assert_eq!(ThreadPoolExecutor::new().max_workers(), (cpus + 4).min(32));
    assert_eq!(
        ThreadPoolExecutor::builder()
            .max_workers(0)
            .build()
            .unwrap_err(),
        BuildError::ZeroWorkers
    );
}

#[test]
fn workers_start_on_demand_and_idle_ones_are_reused() {
    let pool = pool(3, "on-demand");
    assert_eq!(pool.worker_count(), 0);
    assert_eq!(pool.submit(|| 1).unwrap().result(), Ok(1));
    assert_eq!(pool.worker_count(), 1);
    for round in 0..5 {
        // Once the worker is idle, a submission goes to it: no new thread.
        wait_until("the worker is idle", || {
            workers_named("on-demand").iter().all(|w| {
                matches!(w.state(), ThreadState::Waiting { on } if on.kind == PrimitiveKind::ThreadPoolExecutor)
            })
        });
        assert_eq!(pool.submit(move || round).unwrap().result(), Ok(round));
        assert_eq!(pool.worker_count(), 1, "round {round}");
    }
    // Busy workers: new ones start, up to the maximum.
    let gate = Gate::new();
    let blocked: Vec<_> = (0..5).map(|_| pool.submit(gated(&gate)).unwrap()).collect();
    wait_until("three workers run", || {
        blocked.iter().filter(|f| f.running()).count() == 3
    });
    assert_eq!(pool.worker_count(), 3);
    let names: Vec<String> = workers_named("on-demand")
        .iter()
        .map(|t| t.name().to_owned())
        .collect();
    for n in 0..3 {
        assert!(names.contains(&format!("on-demand_{n}")), "{names:?}");
    }
    assert!(workers_named("on-demand").iter().all(|w| w.is_daemon()));
    gate.set();
    for future in blocked {
        future.result().unwrap();
    }
}

#[test]
fn a_panicking_task_fails_its_future_and_the_worker_survives() {
    record_reports();
    let pool = pool(1, "panicky");
    let failed = pool
        .submit(|| -> u32 { panic!("executor-test: no such user") })
        .unwrap();
    failed.wait();
    assert!(failed.failed());
    match failed.result() {
        Err(TaskError::Panicked(panicked)) => {
            assert_eq!(panicked.message(), "executor-test: no such user");
            assert_eq!(panicked.thread_name(), "panicky_0");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        pool.submit(|| 5).unwrap().result(),
        Ok(5),
        "the worker survived"
    );
    assert!(
        reports("executor-test: no such user").is_empty(),
        "seen through result(): not reported"
    );
    let error = pool
        .submit(|| panic!("executor-test: shown"))
        .unwrap()
        .result()
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "task panicked: thread 'panicky_0' panicked: executor-test: shown"
    );
}

#[test]
fn a_failure_nobody_looked_at_is_reported_once() {
    record_reports();
    let pool = pool(2, "unobserved");
    // Done, then dropped unseen.
    let failed = pool
        .submit(|| panic!("executor-test: dropped unseen"))
        .unwrap();
    failed.wait();
    assert!(
        reports("executor-test: dropped unseen").is_empty(),
        "not yet: the future may still be read"
    );
    drop(failed);
    // The report is made by whichever of this thread and the worker lets go last.
    wait_until("the dropped failure is reported", || {
        !reports("executor-test: dropped unseen").is_empty()
    });
    let seen = reports("executor-test: dropped unseen");
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        matches!(seen[0].source, PanicSource::UnobservedTask { submitted_at: Some(site) } if site.file().ends_with("executor.rs"))
    );
    assert!(seen[0].thread.starts_with("unobserved_"));

    // Dropped first (fire and forget), failing later: reported when it fails.
    let gate = Gate::new();
    let later = {
        let gate = Arc::clone(&gate);
        pool.submit(move || {
            gate.wait();
            panic!("executor-test: fire and forget")
        })
        .unwrap()
    };
    drop(later);
    gate.set();
    wait_until("the fire-and-forget failure is reported", || {
        !reports("executor-test: fire and forget").is_empty()
    });

    // Looked at through get(): not reported. Succeeded: nothing to report.
    let looked = pool.submit(|| panic!("executor-test: looked at")).unwrap();
    assert!(looked.get().is_err());
    drop(looked);
    drop(pool);
    assert!(reports("executor-test: looked at").is_empty());
    assert_eq!(reports("executor-test: fire and forget").len(), 1);
}

#[test]
fn cancel_only_before_the_task_runs() {
    let pool = pool(1, "cancel");
    let gate = Gate::new();
    let running = pool.submit(gated(&gate)).unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let pending = {
        let ran = Arc::clone(&ran);
        pool.submit(move || ran.fetch_add(1, Ordering::SeqCst))
            .unwrap()
    };
    wait_until("the first task runs", || running.running());
    assert!(pending.pending());
    assert!(!running.cancel(), "a running task cannot be cancelled");
    assert!(pending.cancel());
    assert!(pending.cancel(), "cancelling again still says cancelled");
    assert!(pending.cancelled() && pending.done() && !pending.failed());
    gate.set();
    assert_eq!(running.result(), Ok(()));
    assert_eq!(pending.get(), Err(TaskError::Cancelled));
    assert_eq!(pending.result(), Err(TaskError::Cancelled));
    drop(pool);
    assert_eq!(
        ran.load(Ordering::SeqCst),
        0,
        "the cancelled task never ran"
    );
    assert_eq!(TaskError::Cancelled.to_string(), "task was cancelled");
}

#[test]
fn shutdown_cancel_futures_cancels_exactly_the_pending_ones() {
    let pool = pool(2, "shutdown-cancel");
    let gate = Gate::new();
    let running: Vec<_> = (0..2).map(|_| pool.submit(gated(&gate)).unwrap()).collect();
    wait_until("both workers run", || running.iter().all(|f| f.running()));
    let pending: Vec<_> = (0..5).map(|n| pool.submit(move || n).unwrap()).collect();
    pool.shutdown(false, true);
    assert!(pool.is_shutdown());
    assert!(pending.iter().all(|f| f.cancelled()));
    assert!(running.iter().all(|f| f.running()));
    let refused = match pool.submit(|| "too late") {
        Err(SubmitError::Shutdown(f)) => f,
        other => panic!("{other:?}"),
    };
    assert_eq!(refused(), "too late", "the closure is handed back");
    assert_eq!(
        pool.submit(|| ()).unwrap_err().to_string(),
        "cannot schedule new futures after shutdown"
    );
    gate.set();
    for future in running {
        assert_eq!(future.result(), Ok(()));
    }
}

#[test]
fn shutdown_with_wait_runs_what_is_queued() {
    let pool = pool(2, "shutdown-wait");
    let count = Arc::new(AtomicUsize::new(0));
    let futures: Vec<_> = (0..50)
        .map(|_| {
            let count = Arc::clone(&count);
            pool.submit(move || count.fetch_add(1, Ordering::SeqCst))
                .unwrap()
        })
        .collect();
    pool.shutdown(true, false);
    assert_eq!(count.load(Ordering::SeqCst), 50);
    assert!(futures.iter().all(|f| f.done() && !f.cancelled()));
    pool.shutdown(true, true); // again: harmless
}

#[test]
fn dropping_the_pool_waits_for_its_tasks() {
    let count = Arc::new(AtomicUsize::new(0));
    {
        let pool = pool(3, "drop-waits");
        for _ in 0..100 {
            let count = Arc::clone(&count);
            drop(
                pool.submit(move || count.fetch_add(1, Ordering::SeqCst))
                    .unwrap(),
            );
        }
    }
    assert_eq!(count.load(Ordering::SeqCst), 100);
    assert!(
        workers_named("drop-waits").is_empty(),
        "the workers are gone"
    );
}

#[test]
fn result_timeout_hands_the_future_back() {
    let pool = pool(1, "timeout");
    let gate = Gate::new();
    let future = {
        let gate = Arc::clone(&gate);
        pool.submit(move || {
            gate.wait();
            "late"
        })
        .unwrap()
    };
    let started = Instant::now();
    let future = match future.result_timeout(Duration::from_millis(20)) {
        Err(ResultTimeoutError::TimedOut(future)) => future,
        other => panic!("{other:?}"),
    };
    assert!(started.elapsed() >= Duration::from_millis(20));
    assert!(!future.wait_timeout(Duration::from_millis(1)));
    gate.set();
    assert_eq!(
        future.result_timeout(Duration::from_secs(10)).unwrap(),
        "late"
    );
    let failed = pool
        .submit(|| -> u8 { panic!("executor-test: timed and failed") })
        .unwrap();
    assert!(matches!(
        failed.result_deadline(Instant::now() + Duration::from_secs(10)),
        Err(ResultTimeoutError::Task(TaskError::Panicked(_)))
    ));
}

#[test]
fn a_thread_waiting_for_a_result_shows_as_waiting_on_the_future() {
    let pool = pool(1, "future-state");
    let gate = Gate::new();
    let future = pool.submit(gated(&gate)).unwrap();
    let waiter = thread::spawn(move || future.result().is_ok()).unwrap();
    wait_until(
        "the waiter waits on the future",
        || matches!(waiter.state(), ThreadState::Waiting { on } if on.kind == PrimitiveKind::Future),
    );
    gate.set();
    assert!(waiter.join().unwrap());
}

#[test]
fn wait_first_completed() {
    let pool = pool(3, "wait-first");
    let gate = Gate::new();
    let futures = vec![
        pool.submit(gated(&gate)).unwrap(),
        pool.submit(|| ()).unwrap(),
        pool.submit(gated(&gate)).unwrap(),
    ];
    let split = executor::wait(&futures, None, ReturnWhen::FirstCompleted);
    assert!(!split.done.is_empty());
    assert!(split.done.iter().all(|f| f.done()));
    assert!(split.done.iter().any(|f| std::ptr::eq(*f, &futures[1])));
    assert_eq!(split.done.len() + split.not_done.len(), 3);
    let split = executor::wait(
        &futures[..1],
        Some(Duration::from_millis(10)),
        ReturnWhen::FirstCompleted,
    );
    assert_eq!(
        (split.done.len(), split.not_done.len()),
        (0, 1),
        "timed out: nothing done"
    );
    gate.set();
}

#[test]
fn wait_first_exception() {
    let pool = pool(4, "wait-exception");
    let gate = Gate::new();
    let futures = vec![
        pool.submit(|| {}).unwrap(),
        pool.submit(gated(&gate)).unwrap(),
        pool.submit(|| panic!("executor-test: first exception"))
            .unwrap(),
        pool.submit(gated(&gate)).unwrap(),
    ];
    // The trivial task is done before the wait (its worker may be slower than the
    // failing one's).
    futures[0].wait();
    let split = executor::wait(
        &futures,
        Some(Duration::from_secs(10)),
        ReturnWhen::FirstException,
    );
    assert!(
        split.done.iter().any(|f| f.failed()),
        "returned because of the failure"
    );
    assert_eq!(split.not_done.len(), 2, "the gated ones are still running");
    gate.set();
    // With no failure, FIRST_EXCEPTION waits for all.
    let fine: Vec<_> = (0..3).map(|n| pool.submit(move || n).unwrap()).collect();
    let split = executor::wait(&fine, None, ReturnWhen::FirstException);
    assert_eq!(split.done.len(), 3);
    assert!(futures[2].get().is_err());
}

#[test]
fn wait_all_completed() {
    let pool = pool(2, "wait-all");
    let gate = Gate::new();
    let futures = vec![
        pool.submit(gated(&gate)).unwrap(),
        pool.submit(|| ()).unwrap(),
    ];
    futures[1].wait();
    let split = executor::wait(
        &futures,
        Some(Duration::from_millis(20)),
        ReturnWhen::AllCompleted,
    );
    assert_eq!(split.not_done.len(), 1);
    assert!(std::ptr::eq(split.not_done[0], &futures[0]));
    gate.set();
    let split = executor::wait(&futures, None, ReturnWhen::AllCompleted);
    assert_eq!((split.done.len(), split.not_done.len()), (2, 0));
    let empty: Vec<executor::Future<()>> = Vec::new();
    assert!(
        executor::wait(&empty, None, ReturnWhen::FirstCompleted)
            .done
            .is_empty()
    );
}

#[test]
fn as_completed_yields_in_completion_order() {
    let pool = pool(4, "as-completed");
    let gates: Vec<_> = (0..3).map(|_| Gate::new()).collect();
    let futures: Vec<_> = gates
        .iter()
        .enumerate()
        .map(|(n, gate)| {
            let gate = Arc::clone(&gate.0);
            pool.submit(move || {
                gate.wait();
                n
            })
            .unwrap()
        })
        .collect();
    let done_first = pool.submit(|| 99).unwrap();
    done_first.wait();
    let all: Vec<_> = futures.iter().chain([&done_first]).collect();
    let mut order = executor::as_completed(all, None);
    assert_eq!(
        order.next().unwrap().unwrap().get(),
        Ok(&99),
        "done ones come first"
    );
    // Release in reverse: they complete (and are yielded) 2, 1, 0.
    for n in (0..3).rev() {
        gates[n].set();
        assert_eq!(order.next().unwrap().unwrap().get(), Ok(&n));
    }
    assert!(order.next().is_none());
}

#[test]
fn as_completed_times_out() {
    let pool = pool(2, "as-completed-timeout");
    let gate = Gate::new();
    let stuck = {
        let gate = Arc::clone(&gate);
        pool.submit(move || {
            gate.wait();
            2
        })
        .unwrap()
    };
    let futures = vec![pool.submit(|| 1).unwrap(), stuck];
    futures[0].wait();
    let started = Instant::now();
    let results: Vec<_> =
        executor::as_completed(&futures, Some(Duration::from_millis(30))).collect();
    assert!(started.elapsed() >= Duration::from_millis(30));
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].as_ref().unwrap().get(), Ok(&1));
    let timeout = results[1].unwrap_err();
    assert_eq!((timeout.unfinished, timeout.total), (1, 2));
    assert_eq!(timeout.to_string(), "1 (of 2) futures unfinished");
    gate.set();
}

#[test]
fn map_keeps_order_and_is_lazy() {
    let pool = pool(4, "map");
    // Later items finish first; results still come in item order.
    let slow_first: Vec<u64> = pool
        .map(
            |n: u64| {
                let spin = Instant::now() + Duration::from_micros(200 * (8 - n));
                while Instant::now() < spin {
                    std::hint::spin_loop();
                }
                n * n
            },
            0..8,
        )
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(slow_first, [0, 1, 4, 9, 16, 25, 36, 49]);

    // Lazy: no more than `lookahead` items are submitted ahead of the consumer.
    let submitted = Arc::new(AtomicUsize::new(0));
    let items = {
        let submitted = Arc::clone(&submitted);
        (0..).inspect(move |_| {
            submitted.fetch_add(1, Ordering::SeqCst);
        })
    };
    let mut endless = pool.map(|n: u64| n + 1, items).lookahead(3);
    assert_eq!(endless.next(), Some(Ok(1)));
    assert_eq!(endless.next(), Some(Ok(2)));
    let ahead = submitted.load(Ordering::SeqCst);
    // The call itself submitted 2 × max_workers (8); after that, 3 ahead at most.
    assert!(ahead <= 8 + 1, "submitted {ahead} for 2 consumed");
    let consumed: Vec<_> = endless.by_ref().take(100).map(Result::unwrap).collect();
    assert_eq!(consumed, (3..103).collect::<Vec<_>>());
    assert!(submitted.load(Ordering::SeqCst) <= 102 + 3 + 1);
}

#[test]
fn map_stops_at_a_failure_or_a_timeout() {
    let pool = pool(2, "map-fail");
    let mut results = pool.map(
        |n: u32| {
            if n == 2 {
                panic!("executor-test: item two")
            }
            n
        },
        0..5,
    );
    assert_eq!(results.next(), Some(Ok(0)));
    assert_eq!(results.next(), Some(Ok(1)));
    match results.next() {
        Some(Err(MapError::Task(TaskError::Panicked(p)))) => {
            assert_eq!(p.message(), "executor-test: item two")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(results.next(), None, "the iteration ended");

    let gate = Gate::new();
    let timed: Vec<_> = {
        let gate = Arc::clone(&gate);
        pool.map_timeout(
            move |n: u32| {
                if n == 1 {
                    gate.wait();
                }
                n
            },
            0..4,
            // Item 1 never finishes before the gate opens: the timeout always comes;
            // item 0 has 2 s to finish before it.
            Duration::from_secs(2),
        )
        .collect()
    };
    assert_eq!(timed, [Ok(0), Err(MapError::TimedOut)]);
    gate.set();

    pool.shutdown(true, false);
    let refused: Vec<_> = pool.map(|n: u32| n, 0..3).collect();
    assert_eq!(refused, [Err(MapError::Shutdown)]);
}

#[test]
fn done_callbacks_run_once_and_their_panics_are_reported() {
    record_reports();
    let pool = pool(1, "callbacks");
    let calls = Arc::new(Mutex::new(Vec::new()));
    let gate = Gate::new();
    let future = {
        let gate = Arc::clone(&gate);
        pool.submit(move || {
            gate.wait();
            10
        })
        .unwrap()
    };
    for name in ["first", "second"] {
        let calls = Arc::clone(&calls);
        future.add_done_callback(move |f| {
            calls.lock().unwrap().push((
                name,
                *f.get().unwrap(),
                thread::current().name().to_owned(),
            ));
        });
    }
    future.add_done_callback(|_| panic!("executor-test: callback"));
    assert!(calls.lock().unwrap().is_empty());
    gate.set();
    assert_eq!(
        future.result(),
        Ok(10),
        "the value is still there after the callbacks"
    );
    let calls_now = calls.lock().unwrap().clone();
    assert_eq!(
        calls_now,
        [
            ("first", 10, "callbacks_0".to_owned()),
            ("second", 10, "callbacks_0".to_owned())
        ],
        "run in order, on the worker"
    );
    let reported = reports("executor-test: callback");
    assert_eq!(reported.len(), 1);
    assert_eq!(reported[0].source, PanicSource::DoneCallback);

    // Already done: runs at once, on the calling thread.
    let done = pool.submit(|| 1).unwrap();
    done.wait();
    let here = Arc::new(Mutex::new(String::new()));
    {
        let here = Arc::clone(&here);
        done.add_done_callback(move |_| {
            *here.lock().unwrap() = thread::current().name().to_owned()
        });
    }
    assert_eq!(*here.lock().unwrap(), thread::current().name());

    // Cancelling completes the future too.
    let gate = Gate::new();
    let _busy = pool.submit(gated(&gate)).unwrap();
    let doomed = pool.submit(|| ()).unwrap();
    let cancelled_seen = Arc::new(AtomicUsize::new(0));
    {
        let cancelled_seen = Arc::clone(&cancelled_seen);
        doomed.add_done_callback(move |f| {
            if f.cancelled() {
                cancelled_seen.fetch_add(1, Ordering::SeqCst);
            }
        });
    }
    assert!(doomed.cancel());
    assert_eq!(cancelled_seen.load(Ordering::SeqCst), 1);
    gate.set();
}

#[test]
fn the_initializer_runs_per_worker_and_a_panicking_one_breaks_the_pool() {
    let initialized = Arc::new(AtomicUsize::new(0));
    let pool = {
        let initialized = Arc::clone(&initialized);
        ThreadPoolExecutor::builder()
            .max_workers(2)
            .thread_name_prefix("init")
            .initializer(move || {
                initialized.fetch_add(1, Ordering::SeqCst);
            })
            .build()
            .unwrap()
    };
    let gate = Gate::new();
    let both: Vec<_> = (0..2).map(|_| pool.submit(gated(&gate)).unwrap()).collect();
    wait_until("both run", || both.iter().all(|f| f.running()));
    assert_eq!(initialized.load(Ordering::SeqCst), 2);
    gate.set();
    drop(pool);

    record_reports();
    let broken = ThreadPoolExecutor::builder()
        .max_workers(1)
        .thread_name_prefix("broken")
        .initializer(|| panic!("executor-test: no database"))
        .build()
        .unwrap();
    let first = broken.submit(|| 1).unwrap();
    match first.result() {
        Err(TaskError::BrokenPool(panicked)) => {
            assert_eq!(panicked.message(), "executor-test: no database")
        }
        other => panic!("{other:?}"),
    }
    assert!(broken.is_broken());
    assert!(matches!(broken.submit(|| 2), Err(SubmitError::Broken(_))));
    let reported = reports("executor-test: no database");
    assert_eq!(reported.len(), 1);
    assert_eq!(reported[0].source, PanicSource::Initializer);
}

#[test]
fn the_fake_database_race_is_fixed_by_a_lock() {
    // The classic: read a value, "work", write it back plus one, from 3 workers.
    struct FakeDatabase {
        value: Lock<u64>,
    }
    let database = Arc::new(FakeDatabase {
        value: Lock::new(0),
    });
    let pool = pool(3, "fake-db");
    let updates: Vec<_> = (0..3)
        .map(|_| {
            let database = Arc::clone(&database);
            pool.submit(move || {
                for _ in 0..1000 {
                    let mut value = database.value.acquire();
                    let local = *value;
                    std::hint::black_box(local);
                    *value = local + 1;
                }
            })
            .unwrap()
        })
        .collect();
    executor::wait(&updates, None, ReturnWhen::AllCompleted);
    assert_eq!(*database.value.acquire(), 3000);
}

#[test]
fn many_tasks_lose_no_result() {
    let count = if cfg!(miri) { 200 } else { 20_000 };
    let pool = pool(4, "many");
    let futures: Vec<_> = (0..count)
        .map(|n| pool.submit(move || n * 2).unwrap())
        .collect();
    let total: u64 = futures.into_iter().map(|f| f.result().unwrap()).sum();
    assert_eq!(total, (0..count).map(|n| n * 2).sum::<u64>());
}
