//! Queues: Python's `queue` module — [`Queue`], [`LifoQueue`], [`PriorityQueue`],
//! [`SimpleQueue`] — with `task_done`/`join`, Python 3.13's `shutdown`, and the
//! guarantee that a value that could not be enqueued is handed back, never lost.
//!
//! ```text
//! storage      FIFO bounded: array ring (ring.rs)      lock-free
//!              FIFO unbounded: block list (segments.rs) lock-free
//! blocking     core.rs: lock-free storage, parking on the queue, task
//!              tracking, shutdown
//!              locked_core.rs: storage hooks (hooks.rs: LIFO, priority, or
//!              yours) under a lock with condition-variable waiting (Python's
//!              design); custom.rs: the queue over your own hooks
//! fronts       fifo.rs, lifo.rs, priority.rs, simple.rs (the API: api.rs)
//! ```

mod api;
mod core;
mod custom;
mod error;
mod fifo;
mod hooks;
mod lifo;
mod locked_core;
mod priority;
mod ring;
pub(crate) mod segments;
mod simple;
mod storage;

pub use api::Iter;
pub use custom::{CustomGetError, CustomPutError, CustomQueue};
pub use error::{
    GetError, GetTimeoutError, JoinTimeoutError, MaxsizeError, PutError, PutTimeoutError,
    TaskDoneError, TryGetError, TryPutError,
};
pub use fifo::Queue;
pub use hooks::QueueHooks;
pub use lifo::LifoQueue;
pub use priority::PriorityQueue;
pub use simple::SimpleQueue;
