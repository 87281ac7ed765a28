//! Timing shapes shared by the workloads: a loop on one thread, N threads sharing the
//! iterations, and two threads passing a turn back and forth.

use std::sync::Barrier;
use std::time::{Duration, Instant};

/// Times `iters` calls of `op` on this thread.
#[inline]
pub fn single(iters: u64, mut op: impl FnMut()) -> Duration {
    let started = Instant::now();
    for _ in 0..iters {
        op();
    }
    started.elapsed()
}

/// Times `threads` threads that together make `iters` calls of `op(thread_index)`,
/// from the moment all are ready until the last one finishes.
pub fn parallel(threads: usize, iters: u64, op: impl Fn(usize) + Sync) -> Duration {
    let per_thread = iters.div_ceil(threads as u64);
    let start = Barrier::new(threads + 1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|index| {
                let (start, op) = (&start, &op);
                scope.spawn(move || {
                    start.wait();
                    for _ in 0..per_thread {
                        op(index);
                    }
                })
            })
            .collect();
        start.wait();
        let started = Instant::now();
        for handle in handles {
            handle.join().expect("benchmark thread panicked");
        }
        started.elapsed()
    })
}

/// Times `threads` threads each running `work(thread_index)` once, from the moment all
/// are ready until the last one finishes.
pub fn each(threads: usize, work: impl Fn(usize) + Sync) -> Duration {
    let start = Barrier::new(threads + 1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|index| {
                let (start, work) = (&start, &work);
                scope.spawn(move || {
                    start.wait();
                    work(index);
                })
            })
            .collect();
        start.wait();
        let started = Instant::now();
        for handle in handles {
            handle.join().expect("benchmark thread panicked");
        }
        started.elapsed()
    })
}

/// Times `iters` round trips between two threads: thread 0 runs `ping` and thread 1
/// runs `pong`, each `iters` times.
pub fn pingpong(iters: u64, ping: impl Fn() + Sync, pong: impl Fn() + Sync) -> Duration {
    let start = Barrier::new(3);
    std::thread::scope(|scope| {
        let a = scope.spawn(|| {
            start.wait();
            for _ in 0..iters {
                ping();
            }
        });
        let b = scope.spawn(|| {
            start.wait();
            for _ in 0..iters {
                pong();
            }
        });
        start.wait();
        let started = Instant::now();
        a.join().expect("ping thread panicked");
        b.join().expect("pong thread panicked");
        started.elapsed()
    })
}
