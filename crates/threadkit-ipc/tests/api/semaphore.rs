use std::sync::Arc;
use std::time::{Duration, Instant};

use threadkit_ipc::{AcquireError, BoundedSemaphore, MAX_PERMITS, ReleaseError, Semaphore};

use crate::support::{Helper, TestName};

#[test]
fn permits_of_a_killed_process_come_back() {
    let name = TestName::new("sem-recover");
    let semaphore = Semaphore::create(&name, 3).unwrap();
    let mut holder = Helper::spawn("lease", &name, Some(2));
    holder.expect("holding");
    assert_eq!(semaphore.available_permits(), 1);
    let mine = semaphore.acquire().unwrap();
    assert_eq!(
        semaphore.try_acquire().unwrap_err(),
        AcquireError::WouldBlock
    );

    let killed_at = Instant::now();
    holder.kill_unreaped();
    // Blocks until a sweep finds the dead holder (at most one recheck period).
    let recovered = semaphore.acquire_timeout(Duration::from_secs(10)).unwrap();
    let delay = killed_at.elapsed();
    assert!(delay < Duration::from_secs(1), "recovered after {delay:?}");
    assert_eq!(semaphore.available_permits(), 1);
    holder.kill();
    assert_eq!(semaphore.recover().unwrap(), 0, "nothing left to recover");
    drop((mine, recovered));
    assert_eq!(semaphore.available_permits(), 3);
}

#[test]
fn recover_returns_the_permits_of_dead_processes_at_once() {
    let name = TestName::new("sem-recover-now");
    let semaphore = BoundedSemaphore::create(&name, 4).unwrap();
    let mut first = Helper::spawn("lease-bounded", &name, Some(1));
    let mut second = Helper::spawn("lease-bounded", &name, Some(2));
    first.expect("holding");
    second.expect("holding");
    assert_eq!(semaphore.available_permits(), 1);
    first.kill();
    second.kill();
    assert_eq!(semaphore.recover().unwrap(), 3);
    assert_eq!(semaphore.available_permits(), 4);
    assert_eq!(
        semaphore.release(1),
        Err(ReleaseError::TooManyReleases),
        "never above the bound"
    );
}

#[test]
fn forgotten_permits_are_counts_not_leases() {
    let name = TestName::new("sem-forget");
    let semaphore = Semaphore::create(&name, 2).unwrap();
    let mut consumer = Helper::spawn("lease-and-forget", &name, Some(2));
    consumer.expect("holding");
    consumer.kill();
    // Like multiprocessing's: the dead consumer keeps what it took.
    assert_eq!(semaphore.recover().unwrap(), 0);
    assert_eq!(
        semaphore.try_acquire().unwrap_err(),
        AcquireError::WouldBlock
    );
    semaphore.release(2).unwrap();
    assert_eq!(semaphore.available_permits(), 2);
}

#[test]
fn a_live_process_keeps_its_permits_and_gives_them_back() {
    let name = TestName::new("sem-live");
    let semaphore = Semaphore::create(&name, 1).unwrap();
    let mut holder = Helper::spawn("lease", &name, Some(1));
    holder.expect("holding");
    assert_eq!(semaphore.recover().unwrap(), 0);
    let started = Instant::now();
    assert_eq!(
        semaphore
            .acquire_timeout(Duration::from_millis(250))
            .unwrap_err(),
        AcquireError::Timeout
    );
    assert!(started.elapsed() >= Duration::from_millis(250));
    holder.tell("go");
    holder.expect("returned");
    assert!(holder.wait().success());
    // The holder's give-back wakes a waiter here.
    assert!(semaphore.acquire_timeout(Duration::from_secs(5)).is_ok());
}

#[test]
fn a_release_wakes_a_waiting_thread() {
    let name = TestName::new("sem-wake");
    let semaphore = Arc::new(Semaphore::create(&name, 0).unwrap());
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let semaphore = Arc::clone(&semaphore);
            std::thread::spawn(move || {
                semaphore
                    .acquire_timeout(Duration::from_secs(10))
                    .map(|permit| permit.forget())
            })
        })
        .collect();
    semaphore.release(3).unwrap();
    for waiter in waiters {
        waiter.join().unwrap().unwrap();
    }
    assert_eq!(semaphore.available_permits(), 0);
}

#[test]
fn release_errors_leave_the_count_unchanged() {
    let name = TestName::new("sem-errors");
    let semaphore = Semaphore::create(&name, 1).unwrap();
    assert_eq!(semaphore.release(0), Err(ReleaseError::ZeroCount));
    assert_eq!(semaphore.release(MAX_PERMITS), Err(ReleaseError::Overflow));
    assert_eq!(semaphore.available_permits(), 1);

    let bounded_name = TestName::new("sem-bounded");
    let bounded = BoundedSemaphore::create(&bounded_name, 2).unwrap();
    let permit = bounded.acquire().unwrap();
    bounded.release(1).unwrap();
    assert_eq!(bounded.release(1), Err(ReleaseError::TooManyReleases));
    // Its own permit cannot push it past the bound either.
    drop(permit);
    assert_eq!(bounded.available_permits(), 2);
    assert_eq!(bounded.bound(), 2);
}

#[test]
fn threads_never_exceed_the_permits() {
    let name = TestName::new("sem-threads");
    let semaphore = Arc::new(Semaphore::create(&name, 2).unwrap());
    let inside = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (semaphore, inside, most) = (
                Arc::clone(&semaphore),
                Arc::clone(&inside),
                Arc::clone(&most),
            );
            std::thread::spawn(move || {
                use std::sync::atomic::Ordering::SeqCst;
                for _ in 0..500 {
                    let _permit = semaphore.acquire().unwrap();
                    let now = inside.fetch_add(1, SeqCst) + 1;
                    most.fetch_max(now, SeqCst);
                    inside.fetch_sub(1, SeqCst);
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    assert!(most.load(std::sync::atomic::Ordering::SeqCst) <= 2);
    assert_eq!(semaphore.available_permits(), 2);
}
