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
