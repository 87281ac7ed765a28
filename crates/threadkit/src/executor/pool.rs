//! [`ThreadPoolExecutor`]: Python's `concurrent.futures.ThreadPoolExecutor`.

use std::fmt;
use std::panic::{AssertUnwindSafe, Location};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::error::{BuildError, SubmitError, TaskError};
use super::future::Future;
use super::map::Map;
use super::task::{Job, Task};
use crate::diagnostics::{self, Blocking, Object, PrimitiveKind};
use crate::internal_lock::InternalLock;
use crate::origin::Origin;
use crate::park::{self, Spin, TOKEN_NORMAL};
use crate::primitive::{AtomicUsize, Ordering};
use crate::queue::segments::Segments;
use crate::thread::{self, Builder, PanicSource, Panicked, Thread};

/// A pool of worker threads that run submitted closures and hand back [`Future`]s:
/// Python's `concurrent.futures.ThreadPoolExecutor`.
///
/// Workers start on demand, up to [`max_workers`](ExecutorBuilder::max_workers)
/// (by default `min(32, CPUs + 4)`, as in Python): a submission wakes an idle worker
/// if there is one (the one that went idle last, whose cache is warm), and starts a
/// new worker only if none is idle. Tasks start in submission order.
///
/// Dropping the pool waits for every submitted task, like leaving Python's `with`
/// block ([`shutdown`](Self::shutdown)`(true, false)`).
///
/// A task that panics completes its future with [`TaskError::Panicked`] (the worker
/// survives); if nobody looks at that future's outcome before dropping it, the panic
/// is reported to the [excepthook](crate::thread::set_excepthook) — see [`Future`].
///
/// # Differences from Python's concurrent.futures
///
/// * Submitting after shutdown is an error that hands the closure back
///   ([`SubmitError`]), never a panic.
/// * [`map`](Self::map) submits lazily, a bounded number of items ahead of the
///   consumer (Python 3.14's `buffersize`), so an endless iterator is fine.
/// * Workers are daemon threads (see [`crate::thread::join_non_daemon`]); the pool
///   itself waits for them when dropped.
///
/// # Memory ordering
///
/// A `submit` happens-before its task runs; the task happens-before its future
/// reports it done.
///
/// # Examples
///
/// ```
/// use threadkit::executor::ThreadPoolExecutor;
///
/// let pool = ThreadPoolExecutor::builder()
///     .max_workers(3)
///     .thread_name_prefix("fetch")
///     .build()
///     .unwrap();
/// let pages: Vec<_> = ["a", "bb", "ccc"]
///     .into_iter()
///     .map(|url| pool.submit(move || url.len()).unwrap())
///     .collect();
/// let sizes: Vec<usize> = pages.into_iter().map(|f| f.result().unwrap()).collect();
/// assert_eq!(sizes, [1, 2, 3]);
///
/// let squares: Vec<u64> = pool.map(|n: u64| n * n, 1..=4).map(Result::unwrap).collect();
/// assert_eq!(squares, [1, 4, 9, 16]);
///
/// pool.shutdown(true, false);
/// assert!(pool.submit(|| ()).is_err()); // after shutdown: an error, not a panic
/// ```
pub struct ThreadPoolExecutor {
    pool: Arc<Pool>,
}

/// Configures a [`ThreadPoolExecutor`].
#[must_use = "a builder does nothing until `build` is called"]
#[derive(Default)]
pub struct ExecutorBuilder {
    max_workers: Option<usize>,
    thread_name_prefix: Option<String>,
    initializer: Option<Arc<dyn Fn() + Send + Sync>>,
}

impl ExecutorBuilder {
    /// The most workers the pool starts (default: `min(32, CPUs + 4)`).
    pub fn max_workers(mut self, workers: usize) -> Self {
        self.max_workers = Some(workers);
        self
    }

    /// Worker threads are named `<prefix>_<n>` (default prefix:
    /// `ThreadPoolExecutor-<pool number>`).
    pub fn thread_name_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.thread_name_prefix = Some(prefix.into());
        self
    }

    /// A function each worker runs when it starts, before any task. If it panics, the
    /// pool is broken (Python: `BrokenThreadPool`): pending tasks fail with
    /// [`TaskError::BrokenPool`], and later submissions with [`SubmitError::Broken`].
    pub fn initializer(mut self, initializer: impl Fn() + Send + Sync + 'static) -> Self {
        self.initializer = Some(Arc::new(initializer));
        self
    }

    /// Builds the pool. No worker starts until the first submission.
    ///
    /// # Errors
    ///
    /// [`BuildError::ZeroWorkers`] for `max_workers(0)`.
    #[track_caller]
    pub fn build(self) -> Result<ThreadPoolExecutor, BuildError> {
        static POOLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let max_workers = match self.max_workers {
            Some(0) => return Err(BuildError::ZeroWorkers),
            Some(workers) => workers,
            None => default_max_workers(),
        };
        let prefix = self.thread_name_prefix.unwrap_or_else(|| {
            let number = POOLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            format!("ThreadPoolExecutor-{number}")
        });
        let origin = Origin::site(Location::caller());
        Ok(ThreadPoolExecutor {
            pool: Arc::new(Pool {
                queue: Segments::new(),
                closed: AtomicUsize::new(OPEN),
                idle: InternalLock::new(Vec::new(), PrimitiveKind::ThreadPoolExecutor, origin),
                workers_state: AtomicUsize::new(0),
                max_searching: (std::thread::available_parallelism().map_or(1, usize::from) / 2)
                    .max(1),
                started: AtomicUsize::new(0),
                spawning: AtomicUsize::new(0),
                workers: InternalLock::new(Vec::new(), PrimitiveKind::ThreadPoolExecutor, origin),
                max_workers,
                prefix,
                initializer: self.initializer,
                origin,
            }),
        })
    }
}

impl fmt::Debug for ExecutorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecutorBuilder")
            .field("max_workers", &self.max_workers)
            .field("thread_name_prefix", &self.thread_name_prefix)
            .field("initializer", &self.initializer.is_some())
            .finish()
    }
}

/// Jobs in a row that make a stream (see `work`).
const STREAM: u32 = 16;
/// How often a worker that caught up with a stream yields before looking again.
const STAND_BACK_YIELDS: u32 = 2;

/// How long a worker with nothing to do watches the queue before it goes idle.
const SEARCH_FOR: Duration = Duration::from_micros(50);
/// How long it spins before yielding between looks (if the thread it waits for
/// shares its CPU, only a yield lets that thread run).
const SEARCH_BEFORE_YIELDING: Duration = Duration::from_micros(1);

/// Python's default: `min(32, os.cpu_count() + 4)`.
fn default_max_workers() -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    (cpus + 4).min(32)
}

/// One idle worker, in `Pool::workers_state`.
const ONE_IDLE: usize = 1 << IDLE_SHIFT;
const IDLE_SHIFT: u32 = usize::BITS / 2;
/// The searching workers, in `Pool::workers_state`.
const SEARCHING: usize = ONE_IDLE - 1;

// Values of `Pool::closed`.
/// Taking tasks.
const OPEN: usize = 0;
/// Shut down.
const SHUTDOWN: usize = 1;
/// Broken: the initializer panicked.
const BROKEN: usize = 2;

/// What a submission must do after queueing its job.
enum Then {
    Nothing,
    WakeIdle,
    Spawn(usize),
}

/// A worker's wake-up word while it is idle.
struct Idle {
    // 0 while waiting; 1 once a submitter (or shutdown) took it off the idle stack to
    // wake it.
    notified: AtomicUsize,
}

/// What a pool's handle and its workers share.
pub(crate) struct Pool {
    /// The jobs, oldest first; closed when the pool is.
    queue: Segments<Arc<dyn Job>>,
    /// OPEN, SHUTDOWN or BROKEN: why the queue was closed (set before closing it).
    closed: AtomicUsize,
    /// Idle workers, the most recently idle last.
    idle: InternalLock<Vec<Arc<Idle>>>,
    // idle << IDLE_SHIFT | searching: how many workers are idle (the length of
    // `idle`; see `idle_wait`) and how many watch the queue before going idle (see
    // `try_search`). One word, so that a submission reads both with one load. SeqCst,
    // with the queue's tail: a Dekker pair either way.
    workers_state: AtomicUsize,
    /// At most this many workers search at once.
    max_searching: usize,
    /// Workers started (or being started).
    started: AtomicUsize,
    /// Workers being started whose handle is not in `workers` yet.
    spawning: AtomicUsize,
    workers: InternalLock<Vec<Thread<()>>>,
    max_workers: usize,
    prefix: String,
    initializer: Option<Arc<dyn Fn() + Send + Sync>>,
    origin: Origin,
}

impl ThreadPoolExecutor {
    /// A pool with the defaults (Python: `ThreadPoolExecutor()`).
    #[track_caller]
    #[must_use]
    pub fn new() -> Self {
        match ExecutorBuilder::default().build() {
            Ok(pool) => pool,
            // The default has at least one worker.
            Err(BuildError::ZeroWorkers) => unreachable!("default max_workers is positive"),
        }
    }

    /// A builder for a pool with options.
    pub fn builder() -> ExecutorBuilder {
        ExecutorBuilder::default()
    }

    /// Schedules `f` to run on a worker and returns its [`Future`].
    ///
    /// # Errors
    ///
    /// [`SubmitError::Shutdown`] after [`shutdown`](Self::shutdown), and
    /// [`SubmitError::Broken`] if the initializer panicked; both hand `f` back.
    #[track_caller]
    pub fn submit<F, T>(&self, f: F) -> Result<Future<T>, SubmitError<F>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.submit_at(f, Origin::site(Location::caller()))
    }

    /// `submit`, with the origin given.
    pub(crate) fn submit_at<F, T>(&self, f: F, origin: Origin) -> Result<Future<T>, SubmitError<F>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let task = Arc::new(Task::new(f, origin));
        let job: Arc<dyn Job> = Arc::clone(&task) as Arc<dyn Job>;
        match self.pool.push(job) {
            Ok(()) => Ok(Future::new(task)),
            Err((job, closed)) => {
                drop(job);
                let f = Arc::into_inner(task)
                    .and_then(Task::into_closure)
                    .unwrap_or_else(|| unreachable!("a refused task is not shared"));
                Err(if closed == BROKEN {
                    SubmitError::Broken(f)
                } else {
                    SubmitError::Shutdown(f)
                })
            }
        }
    }

    /// Runs `f` on every item, on the pool, and yields the results in the items'
    /// order (Python: `Executor.map`).
    ///
    /// Items are submitted lazily: 2 × `max_workers` at this call, then, as results are
    /// consumed, up to 1024 ahead of the consumer by default (see [`Map::lookahead`]). An item whose task panicked yields
    /// [`MapError::Task`](super::MapError::Task), and the iterator then ends,
    /// cancelling the tasks not yet started; so does dropping the iterator early.
    #[track_caller]
    pub fn map<I, F, T>(&self, f: F, items: I) -> Map<'_, I::IntoIter, F, T>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
        T: Send + 'static,
    {
        Map::new(
            self,
            f,
            items.into_iter(),
            None,
            Origin::site(Location::caller()),
        )
    }

    /// Like [`map`](Self::map), but an item whose result is not ready `timeout` after
    /// this call yields [`MapError::TimedOut`](super::MapError::TimedOut) (Python:
    /// `map(…, timeout=…)`), and the iterator ends.
    #[track_caller]
    pub fn map_timeout<I, F, T>(
        &self,
        f: F,
        items: I,
        timeout: Duration,
    ) -> Map<'_, I::IntoIter, F, T>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
        T: Send + 'static,
    {
        let deadline = crate::time::deadline_after(timeout);
        Map::new(
            self,
            f,
            items.into_iter(),
            deadline,
            Origin::site(Location::caller()),
        )
    }

    /// Stops taking tasks (Python: `Executor.shutdown`). With `cancel_futures`, the
    /// tasks not yet started are cancelled (running ones finish); with `wait`, returns
    /// once every worker has finished (the tasks left in the queue run first).
    ///
    /// Calling it again is harmless. Called from a worker with `wait`, it waits for
    /// the other workers only.
    pub fn shutdown(&self, wait: bool, cancel_futures: bool) {
        self.pool.close(SHUTDOWN);
        if cancel_futures {
            while let Some(job) = self.pool.queue.pop() {
                job.cancel_pending();
            }
        }
        self.pool.wake_all_idle();
        if wait {
            self.pool.join_workers();
        }
    }

    /// The most workers this pool starts.
    pub fn max_workers(&self) -> usize {
        self.pool.max_workers
    }

    /// How many workers have been started so far.
    pub fn worker_count(&self) -> usize {
        self.pool.started.load(Ordering::Relaxed)
    }

    /// Whether the pool was shut down (or broke).
    pub fn is_shutdown(&self) -> bool {
        self.pool.queue.is_closed()
    }

    /// Whether the pool is broken (its initializer panicked).
    pub fn is_broken(&self) -> bool {
        self.pool.closed.load(Ordering::SeqCst) == BROKEN
    }
}

impl Default for ThreadPoolExecutor {
    #[track_caller]
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for ThreadPoolExecutor {
    fn drop(&mut self) {
        self.shutdown(true, false);
    }
}

impl fmt::Debug for ThreadPoolExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPoolExecutor")
            .field("prefix", &self.pool.prefix)
            .field("max_workers", &self.pool.max_workers)
            .field("workers", &self.worker_count())
            .field("shutdown", &self.is_shutdown())
            .finish()
    }
}

impl Pool {
    /// Queues `job` and wakes or starts a worker for it; hands it back (with why) if
    /// the pool is closed.
    fn push(self: &Arc<Self>, job: Arc<dyn Job>) -> Result<(), (Arc<dyn Job>, usize)> {
        if let Err(job) = self.queue.push(job) {
            return Err((job, self.closed.load(Ordering::SeqCst)));
        }
        // The push made the tail move (SeqCst); now look for a worker to take the job.
        let workers = self.workers_state.load(Ordering::SeqCst);
        let then = if workers & SEARCHING > 0 {
            // A searching worker will find it: nobody to wake here. If it finds more
            // than one job, it gets another worker going (see `work`), so the
            // submitting thread never pays for that.
            Then::Nothing
        } else if workers >= ONE_IDLE {
            Then::WakeIdle
        } else {
            self.claim_new_worker().map_or(Then::Nothing, Then::Spawn)
        };
        match then {
            Then::Nothing => {}
            Then::WakeIdle => self.wake_idle(),
            Then::Spawn(number) => {
                self.spawn_worker(number);
            }
        }
        Ok(())
    }

    /// Wakes an idle worker for the jobs queued, or starts one if none is idle.
    #[cold]
    fn ramp_up(self: &Arc<Self>) {
        if self.workers_state.load(Ordering::SeqCst) >= ONE_IDLE {
            self.wake_idle();
        } else if let Some(number) = self.claim_new_worker() {
            self.spawn_worker(number);
        }
    }

    /// Counts a new worker if there is room for one; returns its number.
    fn claim_new_worker(&self) -> Option<usize> {
        let mut started = self.started.load(Ordering::Relaxed);
        loop {
            if started >= self.max_workers {
                return None;
            }
            match self.started.compare_exchange_weak(
                started,
                started + 1,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    self.spawning.fetch_add(1, Ordering::SeqCst);
                    return Some(started);
                }
                Err(actual) => started = actual,
            }
        }
    }

    /// Closes the pool for `reason` (the first reason stays).
    fn close(&self, reason: usize) {
        let _ = self
            .closed
            .compare_exchange(OPEN, reason, Ordering::SeqCst, Ordering::SeqCst);
        self.queue.close();
    }

    /// Wakes the worker that went idle last, if any is still idle.
    fn wake_idle(&self) {
        let idle = {
            let mut stack = self.idle.lock();
            let idle = stack.pop();
            if idle.is_some() {
                self.workers_state.fetch_sub(ONE_IDLE, Ordering::SeqCst);
            }
            idle
        };
        if let Some(idle) = idle {
            wake(&idle);
        }
    }

    fn wake_all_idle(&self) {
        let all = {
            let mut stack = self.idle.lock();
            self.workers_state
                .fetch_sub(stack.len() * ONE_IDLE, Ordering::SeqCst);
            std::mem::take(&mut *stack)
        };
        for idle in &all {
            wake(idle);
        }
    }

    /// Starts worker number `number` (counted in `started` and `spawning` already).
    fn spawn_worker(self: &Arc<Self>, number: usize) -> bool {
        let pool = Arc::clone(self);
        let spawned = Builder::new()
            .name(format!("{}_{number}", self.prefix))
            .daemon(true)
            .spawn(move || pool.work());
        let started = match spawned {
            Ok(handle) => {
                self.workers.lock().push(handle);
                true
            }
            Err(_) => {
                // Leave the job queued: the next submission tries again (as Python,
                // which raises from `submit` here, would on the next call).
                self.started.fetch_sub(1, Ordering::Relaxed);
                false
            }
        };
        self.spawning.fetch_sub(1, Ordering::SeqCst);
        started
    }

    /// Waits for every worker (but the calling one) to finish, after the pool closed.
    fn join_workers(self: &Arc<Self>) {
        let me = thread::get_ident();
        loop {
            let handles = std::mem::take(&mut *self.workers.lock());
            let joined = !handles.is_empty();
            for handle in handles {
                if handle.ident() != me {
                    // Tasks catch their panics: a worker always returns.
                    let _ = handle.join();
                }
            }
            // A submission accepted just before the pool closed may still be starting
            // a worker for its job: wait until its job is taken and its worker is in
            // the list (it takes a thread start).
            if joined {
                continue;
            }
            if self.spawning.load(Ordering::SeqCst) == 0 {
                if self.queue.is_empty() {
                    return;
                }
                // Jobs left and no worker to run them (the OS refused to start one when
                // they were submitted): start one now.
                if self.workers.lock().is_empty()
                    && let Some(number) = self.claim_new_worker()
                {
                    if !self.spawn_worker(number) {
                        // No thread can be started: these jobs will never run.
                        while let Some(job) = self.queue.pop() {
                            job.cancel_pending();
                        }
                    }
                    continue;
                }
            }
            std::thread::yield_now();
        }
    }

    /// A worker's life.
    fn work(self: Arc<Self>) {
        if let Some(initializer) = &self.initializer
            && let Err(payload) = std::panic::catch_unwind(AssertUnwindSafe(|| initializer()))
        {
            let panicked = Panicked::caught(&*payload);
            thread::report(&panicked, PanicSource::Initializer);
            self.break_pool(panicked);
            return;
        }
        let idle = Arc::new(Idle {
            notified: AtomicUsize::new(0),
        });
        // Whether this worker holds one of the searching slots (see `try_search`).
        let mut searching = false;
        // Jobs taken in a row without finding the queue empty.
        let mut streak = 0u32;
        loop {
            if let Some(job) = self.queue.pop() {
                streak = streak.saturating_add(1);
                if searching {
                    self.stop_searching();
                    searching = false;
                }
                // Jobs left behind with nobody searching: get another worker going,
                // an idle one or a new one (this is how the pool ramps up when
                // submissions come faster than one worker takes them).
                if self.workers_state.load(Ordering::Relaxed) & SEARCHING == 0
                    && !self.queue.is_empty()
                {
                    self.ramp_up();
                }
                // Start searching just before the task is reported done: whoever
                // waited for it may submit the next one at once, and will then see a
                // searching worker (us) instead of waking a sleeping one.
                job.run(&mut || searching = self.queue.is_empty() && self.try_search());
                continue;
            }
            if self.queue.is_closed() {
                if searching {
                    self.stop_searching();
                    searching = false;
                }
                // Closed and empty (pushes fail once closed): nothing more will come.
                if self.queue.is_empty() {
                    return;
                }
                continue;
            }
            if !searching {
                searching = self.try_search();
            }
            if std::mem::take(&mut streak) >= STREAM {
                // A stream of tasks, and we caught up with its producer: stand back a
                // moment, so as not to work in the cache lines it is writing.
                for _ in 0..STAND_BACK_YIELDS {
                    std::thread::yield_now();
                }
                if !self.queue.is_empty() {
                    continue;
                }
            }
            if searching {
                if self.watch_queue() {
                    continue;
                }
                self.stop_searching();
                searching = false;
                // A submission queues its job, then reads the searching count (and
                // wakes nobody if it saw us); we lowered it, now read the tail (all
                // SeqCst): one of us sees the other.
                if !self.queue.is_empty() || self.queue.is_closed() {
                    continue;
                }
            }
            self.idle_wait(&idle);
        }
    }

    /// Takes a searching slot if one is free: while a worker searches, submissions wake
    /// nobody, so a job submitted right after the previous one finished (a
    /// request/response loop, a stream of short tasks) is picked up without a sleep,
    /// a wake-up system call or a new thread.
    fn try_search(&self) -> bool {
        let mut workers = self.workers_state.load(Ordering::Relaxed);
        loop {
            if workers & SEARCHING >= self.max_searching {
                return false;
            }
            match self.workers_state.compare_exchange_weak(
                workers,
                workers + 1,
                Ordering::SeqCst,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(actual) => workers = actual,
            }
        }
    }

    fn stop_searching(&self) {
        self.workers_state.fetch_sub(1, Ordering::SeqCst);
    }

    /// Watches the queue for a short while; true if work (or shutdown) came.
    fn watch_queue(&self) -> bool {
        let started = Instant::now();
        loop {
            // Look now and then: every look pulls the queue's tail into this CPU's
            // cache, which the submitting thread then has to take back.
            for _ in 0..8 {
                if !self.queue.is_empty() || self.queue.is_closed() {
                    return true;
                }
                for _ in 0..16 {
                    std::hint::spin_loop();
                }
            }
            let spent = started.elapsed();
            if spent >= SEARCH_FOR {
                return false;
            }
            if spent >= SEARCH_BEFORE_YIELDING {
                std::thread::yield_now();
            }
        }
    }

    /// The initializer panicked: close the pool and fail what is queued.
    fn break_pool(&self, panicked: Panicked) {
        let error = TaskError::BrokenPool(panicked);
        self.close(BROKEN);
        while let Some(job) = self.queue.pop() {
            job.fail_pending(&error);
        }
        self.wake_all_idle();
    }

    /// Waits as an idle worker until a submission (or shutdown) wakes it.
    fn idle_wait(&self, idle: &Arc<Idle>) {
        idle.notified.store(0, Ordering::Relaxed);
        {
            let mut stack = self.idle.lock();
            stack.push(Arc::clone(idle));
            self.workers_state.fetch_add(ONE_IDLE, Ordering::SeqCst);
        }
        // A submission queues its job (moving the tail), then reads the idle count;
        // we raised it, now read the tail (all SeqCst): one of us sees the other, so
        // a job cannot be left queued with every worker asleep.
        if (!self.queue.is_empty() || self.queue.is_closed()) && self.leave_idle(idle) {
            return;
        }
        let _scope = diagnostics::block(|| self.object(), Blocking::Signal, None);
        // No spinning here: the searching worker (if any) is the one that spins.
        park::park(
            idle_key(idle),
            || idle.notified.load(Ordering::Relaxed) == 0,
            || true,
            |_| {},
            None,
            Spin::Never,
        );
    }

    /// Takes `idle` off the idle stack; false if a waker took it first (and is
    /// waking it).
    fn leave_idle(&self, idle: &Arc<Idle>) -> bool {
        let mut stack = self.idle.lock();
        match stack.iter().rposition(|other| Arc::ptr_eq(other, idle)) {
            Some(position) => {
                stack.remove(position);
                self.workers_state.fetch_sub(ONE_IDLE, Ordering::SeqCst);
                true
            }
            None => false,
        }
    }

    fn object(&self) -> Object {
        Object {
            kind: PrimitiveKind::ThreadPoolExecutor,
            key: std::ptr::from_ref(self).addr(),
            origin: self.origin,
        }
    }
}

fn idle_key(idle: &Idle) -> usize {
    std::ptr::from_ref(idle).addr()
}

/// Wakes an idle worker taken off the idle stack.
fn wake(idle: &Idle) {
    idle.notified.store(1, Ordering::Release);
    park::unpark_one(idle_key(idle), |_| TOKEN_NORMAL);
}
