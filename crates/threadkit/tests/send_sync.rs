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
    ] {
        let first = message.chars().next().unwrap();
        assert!(first.is_lowercase(), "{message}");
        assert!(!message.ends_with('.'), "{message}");
    }
}
