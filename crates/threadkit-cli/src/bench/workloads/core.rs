//! Workloads of the core primitives: lock, rlock, semaphore, event, condition,
//! barrier, and the sizes of the types.

use std::sync::Arc;
use std::time::Duration;

use crate::bench::Config;
use crate::bench::harness::{Role, Target, Workload};
use crate::bench::run;
use crate::bench::subjects::{
    BenchBarrier, BenchEvent, BenchMutex, BenchReentrant, BenchSemaphore, BenchTurn,
    ParkingLotEvent, ParkingLotSemaphore, ParkingLotTurn, StdEvent, StdSemaphore, StdTurn,
    nohooks_subject as nohooks, threadkit_subject as tk,
};
use crate::bench::workloads::diagnostics::{DETECTION_ON, detection_on};

pub fn workloads(config: &Config) -> Vec<Workload> {
    let mut all = vec![
        lock_uncontended(),
        lock_contended(2, "lock/contended-2"),
        lock_contended(4, "lock/contended-4"),
        rlock("rlock/first", false, 1.0),
        rlock("rlock/nested", true, 1.2),
        semaphore_uncontended(),
        semaphore_contended(4, "semaphore/4threads-2permits"),
        event_wait_set(),
        event_pingpong(),
        condition_pingpong(),
        barrier(),
        size(
            "size/lock",
            &[
                (
                    "threadkit Lock<()>",
                    Role::Subject,
                    size_of::<threadkit::Lock<()>>(),
                ),
                (
                    "std Mutex<()>",
                    Role::Peer,
                    size_of::<std::sync::Mutex<()>>(),
                ),
                (
                    "parking_lot Mutex<()>",
                    Role::Peer,
                    size_of::<parking_lot::Mutex<()>>(),
                ),
            ],
            8.0,
        ),
        size(
            "size/rlock",
            &[
                (
                    "threadkit RLock<()>",
                    Role::Subject,
                    size_of::<threadkit::RLock<()>>(),
                ),
                (
                    "parking_lot ReentrantMutex<()>",
                    Role::Peer,
                    size_of::<parking_lot::ReentrantMutex<()>>(),
                ),
            ],
            24.0,
        ),
        size(
            "size/semaphore",
            &[
                (
                    "threadkit Semaphore",
                    Role::Subject,
                    size_of::<threadkit::Semaphore>(),
                ),
                (
                    "std Mutex+Condvar semaphore",
                    Role::Peer,
                    size_of::<StdSemaphore>(),
                ),
                (
                    "parking_lot Mutex+Condvar semaphore",
                    Role::Peer,
                    size_of::<ParkingLotSemaphore>(),
                ),
            ],
            16.0,
        ),
        size(
            "size/event",
            &[
                (
                    "threadkit Event",
                    Role::Subject,
                    size_of::<threadkit::Event>(),
                ),
                ("std Mutex+Condvar event", Role::Peer, size_of::<StdEvent>()),
                (
                    "parking_lot Mutex+Condvar event",
                    Role::Peer,
                    size_of::<ParkingLotEvent>(),
                ),
            ],
            8.0,
        ),
        size(
            "size/condition",
            &[
                (
                    "threadkit Condition<Lock>",
                    Role::Subject,
                    size_of::<threadkit::Condition<threadkit::Lock<()>>>(),
                ),
                (
                    "std Mutex<()>+Condvar",
                    Role::Peer,
                    size_of::<(std::sync::Mutex<()>, std::sync::Condvar)>(),
                ),
                (
                    "parking_lot Mutex<()>+Condvar",
                    Role::Peer,
                    size_of::<(parking_lot::Mutex<()>, parking_lot::Condvar)>(),
                ),
            ],
            f64::INFINITY,
        ),
        size(
            "size/barrier",
            &[
                (
                    "threadkit Barrier",
                    Role::Subject,
                    size_of::<threadkit::Barrier>(),
                ),
                ("std Barrier", Role::Peer, size_of::<std::sync::Barrier>()),
            ],
            f64::INFINITY,
        ),
    ];
    if let Some(threads) = config.threads {
        let lock = leak(format!("lock/contended-{threads}"));
        let semaphore = leak(format!("semaphore/{threads}threads-2permits"));
        all.push(lock_contended(threads, lock));
        all.push(semaphore_contended(threads, semaphore));
    }
    all
}

/// A workload name made at run time (`--threads`); leaked once per run.
pub fn leak(name: String) -> &'static str {
    Box::leak(name.into_boxed_str())
}

fn uncontended<M: BenchMutex>() -> impl FnMut(u64) -> Duration {
    let lock = M::create();
    move |iters| run::single(iters, || lock.bump())
}

fn lock_uncontended() -> Workload {
    Workload::new(
        "lock/uncontended",
        "ns/op",
        "acquire + increment + release on one thread",
    )
    .target(Target::Ratio {
        peer: None,
        max: 1.0,
    })
    .target(Target::Overhead {
        row: DETECTION_ON,
        max: 3.0,
    })
    .timed("threadkit", Role::Subject, uncontended::<tk::Lock>())
    .timed(
        "threadkit (hooks compiled out)",
        Role::HooksOff,
        uncontended::<nohooks::Lock>(),
    )
    .timed(
        DETECTION_ON,
        Role::DiagnosticsOn,
        detection_on(uncontended::<tk::Lock>()),
    )
    .timed(
        "std Mutex",
        Role::Peer,
        uncontended::<std::sync::Mutex<u64>>(),
    )
    .timed(
        "parking_lot Mutex",
        Role::Peer,
        uncontended::<parking_lot::Mutex<u64>>(),
    )
}

fn contended<M: BenchMutex>(threads: usize) -> impl FnMut(u64) -> Duration {
    move |iters| {
        let lock = M::create();
        run::parallel(threads, iters, |_| lock.bump())
    }
}

fn lock_contended(threads: usize, name: &'static str) -> Workload {
    let workload = Workload::new(
        name,
        "ns/op",
        "threads incrementing one counter under the lock",
    )
    .timed("threadkit", Role::Subject, contended::<tk::Lock>(threads))
    .timed(
        "threadkit (hooks compiled out)",
        Role::HooksOff,
        contended::<nohooks::Lock>(threads),
    )
    .timed(
        "std Mutex",
        Role::Peer,
        contended::<std::sync::Mutex<u64>>(threads),
    )
    .timed(
        "parking_lot Mutex",
        Role::Peer,
        contended::<parking_lot::Mutex<u64>>(threads),
    );
    if threads == 2 {
        workload
            .timed(
                DETECTION_ON,
                Role::DiagnosticsOn,
                detection_on(contended::<tk::Lock>(threads)),
            )
            .target(Target::Ratio {
                peer: Some("parking_lot Mutex"),
                max: 1.0,
            })
            .target(Target::Overhead {
                row: DETECTION_ON,
                max: 2.0,
            })
    } else {
        workload
    }
}

fn reentrant<R: BenchReentrant>(nested: bool) -> impl FnMut(u64) -> Duration {
    let lock = R::create();
    move |iters| {
        if nested {
            lock.nested(iters)
        } else {
            lock.first(iters)
        }
    }
}

fn rlock(name: &'static str, nested: bool, target: f64) -> Workload {
    Workload::new(
        name,
        "ns/op",
        "acquire + release (nested: while already held)",
    )
    .target(Target::Ratio {
        peer: None,
        max: target,
    })
    .timed("threadkit", Role::Subject, reentrant::<tk::RLock>(nested))
    .timed(
        "threadkit (hooks compiled out)",
        Role::HooksOff,
        reentrant::<nohooks::RLock>(nested),
    )
    .timed(
        "parking_lot ReentrantMutex",
        Role::Peer,
        reentrant::<parking_lot::ReentrantMutex<()>>(nested),
    )
}

fn semaphore_one<S: BenchSemaphore>() -> impl FnMut(u64) -> Duration {
    let semaphore = S::create(1);
    move |iters| run::single(iters, || semaphore.acquire_release())
}

fn semaphore_uncontended() -> Workload {
    Workload::new(
        "semaphore/uncontended",
        "ns/op",
        "acquire + release on one thread",
    )
    .target(Target::Ratio {
        peer: Some("parking_lot Mutex+Condvar"),
        max: 0.6,
    })
    .timed("threadkit", Role::Subject, semaphore_one::<tk::Semaphore>())
    .timed(
        "threadkit (hooks compiled out)",
        Role::HooksOff,
        semaphore_one::<nohooks::Semaphore>(),
    )
    .timed(
        "std Mutex+Condvar",
        Role::Peer,
        semaphore_one::<StdSemaphore>(),
    )
    .timed(
        "parking_lot Mutex+Condvar",
        Role::Peer,
        semaphore_one::<ParkingLotSemaphore>(),
    )
}

fn semaphore_shared<S: BenchSemaphore>(threads: usize) -> impl FnMut(u64) -> Duration {
    move |iters| {
        let semaphore = S::create(2);
        run::parallel(threads, iters, |_| semaphore.acquire_release())
    }
}

fn semaphore_contended(threads: usize, name: &'static str) -> Workload {
    Workload::new(name, "ns/op", "threads sharing 2 permits")
        .timed(
            "threadkit",
            Role::Subject,
            semaphore_shared::<tk::Semaphore>(threads),
        )
        .timed(
            "threadkit (hooks compiled out)",
            Role::HooksOff,
            semaphore_shared::<nohooks::Semaphore>(threads),
        )
        .timed(
            "std Mutex+Condvar",
            Role::Peer,
            semaphore_shared::<StdSemaphore>(threads),
        )
        .timed(
            "parking_lot Mutex+Condvar",
            Role::Peer,
            semaphore_shared::<ParkingLotSemaphore>(threads),
        )
}

fn wait_set<E: BenchEvent>() -> impl FnMut(u64) -> Duration {
    let event = E::create();
    event.set();
    move |iters| run::single(iters, || event.wait())
}

fn event_wait_set() -> Workload {
    Workload::new("event/wait-set", "ns/op", "wait() on an event that is set")
        .target(Target::Absolute { max: 2.0 })
        .timed("threadkit", Role::Subject, wait_set::<tk::Event>())
        .timed(
            "threadkit (hooks compiled out)",
            Role::HooksOff,
            wait_set::<nohooks::Event>(),
        )
        .timed("std Mutex+Condvar", Role::Peer, wait_set::<StdEvent>())
        .timed(
            "parking_lot Mutex+Condvar",
            Role::Peer,
            wait_set::<ParkingLotEvent>(),
        )
}

fn event_round_trip<E: BenchEvent>() -> impl FnMut(u64) -> Duration {
    move |iters| {
        let (ping, pong) = (Arc::new(E::create()), Arc::new(E::create()));
        run::pingpong(
            iters,
            || {
                ping.set();
                pong.wait();
                pong.clear();
            },
            || {
                ping.wait();
                ping.clear();
                pong.set();
            },
        )
    }
}

fn event_pingpong() -> Workload {
    Workload::new(
        "event/pingpong",
        "ns/round-trip",
        "two threads handing a turn over with two events",
    )
    .target(Target::Ratio {
        peer: Some("parking_lot Mutex+Condvar"),
        max: 0.2,
    })
    .timed("threadkit", Role::Subject, event_round_trip::<tk::Event>())
    .timed(
        "threadkit (hooks compiled out)",
        Role::HooksOff,
        event_round_trip::<nohooks::Event>(),
    )
    .timed(
        "std Mutex+Condvar",
        Role::Peer,
        event_round_trip::<StdEvent>(),
    )
    .timed(
        "parking_lot Mutex+Condvar",
        Role::Peer,
        event_round_trip::<ParkingLotEvent>(),
    )
}

fn turn_round_trip<T: BenchTurn>() -> impl FnMut(u64) -> Duration {
    move |iters| {
        let turn = T::create();
        run::pingpong(iters, || turn.pass(0), || turn.pass(1))
    }
}

fn condition_pingpong() -> Workload {
    Workload::new(
        "condition/pingpong",
        "ns/round-trip",
        "two threads passing a turn under a condition",
    )
    .target(Target::Ratio {
        peer: Some("parking_lot Mutex+Condvar"),
        max: 0.2,
    })
    .timed("threadkit", Role::Subject, turn_round_trip::<tk::Turn>())
    .timed(
        "threadkit (hooks compiled out)",
        Role::HooksOff,
        turn_round_trip::<nohooks::Turn>(),
    )
    .timed(
        "std Mutex+Condvar",
        Role::Peer,
        turn_round_trip::<StdTurn>(),
    )
    .timed(
        "parking_lot Mutex+Condvar",
        Role::Peer,
        turn_round_trip::<ParkingLotTurn>(),
    )
}

fn rendezvous<B: BenchBarrier>() -> impl FnMut(u64) -> Duration {
    move |iters| {
        let barrier = B::create(2);
        run::pingpong(iters, || barrier.wait(), || barrier.wait())
    }
}

fn barrier() -> Workload {
    Workload::new("barrier/2", "ns/round", "two threads meeting at a barrier")
        .timed("threadkit", Role::Subject, rendezvous::<tk::Barrier>())
        .timed(
            "threadkit (hooks compiled out)",
            Role::HooksOff,
            rendezvous::<nohooks::Barrier>(),
        )
        .timed(
            "std Barrier",
            Role::Peer,
            rendezvous::<std::sync::Barrier>(),
        )
}

fn size(name: &'static str, rows: &[(&'static str, Role, usize)], target: f64) -> Workload {
    let mut workload = Workload::new(name, "bytes", "size of the type");
    if target.is_finite() {
        workload = workload.target(Target::Absolute { max: target });
    }
    for &(implementation, role, bytes) in rows {
        workload = workload.fixed(implementation, role, bytes as f64);
    }
    workload
}
