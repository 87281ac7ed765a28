//! Public API tests, one module per primitive, including every error path.

mod barrier;
mod condition;
mod diagnostics;
mod event;
mod executor;
mod lock;
mod queue;
mod raw_lock;
mod rlock;
mod semaphore;
mod support;
mod thread;
