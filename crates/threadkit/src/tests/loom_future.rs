//! The state machine of a pool task and its future: start vs cancel, completion vs
//! waiting, callbacks vs completion, and who reports an unobserved failure.

use std::sync::Arc;

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;

use crate::executor::task::{Job, Task};
use crate::executor::{Future, ReturnWhen, TaskError};
use crate::origin::Origin;

/// A task as the pool makes one: the owner's future and the queue's job.
fn task<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> (Future<T>, Arc<dyn Job>) {
    let task = Arc::new(Task::new(f, Origin::NONE));
    (Future::new(task.clone()), task)
}

/// A waiter blocked in `result` gets the value, whatever the interleaving.
#[test]
fn result_sees_the_value() {
    loom::model(|| {
        let (future, job) = task(|| 7);
        let worker = thread::spawn(move || job.run(&mut || {}));
        assert_eq!(future.result(), Ok(7));
        worker.join().unwrap();
    });
}

/// Cancel races the worker's start: exactly one wins, and the outcome agrees.
#[test]
fn cancel_races_start() {
    loom::model(|| {
        let ran = Arc::new(AtomicUsize::new(0));
        let (future, job) = {
            let ran = Arc::clone(&ran);
            task(move || ran.fetch_add(1, Ordering::SeqCst))
        };
        let worker = thread::spawn(move || job.run(&mut || {}));
        let cancelled = future.cancel();
        worker.join().unwrap();
        assert!(future.done());
        if cancelled {
            assert!(future.cancelled());
            assert_eq!(ran.load(Ordering::SeqCst), 0);
            assert_eq!(future.result(), Err(TaskError::Cancelled));
        } else {
            assert_eq!(ran.load(Ordering::SeqCst), 1);
            assert_eq!(future.result(), Ok(0));
        }
    });
}

/// A callback added while the task completes runs exactly once, and `result` still
/// gets the value (it waits for running callbacks).
#[test]
fn callback_added_during_completion_runs_once() {
    loom::model(|| {
        let calls = Arc::new(AtomicUsize::new(0));
        let (future, job) = task(|| 3);
        let worker = thread::spawn(move || job.run(&mut || {}));
        {
            let calls = Arc::clone(&calls);
            future.add_done_callback(move |f| {
                assert_eq!(f.get(), Ok(&3));
                calls.fetch_add(1, Ordering::SeqCst);
            });
        }
        assert_eq!(future.result(), Ok(3));
        worker.join().unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    });
}

/// A failed future dropped unseen is claimed for reporting (exactly one of the
/// completer and the dropper claims it); one that was looked at never is.
#[test]
fn unobserved_failure_is_claimed_once() {
    loom::model(|| {
        let (future, job) = task(|| ());
        let core_task = Arc::clone(&future.task);
        let error = TaskError::Cancelled;
        let worker = thread::spawn(move || job.fail_pending(&error));
        drop(future);
        worker.join().unwrap();
        assert!(core_task.core.was_reported());
    });
    loom::model(|| {
        let (future, job) = task(|| ());
        let core_task = Arc::clone(&future.task);
        let worker = thread::spawn(move || job.fail_pending(&TaskError::Cancelled));
        assert!(future.get().is_err());
        drop(future);
        worker.join().unwrap();
        assert!(!core_task.core.was_reported());
    });
}

/// `wait(FirstCompleted)` over two futures returns once one is done, never before.
#[test]
fn wait_first_completed() {
    loom::model(|| {
        let (first, first_job) = task(|| 1);
        let (second, second_job) = task(|| 2);
        let worker = thread::spawn(move || first_job.run(&mut || {}));
        let futures = [first, second];
        let split = crate::executor::wait(&futures, None, ReturnWhen::FirstCompleted);
        assert!(split.done.iter().any(|f| std::ptr::eq(*f, &futures[0])));
        assert!(split.done.iter().all(|f| f.done()));
        worker.join().unwrap();
        second_job.run(&mut || {});
    });
}
