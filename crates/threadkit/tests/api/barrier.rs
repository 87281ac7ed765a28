use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use threadkit::{Barrier, BrokenBarrierError, ZeroPartiesError};

use crate::support::wait_until;

fn run_parties(barrier: &Arc<Barrier>, n: usize) -> Vec<Result<usize, BrokenBarrierError>> {
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let barrier = Arc::clone(barrier);
            std::thread::spawn(move || barrier.wait())
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

#[test]
fn zero_parties_is_an_error() {
    assert_eq!(Barrier::new(0).err(), Some(ZeroPartiesError));
    assert!(Barrier::builder(0).action(|| {}).build().is_err());
}

#[test]
fn every_party_gets_a_distinct_index_every_round() {
    let barrier = Arc::new(Barrier::new(3).unwrap());
    for _ in 0..5 {
        let mut indices: Vec<usize> = run_parties(&barrier, 3)
            .into_iter()
            .map(Result::unwrap)
            .collect();
        indices.sort_unstable();
        assert_eq!(indices, [0, 1, 2]);
    }
    assert_eq!(barrier.parties(), 3);
    assert_eq!(barrier.n_waiting(), 0);
    assert!(!barrier.is_broken());
}

#[test]
fn single_party_passes_at_once() {
    let barrier = Barrier::new(1).unwrap();
    assert_eq!(barrier.wait(), Ok(0));
    assert_eq!(barrier.wait(), Ok(0));
}

#[test]
fn action_runs_once_per_round_before_release() {
    let runs = Arc::new(AtomicUsize::new(0));
    let barrier = {
        let runs = Arc::clone(&runs);
        Arc::new(
            Barrier::builder(2)
                .action(move || {
                    runs.fetch_add(1, Ordering::SeqCst);
                })
                .name("round")
                .build()
                .unwrap(),
        )
    };
    assert_eq!(barrier.name(), Some("round"));
    for round in 1..=3 {
        run_parties(&barrier, 2)
            .into_iter()
            .for_each(|r| assert!(r.is_ok()));
        assert_eq!(runs.load(Ordering::SeqCst), round);
    }
}

#[test]
fn timeout_breaks_the_barrier_for_everyone() {
    let barrier = Arc::new(Barrier::new(3).unwrap());
    let other = {
        let barrier = Arc::clone(&barrier);
        std::thread::spawn(move || barrier.wait())
    };
    wait_until("one waits", || barrier.n_waiting() == 1);
    assert_eq!(
        barrier.wait_timeout(Duration::from_millis(20)),
        Err(BrokenBarrierError)
    );
    assert_eq!(other.join().unwrap(), Err(BrokenBarrierError));
    assert!(barrier.is_broken());
    assert_eq!(barrier.wait(), Err(BrokenBarrierError), "stays broken");
    barrier.reset();
    assert!(!barrier.is_broken());
    run_parties(&barrier, 3)
        .into_iter()
        .for_each(|r| assert!(r.is_ok()));
}

#[test]
fn default_timeout_applies_to_wait() {
    let barrier = Barrier::builder(2)
        .timeout(Duration::from_millis(10))
        .build()
        .unwrap();
    assert_eq!(barrier.wait(), Err(BrokenBarrierError));
}

#[test]
fn abort_and_reset_release_waiters_with_an_error() {
    let barrier = Arc::new(Barrier::new(3).unwrap());
    let waiter = {
        let barrier = Arc::clone(&barrier);
        std::thread::spawn(move || barrier.wait())
    };
    wait_until("one waits", || barrier.n_waiting() == 1);
    barrier.reset();
    assert_eq!(waiter.join().unwrap(), Err(BrokenBarrierError));
    assert!(!barrier.is_broken(), "reset leaves it usable");
    let waiter = {
        let barrier = Arc::clone(&barrier);
        std::thread::spawn(move || barrier.wait())
    };
    wait_until("one waits", || barrier.n_waiting() == 1);
    barrier.abort();
    assert_eq!(waiter.join().unwrap(), Err(BrokenBarrierError));
    assert!(barrier.is_broken());
}

#[test]
fn panicking_action_breaks_the_barrier_and_propagates() {
    let barrier = Arc::new(
        Barrier::builder(2)
            .action(|| panic!("action failed"))
            .build()
            .unwrap(),
    );
    let results: Vec<_> = (0..2)
        .map(|_| {
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || barrier.wait())
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join())
        .collect();
    let panicked = results.iter().filter(|r| r.is_err()).count();
    let broken = results
        .iter()
        .filter(|r| matches!(r, Ok(Err(BrokenBarrierError))))
        .count();
    assert_eq!((panicked, broken), (1, 1));
    assert!(barrier.is_broken());
}

#[test]
fn the_action_may_read_the_barrier() {
    // CPython reads n_waiting and broken without the lock; an action may call them.
    let seen = Arc::new(AtomicUsize::new(usize::MAX));
    let barrier = Arc::new_cyclic(|weak: &std::sync::Weak<Barrier>| {
        let (weak, seen) = (weak.clone(), Arc::clone(&seen));
        Barrier::builder(2)
            .action(move || {
                let barrier = weak.upgrade().unwrap();
                assert!(!barrier.is_broken());
                seen.store(barrier.n_waiting(), Ordering::SeqCst);
            })
            .build()
            .unwrap()
    });
    for r in run_parties(&barrier, 2) {
        assert!(r.is_ok());
    }
    assert_eq!(
        seen.load(Ordering::SeqCst),
        2,
        "both parties were inside when the action ran"
    );
}
