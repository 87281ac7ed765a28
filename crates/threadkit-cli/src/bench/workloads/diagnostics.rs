//! Workloads of diagnostics: what switching deadlock detection on costs a lock, and
//! how long a thread dump of a thousand threads takes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use threadkit::diagnostics;
use threadkit::thread::{Builder, Thread};

use crate::bench::harness::{Role, Target, Workload};

/// The name of the detection-on rows.
pub const DETECTION_ON: &str = "threadkit (detection on)";

/// Runs `sampler` with diagnostics (deadlock detection) switched on for the sample.
///
/// Diagnostics are process-wide, so they are on only while this row's sample runs;
/// the rows measured in between run with them off, as they would in a program.
pub fn detection_on(mut sampler: impl FnMut(u64) -> Duration) -> impl FnMut(u64) -> Duration {
    move |iters| {
        diagnostics::enable();
        let took = sampler(iters);
        diagnostics::disable();
        took
    }
}

pub fn workloads() -> Vec<Workload> {
    vec![dump_of_threads(1000, "diagnostics/dump-1000-threads")]
}

/// Threads parked on an event until dropped, for the dump to describe.
struct ParkedThreads {
    release: Arc<threadkit::Event>,
    threads: Vec<Thread<()>>,
}

impl ParkedThreads {
    fn start(count: usize) -> Self {
        let release = Arc::new(threadkit::Event::named("bench release"));
        let parked = Arc::new(threadkit::Semaphore::new(0));
        let threads = (0..count)
            .map(|index| {
                let (release, parked) = (Arc::clone(&release), Arc::clone(&parked));
                Builder::new()
                    .name(format!("dumped {index}"))
                    .daemon(true)
                    .stack_size(64 * 1024)
                    .spawn(move || {
                        parked.release(1).expect("an unbounded semaphore");
                        release.wait();
                    })
                    .expect("spawn a thread for the dump")
            })
            .collect();
        // Every thread has started (its release comes right before its wait).
        for _ in 0..count {
            parked.acquire().forget();
        }
        Self { release, threads }
    }
}

impl Drop for ParkedThreads {
    fn drop(&mut self) {
        self.release.set();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

fn dump_of_threads(count: usize, name: &'static str) -> Workload {
    let mut parked: Option<ParkedThreads> = None;
    Workload::new(
        name,
        "ns/op",
        "diagnostics::dump() of every thread, rendered as text (1,000 threads waiting on an event)",
    )
    .target(Target::Absolute { max: 50e6 })
    .timed("threadkit", Role::Subject, move |iters| {
        // The threads start with the first sample and end with the workload.
        let threads = parked.get_or_insert_with(|| ParkedThreads::start(count));
        let started = Instant::now();
        let mut text = 0;
        for _ in 0..iters {
            text += diagnostics::dump().to_string().len();
        }
        let took = started.elapsed();
        assert!(text > 0 && !threads.threads.is_empty());
        took
    })
}
