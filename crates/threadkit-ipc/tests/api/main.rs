//! Public API tests, one module per primitive, most of them across processes: the
//! other processes are `threadkit-ipc-test-helper` (tests/support/helper.rs),
//! driven line by line through pipes.

#![cfg(target_os = "linux")]

mod event;
mod lock;
mod names;
mod semaphore;
mod support;
