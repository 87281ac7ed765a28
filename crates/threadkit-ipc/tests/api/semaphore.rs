use std::sync::Arc;
use std::time::{Duration, Instant};

use threadkit_ipc::{
    AcquireError, BoundedSemaphore, MAX_HOLDERS, MAX_PERMITS, ReleaseError, Semaphore, testing,
};

use crate::support::{Helper, TestName, wait_until};

/// How long the waiters of these tests wait at most. A waiter that is not woken up
/// sleeps all of it (and then may still find a permit), so an acquisition that ends
/// well before it was ended by a wake-up.
const WAIT: Duration = Duration::from_secs(20);

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

    std::thread::scope(|scope| {
        // A thread waits for a permit; it looks for dead holders every 100 ms.
        let waiter = scope.spawn(|| {
            let permit = semaphore.acquire_timeout(Duration::from_secs(10));
            (permit, Instant::now())
        });
        wait_until("the acquirer waits", || {
            testing::semaphore_waiters(&semaphore) == 1
        });
        holder.kill_unreaped();
        // Measured from when the death can be seen (the process is a zombie), not
        // from the kill, whose delivery is up to the machine's load. The waiter's next
        // look (within 100 ms) finds the dead holder: 1 s leaves 900 ms for a loaded
        // machine to schedule it.
        let dead_at = holder.wait_until_dead();
        let (recovered, recovered_at) = waiter.join().unwrap();
        let recovered = recovered.unwrap();
        let delay = recovered_at.saturating_duration_since(dead_at);
        assert!(delay < Duration::from_secs(1), "recovered after {delay:?}");
        assert_eq!(semaphore.available_permits(), 1);
        holder.kill();
        assert_eq!(semaphore.recover().unwrap(), 0, "nothing left to recover");
        drop((mine, recovered));
    });
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
    // A thread here waits (for wake-ups only) while the holder gives its permit back:
    // the give-back in the other process wakes it.
    testing::disable_recheck(&semaphore);
    std::thread::scope(|scope| {
        let waiter = scope.spawn(|| {
            let started = Instant::now();
            let permit = semaphore.acquire_timeout(WAIT).map(drop);
            (permit, started.elapsed())
        });
        wait_until("the acquirer waits", || {
            testing::semaphore_waiters(&semaphore) == 1
        });
        holder.tell("go");
        holder.expect("returned");
        let (permit, waited) = waiter.join().unwrap();
        permit.unwrap();
        assert!(waited < WAIT / 2, "not woken up: waited {waited:?}");
    });
    assert!(holder.wait().success());
}

#[test]
fn a_release_wakes_waiting_threads() {
    let name = TestName::new("sem-wake");
    let semaphore = Arc::new(Semaphore::create(&name, 0).unwrap());
    // Wake-ups only: no look every 100 ms that would make up for a lost one.
    testing::disable_recheck(&semaphore);
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let semaphore = Arc::clone(&semaphore);
            std::thread::spawn(move || {
                let started = Instant::now();
                let permit = semaphore.acquire_timeout(WAIT).map(|p| p.forget());
                (permit, started.elapsed())
            })
        })
        .collect();
    // Release only once all three are registered: each read the wake-up sequence under
    // the semaphore's mutex, so the release must wake it (or keep it from sleeping).
    wait_until("three threads wait", || {
        testing::semaphore_waiters(&semaphore) == 3
    });
    semaphore.release(3).unwrap();
    for waiter in waiters {
        let (permit, waited) = waiter.join().unwrap();
        permit.unwrap();
        assert!(waited < WAIT / 2, "not woken up: waited {waited:?}");
    }
    assert_eq!(semaphore.available_permits(), 0);
    assert_eq!(testing::semaphore_waiters(&semaphore), 0);
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

#[test]
fn permits_of_a_full_table_of_killed_processes_all_come_back() {
    // MAX_HOLDERS processes take one permit each, filling the table of holders; all
    // are killed. The next acquirer finds no free slot, and the sweep that frees one
    // gives every lease back.
    let name = TestName::new("sem-full-table");
    let semaphore = Semaphore::create(&name, 300).unwrap();
    let mut holders: Vec<Helper> = (0..MAX_HOLDERS)
        .map(|_| Helper::spawn("lease", &name, Some(1)))
        .collect();
    for holder in &mut holders {
        holder.expect("holding");
    }
    assert_eq!(semaphore.available_permits(), 300 - MAX_HOLDERS);
    for holder in &mut holders {
        holder.kill();
    }
    let permit = semaphore.try_acquire().unwrap();
    assert_eq!(semaphore.available_permits(), 299);
    assert_eq!(semaphore.recover().unwrap(), 0, "nothing left to recover");
    drop(permit);
    assert_eq!(semaphore.available_permits(), 300);
}

#[test]
fn a_kept_lease_is_returned_by_this_process_only() {
    let name = TestName::new("kept-lease");
    let semaphore = Semaphore::create(&name, 2).unwrap();
    assert_eq!(semaphore.return_lease(), Err(ReleaseError::NoLease));
    semaphore.acquire().unwrap().keep_lease();
    semaphore.acquire().unwrap().forget();
    assert_eq!(semaphore.available_permits(), 0);
    semaphore.return_lease().unwrap();
    assert_eq!(semaphore.available_permits(), 1);
    // The forgotten permit is a count, not a lease: only `release` gives it back.
    assert_eq!(semaphore.return_lease(), Err(ReleaseError::NoLease));
    assert_eq!(semaphore.available_permits(), 1);
    semaphore.release(1).unwrap();
    assert_eq!(semaphore.available_permits(), 2);

    let bounded_name = TestName::new("kept-lease-bounded");
    let bounded = BoundedSemaphore::create(&bounded_name, 1).unwrap();
    bounded.acquire().unwrap().keep_lease();
    assert_eq!(bounded.try_acquire().unwrap_err(), AcquireError::WouldBlock);
    bounded.return_lease().unwrap();
    assert_eq!(bounded.available_permits(), 1);
    assert_eq!(bounded.return_lease(), Err(ReleaseError::NoLease));
}
