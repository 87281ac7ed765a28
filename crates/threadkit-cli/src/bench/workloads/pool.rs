//! Workloads of the thread pool and of threads: many trivial tasks, one task at a
//! time, `map`, and spawning a thread.
//!
//! Peers: rayon (a scope spawning the tasks; `rayon::spawn` with a channel for the
//! result), the threadpool crate (with a channel), and `std::thread`. Pools are made
//! once per workload, outside the timed region, and warmed up by calibration.

use std::hint::black_box;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::bench::harness::{Role, Target, Workload};
use crate::bench::run;

/// Tasks per batch in `pool/200k-trivial`: each batch submits this many and waits for all.
const BATCH: u64 = 200_000;

pub fn workloads() -> Vec<Workload> {
    vec![trivial(), roundtrip(), map(), spawn_join()]
}

/// Runs `iters` tasks in batches of at most [`BATCH`]: `batch(n)` submits `n` tasks
/// and waits for them all.
fn batched(iters: u64, mut batch: impl FnMut(u64)) -> Duration {
    let started = Instant::now();
    let mut left = iters;
    while left > 0 {
        let n = left.min(BATCH);
        batch(n);
        left -= n;
    }
    started.elapsed()
}

/// The same sampler for threadkit and its hooks-compiled-out build.
macro_rules! threadkit_samplers {
    ($krate:ident, $trivial:ident, $roundtrip:ident, $map:ident, $spawn_join:ident) => {
        fn $trivial() -> impl FnMut(u64) -> Duration {
            let pool = $krate::executor::ThreadPoolExecutor::new();
            move |iters| {
                batched(iters, |n| {
                    let futures: Vec<_> = (0..n)
                        .map(|i| pool.submit(move || black_box(i)).expect("pool is open"))
                        .collect();
                    let mut sum = 0;
                    for future in futures {
                        sum += future.result().expect("trivial task");
                    }
                    black_box(sum);
                })
            }
        }

        fn $roundtrip() -> impl FnMut(u64) -> Duration {
            let pool = $krate::executor::ThreadPoolExecutor::new();
            move |iters| {
                run::single(iters, || {
                    let future = pool.submit(|| black_box(1u64)).expect("pool is open");
                    black_box(future.result().expect("trivial task"));
                })
            }
        }

        fn $map() -> impl FnMut(u64) -> Duration {
            let pool = $krate::executor::ThreadPoolExecutor::new();
            move |iters| {
                batched(iters, |n| {
                    let sum: u64 = pool
                        .map(|i: u64| black_box(i) * 2, 0..n)
                        .map(|r| r.expect("map item"))
                        .sum();
                    black_box(sum);
                })
            }
        }

        fn $spawn_join() -> impl FnMut(u64) -> Duration {
            move |iters| {
                run::single(iters, || {
                    let thread = $krate::thread::spawn(|| black_box(1u64)).expect("spawn");
                    black_box(thread.join().expect("join"));
                })
            }
        }
    };
}

threadkit_samplers!(threadkit, tk_trivial, tk_roundtrip, tk_map, tk_spawn_join);
threadkit_samplers!(
    threadkit_nohooks,
    nohooks_trivial,
    nohooks_roundtrip,
    nohooks_map,
    nohooks_spawn_join
);

/// A threadpool-crate pool made on first use (it starts its threads at once).
fn lazy_threadpool() -> impl FnMut() -> threadpool::ThreadPool {
    let mut pool: Option<threadpool::ThreadPool> = None;
    move || {
        pool.get_or_insert_with(|| {
            let workers = std::thread::available_parallelism().map_or(1, usize::from);
            threadpool::ThreadPool::new(workers)
        })
        .clone()
    }
}

fn trivial() -> Workload {
    let mut threadpool = lazy_threadpool();
    Workload::new(
        "pool/200k-trivial",
        "ns/task",
        "submit 200 000 trivial tasks, then wait for every result",
    )
    .target(Target::Ratio {
        peer: Some("rayon scope+spawn"),
        max: 1.0,
    })
    .timed("threadkit", Role::Subject, tk_trivial())
    .timed(
        "threadkit (hooks compiled out)",
        Role::HooksOff,
        nohooks_trivial(),
    )
    .timed("rayon scope+spawn", Role::Peer, |iters| {
        batched(iters, |n| {
            rayon::scope(|scope| {
                for i in 0..n {
                    scope.spawn(move |_| {
                        black_box(i);
                    });
                }
            });
        })
    })
    .timed("threadpool+channel", Role::Peer, move |iters| {
        let pool = threadpool();
        batched(iters, |n| {
            let (send, receive) = mpsc::channel();
            for i in 0..n {
                let send = send.clone();
                pool.execute(move || send.send(black_box(i)).expect("receiver alive"));
            }
            let sum: u64 = receive.iter().take(n as usize).sum();
            black_box(sum);
        })
    })
}

fn roundtrip() -> Workload {
    let mut threadpool = lazy_threadpool();
    Workload::new(
        "pool/roundtrip",
        "ns/round-trip",
        "submit one trivial task and block on its result, repeatedly",
    )
    .target(Target::Ratio {
        peer: Some("rayon spawn+recv"),
        max: 0.5,
    })
    .timed("threadkit", Role::Subject, tk_roundtrip())
    .timed(
        "threadkit (hooks compiled out)",
        Role::HooksOff,
        nohooks_roundtrip(),
    )
    .timed("rayon spawn+recv", Role::Peer, |iters| {
        let (send, receive) = mpsc::channel();
        run::single(iters, || {
            let send = send.clone();
            rayon::spawn(move || send.send(black_box(1u64)).expect("receiver alive"));
            black_box(receive.recv().expect("result"));
        })
    })
    .timed("threadpool+channel", Role::Peer, move |iters| {
        let pool = threadpool();
        let (send, receive) = mpsc::channel();
        run::single(iters, || {
            let send = send.clone();
            pool.execute(move || send.send(black_box(1u64)).expect("receiver alive"));
            black_box(receive.recv().expect("result"));
        })
    })
}

fn map() -> Workload {
    let mut threadpool = lazy_threadpool();
    Workload::new(
        "pool/map",
        "ns/item",
        "map a trivial function over 200 000 items, results in order",
    )
    .timed("threadkit", Role::Subject, tk_map())
    .timed(
        "threadkit (hooks compiled out)",
        Role::HooksOff,
        nohooks_map(),
    )
    .timed("rayon par_iter", Role::Peer, |iters| {
        use rayon::prelude::*;
        batched(iters, |n| {
            let results: Vec<u64> = (0..n).into_par_iter().map(|i| black_box(i) * 2).collect();
            black_box(results.iter().sum::<u64>());
        })
    })
    .timed("threadpool+channel", Role::Peer, move |iters| {
        let pool = threadpool();
        batched(iters, |n| {
            let (send, receive) = mpsc::channel();
            for i in 0..n {
                let send = send.clone();
                pool.execute(move || send.send((i, black_box(i) * 2)).expect("receiver alive"));
            }
            let mut results = vec![0u64; n as usize];
            for (i, value) in receive.iter().take(n as usize) {
                results[i as usize] = value;
            }
            black_box(results.iter().sum::<u64>());
        })
    })
}

fn spawn_join() -> Workload {
    Workload::new(
        "thread/spawn-join",
        "ns/thread",
        "spawn a thread that returns a value, and join it",
    )
    .target(Target::Ratio {
        peer: Some("std::thread"),
        max: 1.2,
    })
    .timed("threadkit", Role::Subject, tk_spawn_join())
    .timed(
        "threadkit (hooks compiled out)",
        Role::HooksOff,
        nohooks_spawn_join(),
    )
    .timed("std::thread", Role::Peer, |iters| {
        run::single(iters, || {
            let thread = std::thread::spawn(|| black_box(1u64));
            black_box(thread.join().expect("join"));
        })
    })
}
