//! loom models of every primitive's protocol (`RUSTFLAGS="--cfg loom" cargo test
//! --release -p threadkit --lib`; bound the search with `LOOM_MAX_PREEMPTIONS`).
//!
//! Under loom the parking table has one bucket (so every key shares its queue), spinning
//! is off, and a timed wait may give up at any point: the models cover timeouts racing
//! wake-ups without relying on real time.

mod loom_barrier;
mod loom_condition;
mod loom_event;
mod loom_future;
mod loom_lock;
mod loom_park;
mod loom_queue;
mod loom_rlock;
mod loom_segments;
mod loom_semaphore;
