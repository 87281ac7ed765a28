//! Compile-time checks: which types are Send and Sync, and that every error type is
//! a well-behaved error.

#![cfg(target_os = "linux")]

use std::error::Error;

use threadkit_ipc::baseline::PthreadMutex;
use threadkit_ipc::*;

fn send_sync<T: Send + Sync>() {}
fn sync<T: Sync>() {}
fn error<T: Error + Send + Sync + Clone + PartialEq + 'static>() {}

#[test]
fn handles_are_send_and_sync() {
    send_sync::<Lock<u64>>();
    send_sync::<Lock<()>>();
    send_sync::<Semaphore>();
    send_sync::<BoundedSemaphore>();
    send_sync::<Event>();
    send_sync::<PthreadMutex>();
    send_sync::<Options>();
}

#[test]
fn guards_are_sync() {
    sync::<LockGuard<'static, u64>>();
    sync::<SemaphorePermit<'static>>();
}

// That lock guards are not `Send` is checked by a `compile_fail` example in their docs.

#[test]
fn errors_are_send_sync_clone_and_lowercase() {
    error::<OpenError>();
    error::<NameError>();
    error::<AcquireError>();
    error::<ReleaseError>();
    for message in [
        AcquireError::WouldBlock.to_string(),
        AcquireError::Timeout.to_string(),
        AcquireError::Deadlock.to_string(),
        AcquireError::TooManyHolders { max: 1 }.to_string(),
        ReleaseError::NotOwner.to_string(),
        ReleaseError::NotLocked.to_string(),
        NameError::Empty.to_string(),
        OpenError::NotFound { name: "x".into() }.to_string(),
    ] {
        let first = message.chars().next().unwrap();
        assert!(!first.is_uppercase(), "{message}");
    }
}
