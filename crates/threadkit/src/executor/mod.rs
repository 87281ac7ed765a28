//! A thread pool whose futures never lose a panic: Python's
//! `concurrent.futures.ThreadPoolExecutor`, `Future`, `wait` and `as_completed`.
//!
//! * [`ThreadPoolExecutor`] ([`ExecutorBuilder`]: `max_workers`, `thread_name_prefix`,
//!   `initializer`) runs closures on worker threads started on demand;
//!   [`submit`](ThreadPoolExecutor::submit) returns a [`Future`];
//!   [`map`](ThreadPoolExecutor::map) yields results in order;
//!   [`shutdown`](ThreadPoolExecutor::shutdown) (or dropping the pool) stops it.
//! * [`Future`]: [`result`](Future::result), [`cancel`](Future::cancel),
//!   [`add_done_callback`](Future::add_done_callback), …
//! * [`wait`] (with [`ReturnWhen`]) and [`as_completed`] wait for several futures.
//!
//! A panicking task completes its future with [`TaskError::Panicked`] (message and
//! thread). **If that future is dropped without anyone having looked at the outcome,
//! the panic is reported** through the [excepthook](crate::thread::set_excepthook) —
//! the fix for Python's best-known complaint about its pool, which "will hide that
//! exception: the program terminates with no output".
//!
//! # Differences from Python's concurrent.futures
//!
//! Each type lists its own; in short: futures own their result (`result` consumes,
//! `get` borrows), timeouts hand the future back, submitting after shutdown hands the
//! closure back, `map` is lazy with a bounded look-ahead, and unobserved failures are
//! reported.
//!
//! # Examples
//!
//! ```
//! use threadkit::executor::{self, ThreadPoolExecutor};
//! use threadkit::Lock;
//! use std::sync::Arc;
//!
//! let total = Arc::new(Lock::new(0));
//! let pool = ThreadPoolExecutor::builder().max_workers(3).build().unwrap();
//! let futures: Vec<_> = (1..=10)
//!     .map(|n| {
//!         let total = Arc::clone(&total);
//!         pool.submit(move || *total.acquire() += n).unwrap()
//!     })
//!     .collect();
//! for done in executor::as_completed(&futures, None) {
//!     done.unwrap().get().unwrap();
//! }
//! assert_eq!(*total.acquire(), 55);
//! ```

mod error;
mod future;
mod map;
mod pool;
pub(crate) mod task;
mod wait;

pub use error::{BuildError, MapError, ResultTimeoutError, SubmitError, TaskError, TimeoutError};
pub use future::Future;
pub use map::Map;
pub use pool::{ExecutorBuilder, ThreadPoolExecutor};
pub use wait::{AsCompleted, DoneAndNotDone, ReturnWhen, as_completed, wait};
