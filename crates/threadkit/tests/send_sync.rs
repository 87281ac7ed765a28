//! Compile-time checks: which types are Send and Sync, and that every error type is
//! a well-behaved error.

use std::error::Error;

use threadkit::*;

fn send<T: Send>() {}
fn sync<T: Sync>() {}
fn send_sync<T: Send + Sync>() {}
fn error<T: Error + Send + Sync + Clone + PartialEq + 'static>() {}

#[test]
fn primitives_are_send_and_sync() {
    send_sync::<Lock<Vec<u8>>>();
    send_sync::<Lock<()>>();
    send_sync::<RawLock>();
    send_sync::<RLock<Vec<u8>>>();
    send_sync::<Condition>();
    send_sync::<Condition<Lock<()>>>();
    send_sync::<Semaphore>();
    send_sync::<BoundedSemaphore>();
    send_sync::<Event>();
    send_sync::<Barrier>();
    send::<BarrierBuilder>();
    send_sync::<Queue<Vec<u8>>>();
    send_sync::<LifoQueue<Vec<u8>>>();
    send_sync::<PriorityQueue<Vec<u8>>>();
    send_sync::<SimpleQueue<Vec<u8>>>();
}

#[test]
fn guards_are_sync_when_the_data_is() {
    sync::<LockGuard<'static, u8>>();
    sync::<RLockGuard<'static, u8>>();
    sync::<SemaphorePermit<'static>>();
    send::<SemaphorePermit<'static>>();
}

// That lock guards are not `Send` is checked by `compile_fail` examples in their docs.

#[test]
fn errors_are_send_sync_clone_and_lowercase() {
    error::<ReleaseError>();
    error::<NotOwnedError>();
    error::<BrokenBarrierError>();
    error::<ZeroPartiesError>();
    error::<queue::TryPutError<u8>>();
    error::<queue::PutError<u8>>();
    error::<queue::PutTimeoutError<u8>>();
    error::<queue::TryGetError>();
    error::<queue::GetError>();
    error::<queue::GetTimeoutError>();
    error::<queue::TaskDoneError>();
    error::<queue::JoinTimeoutError>();
    error::<queue::MaxsizeError>();
    for message in [
        ReleaseError::NotLocked.to_string(),
        ReleaseError::HeldByGuard.to_string(),
        ReleaseError::NotOwned.to_string(),
        ReleaseError::TooManyReleases.to_string(),
        ReleaseError::ZeroCount.to_string(),
        ReleaseError::Overflow.to_string(),
        NotOwnedError { operation: "wait" }.to_string(),
        BrokenBarrierError.to_string(),
        ZeroPartiesError.to_string(),
        queue::TryPutError::Full(()).to_string(),
        queue::GetError.to_string(),
        queue::GetTimeoutError::Timeout.to_string(),
        queue::TaskDoneError.to_string(),
        queue::JoinTimeoutError.to_string(),
        queue::MaxsizeError {
            requested: 2,
            capacity: 1,
        }
        .to_string(),
    ] {
        let first = message.chars().next().unwrap();
        assert!(first.is_lowercase(), "{message}");
        assert!(!message.ends_with('.'), "{message}");
    }
}

#[test]
fn threads_and_pool_are_send_and_sync() {
    use threadkit::executor::{Future, ThreadPoolExecutor};
    use threadkit::thread::{Local, Thread, ThreadRef, Timer};
    send_sync::<Thread<Vec<u8>>>();
    send_sync::<ThreadRef>();
    send_sync::<Timer>();
    send_sync::<Local<std::cell::Cell<u8>>>();
    send_sync::<ThreadPoolExecutor>();
    send_sync::<Future<Vec<u8>>>();
    // A future of a `Send`-only value can move, not be shared (`get` hands out `&T`).
    send::<Future<std::cell::Cell<u8>>>();
}

#[test]
fn thread_and_pool_errors_are_well_behaved() {
    use threadkit::executor::{BuildError, MapError, TaskError, ThreadPoolExecutor, TimeoutError};
    use threadkit::thread::{Panicked, SpawnError};
    fn boxed<E: Error + Send + Sync + 'static>(_: &E) {}
    error::<Panicked>();
    error::<SpawnError>();
    error::<TaskError>();
    error::<BuildError>();
    error::<MapError>();
    error::<TimeoutError>();
    // The generic ones hand a value back, so they are neither `Clone` nor `PartialEq`.
    let join: threadkit::thread::JoinError<u8> = threadkit::thread::spawn(|| -> u8 { panic!("x") })
        .unwrap()
        .join()
        .unwrap_err();
    boxed(&join);
    let submit = {
        let pool = ThreadPoolExecutor::new();
        pool.shutdown(true, false);
        pool.submit(|| 1).unwrap_err()
    };
    boxed(&submit);
    for message in [
        join.to_string(),
        submit.to_string(),
        TaskError::Cancelled.to_string(),
        BuildError::ZeroWorkers.to_string(),
        MapError::TimedOut.to_string(),
        MapError::Shutdown.to_string(),
        TimeoutError {
            unfinished: 1,
            total: 2,
        }
        .to_string(),
        SpawnError {
            kind: std::io::ErrorKind::Other,
            message: "no".into(),
        }
        .to_string(),
    ] {
        let first = message.chars().next().unwrap();
        assert!(!first.is_uppercase(), "{message}");
        assert!(!message.ends_with('.'), "{message}");
    }
}
