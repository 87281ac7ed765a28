use std::sync::mpsc::channel;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use threadkit_ipc::{AcquireError, Lock, MAX_LOCK_THREADS, Options, ReleaseError, testing};

use crate::support::{Helper, TestName, current_tid, wait_until_asleep};

#[test]
fn four_processes_count_to_the_total_without_losing_an_update() {
    const PER_PROCESS: u64 = 20_000;
    let name = TestName::new("count");
    let lock = Lock::create(&name, 0u64).unwrap();
    let mut helpers: Vec<Helper> = (0..4)
        .map(|_| Helper::spawn("count", &name, Some(PER_PROCESS)))
        .collect();
    for helper in &mut helpers {
        helper.expect("ready");
    }
    for helper in &mut helpers {
        helper.tell("go");
    }
    for helper in &mut helpers {
        helper.expect("done");
        assert!(helper.wait().success());
    }
    let total = *lock.acquire().unwrap();
    assert_eq!(total, 4 * PER_PROCESS);
}

#[test]
fn timeouts_hold_across_processes() {
    let name = TestName::new("timeout");
    let lock = Lock::create(&name, 0u64).unwrap();

    // Held by another process: try fails, a timed acquisition times out.
    let mut holder = Helper::spawn("hold", &name, None);
    holder.expect("locked owner_died=false");
    assert!(lock.is_locked());
    assert_eq!(lock.try_acquire().unwrap_err(), AcquireError::WouldBlock);
    let started = Instant::now();
    let error = lock
        .acquire_timeout(Duration::from_millis(100))
        .unwrap_err();
    assert_eq!(error, AcquireError::Timeout);
    assert!(started.elapsed() >= Duration::from_millis(100));
    let error = lock
        .acquire_deadline(Instant::now() + Duration::from_millis(20))
        .unwrap_err();
    assert_eq!(error, AcquireError::Timeout);
    holder.tell("release");
    holder.expect("released");
    assert!(holder.wait().success());
    let guard = lock.acquire_timeout(Duration::from_secs(5)).unwrap();
    assert!(!guard.owner_died());

    // Held here: the other process times out.
    let mut waiter = Helper::spawn("acquire-within", &name, Some(100));
    waiter.expect("trying");
    let line = waiter.expect("timeout after ");
    let waited: u64 = line
        .trim_start_matches("timeout after ")
        .trim_end_matches(" ms")
        .parse()
        .unwrap();
    assert!(waited >= 100, "{line}");
    drop(guard);
}

#[test]
fn a_holder_killed_mid_update_is_recovered_within_a_second_and_reported() {
    let name = TestName::new("killed");
    let lock = Arc::new(Lock::create(&name, [0u64; 2]).unwrap());
    let mut holder = Helper::spawn("hold-half-updated", &name, None);
    holder.expect("half-updated");

    // A thread of this process waits for the lock while the holder is killed.
    let (tx, rx) = std::sync::mpsc::channel();
    let waiter = {
        let lock = Arc::clone(&lock);
        std::thread::spawn(move || {
            let guard = lock.acquire_timeout(Duration::from_secs(10));
            let at = Instant::now();
            let seen = guard.map(|mut pair| {
                let seen = (pair.owner_died(), *pair);
                pair[1] = pair[0]; // repair the invariant
                seen
            });
            tx.send(at).unwrap();
            seen
        })
    };
    holder.kill_unreaped();
    // Measured from when the death can be seen (the process is a zombie), not from
    // the kill: how long SIGKILL takes to end a process is up to the machine's load.
    // The kernel hands the lock over while the holder exits, so even on a loaded
    // machine the recovery lands well inside the second.
    let dead_at = holder.wait_until_dead();
    let (owner_died, pair) = waiter.join().unwrap().unwrap();
    let recovered_at = rx.recv().unwrap();
    assert!(owner_died, "the acquirer is told the holder died");
    assert_eq!(pair, [1, 0], "the half-done update is visible");
    let delay = recovered_at.saturating_duration_since(dead_at);
    assert!(delay < Duration::from_secs(1), "recovered after {delay:?}");
    holder.kill();

    // The lock is consistent again: the next holder is not told anything.
    let guard = lock.acquire().unwrap();
    assert!(!guard.owner_died());
    assert_eq!(*guard, [1, 1]);
}

#[test]
fn a_waiting_process_is_told_when_the_holder_dies() {
    let name = TestName::new("killed-remote");
    let lock = Lock::create(&name, 0u64).unwrap();
    let mut holder = Helper::spawn("hold", &name, None);
    holder.expect("locked");
    let mut waiter = Helper::spawn("acquire-within", &name, Some(10_000));
    waiter.expect("trying");
    holder.kill();
    waiter.expect("acquired owner_died=true");
    assert!(waiter.wait().success());
    // The waiter exited holding nothing: the lock is free and consistent.
    let guard = lock.try_acquire().unwrap();
    assert!(!guard.owner_died());
}

#[test]
fn a_thread_that_exits_holding_the_lock_is_an_owner_death_too() {
    let name = TestName::new("thread-exit");
    let lock = Arc::new(Lock::create(&name, ()).unwrap());
    {
        let lock = Arc::clone(&lock);
        std::thread::spawn(move || lock.acquire().unwrap().detach())
            .join()
            .unwrap();
    }
    assert!(lock.is_locked());
    let guard = lock.acquire_timeout(Duration::from_secs(5)).unwrap();
    assert!(guard.owner_died());
    drop(guard);
    assert!(!lock.acquire().unwrap().owner_died());
}

#[test]
fn misuse_is_an_error_never_a_hang_or_a_panic() {
    let name = TestName::new("misuse");
    let lock = Arc::new(Lock::create(&name, ()).unwrap());

    let guard = lock.acquire().unwrap();
    assert_eq!(lock.acquire().unwrap_err(), AcquireError::Deadlock);
    assert_eq!(lock.try_acquire().unwrap_err(), AcquireError::Deadlock);
    assert_eq!(lock.release(), Err(ReleaseError::HeldByGuard));
    drop(guard);
    assert_eq!(lock.release(), Err(ReleaseError::NotLocked));

    // Python style: acquire here, release later — by the same thread only.
    lock.acquire().unwrap().detach();
    let other = {
        let lock = Arc::clone(&lock);
        std::thread::spawn(move || lock.release()).join().unwrap()
    };
    assert_eq!(other, Err(ReleaseError::NotOwner));
    assert!(lock.is_locked());
    lock.release().unwrap();
    assert!(!lock.is_locked());
    assert_eq!(lock.release(), Err(ReleaseError::NotLocked));
}

#[test]
fn threads_of_one_process_exclude_each_other_too() {
    let name = TestName::new("threads");
    let lock = Arc::new(Lock::create(&name, 0u64).unwrap());
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let lock = Arc::clone(&lock);
            std::thread::spawn(move || {
                for _ in 0..10_000 {
                    let mut counter = lock.acquire().unwrap();
                    let value = *counter;
                    std::hint::black_box(());
                    *counter = value + 1;
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    assert_eq!(*lock.acquire().unwrap(), 40_000);
}

#[test]
fn priority_inheritance_is_an_option_that_works_the_same() {
    let name = TestName::new("pi");
    let options = Options::new().priority_inheritance(true);
    let lock = Arc::new(Lock::create_with(&name, 0u64, options).unwrap());
    let other = Arc::new(Lock::<u64>::open(&name).unwrap());
    let guard = lock.acquire().unwrap();
    let (tried, timed) = {
        let other = Arc::clone(&other);
        std::thread::spawn(move || {
            let tried = other.try_acquire().map(drop);
            let timed = other.acquire_timeout(Duration::from_millis(10)).map(drop);
            (tried, timed)
        })
        .join()
        .unwrap()
    };
    assert_eq!(tried, Err(AcquireError::WouldBlock));
    assert_eq!(timed, Err(AcquireError::Timeout));
    drop(guard);
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let lock = Arc::clone(&lock);
            std::thread::spawn(move || {
                for _ in 0..5_000 {
                    *lock.acquire().unwrap() += 1;
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    assert_eq!(*other.acquire().unwrap(), 10_000);
}

#[test]
fn unlinking_leaves_current_users_sharing_the_old_lock() {
    let name = TestName::new("unlink");
    let old = Lock::create(&name, 0u64).unwrap();
    let mut holder = Helper::spawn("hold", &name, None);
    holder.expect("locked");
    Lock::<u64>::unlink(&name).unwrap();

    // Those who had it open still share it …
    assert_eq!(old.try_acquire().unwrap_err(), AcquireError::WouldBlock);
    // … but the name is gone, and a new lock under it is a different lock.
    assert!(matches!(
        Lock::<u64>::open(&name),
        Err(threadkit_ipc::OpenError::NotFound { .. })
    ));
    let new = Lock::create(&name, 7u64).unwrap();
    assert_eq!(*new.try_acquire().unwrap(), 7);

    holder.tell("release");
    holder.expect("released");
    assert!(holder.wait().success());
    assert!(old.try_acquire().is_ok());
}

#[test]
fn dropping_a_handle_while_a_forgotten_guard_holds_it_is_safe() {
    let name = TestName::new("forgotten");
    let lock = Lock::create(&name, 0u64).unwrap();
    std::mem::forget(lock.acquire().unwrap());
    // The mutex is in this thread's robust list: the handle must leave it mapped.
    drop(lock);
    // Other robust locks still work on this thread (the C library walks its list).
    let other_name = TestName::new("forgotten-other");
    let other = Lock::create(&other_name, 0u64).unwrap();
    for _ in 0..3 {
        *other.acquire().unwrap() += 1;
    }
    let reopened = Lock::<u64>::open(&name).unwrap();
    assert_eq!(reopened.try_acquire().unwrap_err(), AcquireError::Deadlock);
}

#[test]
fn a_guard_copied_into_a_fork_child_leaves_the_parents_hold_alone() {
    // The helper forks while holding the lock; its child drops its copy of the guard.
    // Then the helper forgets the guard and drops its handle.
    let name = TestName::new("fork-forget");
    let lock = Lock::create(&name, 0u64).unwrap();
    let mut helper = Helper::spawn("fork-with-guard", &name, Some(0));
    assert_eq!(
        helper.expect("child"),
        "child exit=0",
        "no panic in the child"
    );
    assert_eq!(
        helper.expect("locked"),
        "locked=true",
        "the child released nothing"
    );
    // The mutex is still in the helper thread's robust list: the mapping must stay.
    assert_eq!(helper.expect("mapped"), "mapped=true");
    assert!(lock.is_locked());
    helper.tell("exit");
    assert!(helper.wait().success());
    // The kernel followed the robust list on exit and released the hold.
    let guard = lock.acquire_timeout(Duration::from_secs(10)).unwrap();
    assert!(guard.owner_died());
}

#[test]
fn a_parent_releases_normally_after_a_fork_child_dropped_its_guard_copy() {
    let name = TestName::new("fork-release");
    let lock = Lock::create(&name, 0u64).unwrap();
    let mut helper = Helper::spawn("fork-with-guard", &name, Some(1));
    assert_eq!(
        helper.expect("child"),
        "child exit=0",
        "no panic in the child"
    );
    assert_eq!(
        helper.expect("locked"),
        "locked=true",
        "the child released nothing"
    );
    assert_eq!(helper.expect("released"), "released locked=false");
    let guard = lock.try_acquire().unwrap();
    assert!(!guard.owner_died());
    drop(guard);
    helper.tell("exit");
    assert!(helper.wait().success());
}

#[test]
fn debug_never_blocks() {
    let name = TestName::new("debug");
    let lock = Lock::create(&name, 5u32).unwrap();
    let guard = lock.acquire().unwrap();
    let text = format!("{lock:?}");
    assert!(text.contains("locked: true"), "{text}");
    assert!(format!("{guard:?}").contains("data: 5"));
}

#[test]
fn a_thread_that_ends_holding_the_lock_wakes_a_sleeping_waiter() {
    let name = TestName::new("thread-end-wakes");
    let lock = Arc::new(Lock::create(&name, 0u64).unwrap());
    // No periodic look at the holder: only the ending thread's wake-up ends the wait.
    testing::disable_lock_recheck(&lock);
    let (held, is_held) = channel();
    let (end, ending) = channel::<()>();
    let holder = {
        let lock = Arc::clone(&lock);
        std::thread::spawn(move || {
            let mut guard = lock.acquire().unwrap();
            *guard = 7;
            std::mem::forget(guard);
            held.send(()).unwrap();
            ending.recv().unwrap();
        })
    };
    is_held.recv().unwrap();
    let (tid, waiter_tid) = channel();
    // At its deadline a waiter looks at the holder one last time (and would find it
    // gone): the lock must come before, from the wake-up.
    let deadline = Instant::now() + Duration::from_secs(10);
    let waiter = {
        let lock = Arc::clone(&lock);
        std::thread::spawn(move || {
            tid.send(current_tid()).unwrap();
            let guard = lock.acquire_deadline(deadline);
            let at = Instant::now();
            guard.map(|guard| (guard.owner_died(), *guard, at))
        })
    };
    wait_until_asleep(std::process::id(), waiter_tid.recv().unwrap());
    end.send(()).unwrap();
    holder.join().unwrap();
    let (owner_died, value, at) = waiter.join().unwrap().unwrap();
    assert!(at < deadline, "not woken: it waited until its deadline");
    assert!(owner_died);
    assert_eq!(value, 7);
}

#[test]
fn a_process_killed_while_a_waiter_sleeps_is_found_dead_within_a_second() {
    let name = TestName::new("killed-sleeping");
    let lock = Arc::new(Lock::create(&name, 0u64).unwrap());
    let mut holder = Helper::spawn("hold", &name, None);
    holder.expect("locked owner_died=false");
    let (tid, waiter_tid) = channel();
    let waiter = {
        let lock = Arc::clone(&lock);
        std::thread::spawn(move || {
            tid.send(current_tid()).unwrap();
            let guard = lock.acquire_timeout(Duration::from_secs(10));
            (guard.map(|guard| guard.owner_died()), Instant::now())
        })
    };
    // The waiter sleeps on the lock word; nothing wakes it when a process dies: it must
    // find out by looking again on its own.
    wait_until_asleep(std::process::id(), waiter_tid.recv().unwrap());
    holder.kill_unreaped();
    let dead_at = holder.wait_until_dead();
    let (owner_died, recovered_at) = waiter.join().unwrap();
    assert_eq!(owner_died, Ok(true));
    let delay = recovered_at.saturating_duration_since(dead_at);
    assert!(delay < Duration::from_secs(1), "recovered after {delay:?}");
    holder.kill();
}

#[test]
fn a_threads_slot_is_freed_when_it_ends_or_drops_its_handle() {
    let name = TestName::new("slots-freed");
    let lock = Arc::new(Lock::create(&name, 0u64).unwrap());
    assert_eq!(testing::lock_threads(&lock), 0);
    // Twice as many threads as slots, one after another: each frees its slot as it ends.
    let threads = 2 * MAX_LOCK_THREADS;
    for _ in 0..threads {
        let lock = Arc::clone(&lock);
        std::thread::spawn(move || *lock.acquire().unwrap() += 1)
            .join()
            .unwrap();
    }
    assert_eq!(testing::lock_threads(&lock), 0);
    assert_eq!(*lock.acquire().unwrap(), threads as u64);
    assert_eq!(testing::lock_threads(&lock), 1, "this thread's");

    // A thread that drops a handle it holds nothing through frees its slot at once.
    let other = Lock::<u64>::open(&name).unwrap();
    drop(other.acquire().unwrap());
    assert_eq!(testing::lock_threads(&lock), 2);
    drop(other);
    assert_eq!(testing::lock_threads(&lock), 1);

    // A handle dropped by another thread: the user's slot is freed the next time it
    // claims one (here, in another lock).
    let shared = Arc::new(Lock::<u64>::open(&name).unwrap());
    let (told, hear) = channel::<&str>();
    let (tell, heard) = channel::<()>();
    let user = {
        let shared = Arc::clone(&shared);
        let other_name = TestName::new("slots-freed-other");
        std::thread::spawn(move || {
            drop(shared.acquire().unwrap());
            drop(shared);
            told.send("used").unwrap();
            heard.recv().unwrap();
            let other = Lock::create(&other_name, 0u64).unwrap();
            drop(other.acquire().unwrap());
            told.send("moved on").unwrap();
            heard.recv().unwrap();
        })
    };
    assert_eq!(hear.recv().unwrap(), "used");
    assert_eq!(testing::lock_threads(&lock), 2);
    drop(shared); // by this thread, which never used it
    assert_eq!(
        testing::lock_threads(&lock),
        2,
        "the user's slot stays for now"
    );
    tell.send(()).unwrap();
    assert_eq!(hear.recv().unwrap(), "moved on");
    assert_eq!(testing::lock_threads(&lock), 1);
    tell.send(()).unwrap();
    user.join().unwrap();
}

#[test]
fn a_full_table_refuses_one_more_thread_until_one_ends() {
    let name = TestName::new("table-full");
    let lock = Arc::new(Lock::create(&name, 0u64).unwrap());
    let registered = Arc::new(Barrier::new(MAX_LOCK_THREADS + 1));
    let finish = Arc::new(Barrier::new(MAX_LOCK_THREADS + 1));
    let threads: Vec<_> = (0..MAX_LOCK_THREADS)
        .map(|_| {
            let (lock, registered, finish) = (
                Arc::clone(&lock),
                Arc::clone(&registered),
                Arc::clone(&finish),
            );
            std::thread::Builder::new()
                .stack_size(64 << 10)
                .spawn(move || {
                    *lock.acquire().unwrap() += 1;
                    registered.wait();
                    finish.wait();
                })
                .unwrap()
        })
        .collect();
    registered.wait();
    assert_eq!(testing::lock_threads(&lock), MAX_LOCK_THREADS);
    let full = AcquireError::TooManyThreads {
        max: MAX_LOCK_THREADS,
    };
    assert_eq!(lock.try_acquire().unwrap_err(), full);
    assert_eq!(lock.acquire().unwrap_err(), full);
    assert!(!lock.is_locked(), "a refused thread holds nothing");
    finish.wait();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(*lock.acquire().unwrap(), MAX_LOCK_THREADS as u64);
}

#[test]
fn the_slots_of_a_killed_process_are_taken_back() {
    let name = TestName::new("table-dead");
    let lock = Lock::create(&name, 0u64).unwrap();
    let mut helper = Helper::spawn("claim-threads", &name, Some(MAX_LOCK_THREADS as u64));
    helper.expect("claimed");
    assert_eq!(testing::lock_threads(&lock), MAX_LOCK_THREADS);
    assert_eq!(
        lock.try_acquire().unwrap_err(),
        AcquireError::TooManyThreads {
            max: MAX_LOCK_THREADS
        }
    );
    helper.kill();
    // Every slot still reads as claimed, by threads that died: one is taken back.
    let guard = lock.try_acquire().unwrap();
    assert!(!guard.owner_died(), "nobody died holding the lock itself");
    assert_eq!(*guard, MAX_LOCK_THREADS as u64);
}

#[test]
fn a_fork_child_takes_a_slot_of_its_own_and_its_death_is_an_owner_death() {
    // The helper's thread has a slot (cached); its fork child is another thread and
    // must not pass for it: it acquires, dies holding the lock, and the parent is
    // told the owner died (not that it deadlocks on itself).
    let name = TestName::new("fork-child-holds");
    let lock = Lock::create(&name, 0u64).unwrap();
    let mut helper = Helper::spawn("fork-child-holds", &name, None);
    assert_eq!(helper.expect("child"), "child exit=0");
    assert_eq!(
        helper.expect("acquired"),
        "acquired owner_died=true value=1"
    );
    assert!(helper.wait().success());
    assert!(!lock.acquire().unwrap().owner_died());
}

#[test]
fn a_priority_inheritance_lock_survives_a_killed_holder_too() {
    let name = TestName::new("pi-killed");
    let options = Options::new().priority_inheritance(true);
    let lock = Lock::create_with(&name, 0u64, options).unwrap();
    let mut holder = Helper::spawn("hold", &name, None);
    holder.expect("locked owner_died=false");
    assert_eq!(lock.try_acquire().unwrap_err(), AcquireError::WouldBlock);
    holder.kill();
    let guard = lock.acquire_timeout(Duration::from_secs(10)).unwrap();
    assert!(guard.owner_died());
    drop(guard);
    assert!(!lock.acquire().unwrap().owner_died());
    assert_eq!(testing::lock_threads(&lock), 0, "this mode uses no slots");
}

#[test]
fn a_hold_taken_through_one_handle_is_released_through_another() {
    let name = TestName::new("two-handles");
    let first = Lock::create(&name, ()).unwrap();
    let second = Arc::new(Lock::<()>::open(&name).unwrap());
    first.acquire().unwrap().detach();
    assert_eq!(second.try_acquire().unwrap_err(), AcquireError::Deadlock);
    assert_eq!(second.acquire().unwrap_err(), AcquireError::Deadlock);
    let elsewhere = {
        let second = Arc::clone(&second);
        std::thread::spawn(move || second.release()).join().unwrap()
    };
    assert_eq!(elsewhere, Err(ReleaseError::NotOwner));
    second.release().unwrap();
    assert!(!first.is_locked());
    let guard = first.acquire().unwrap();
    assert_eq!(second.release(), Err(ReleaseError::HeldByGuard));
    drop(guard);
    assert_eq!(second.release(), Err(ReleaseError::NotLocked));
}

#[test]
fn a_detached_acquisition_is_a_python_style_hold() {
    let name = TestName::new("detached");
    let lock = Arc::new(Lock::create(&name, ()).unwrap());

    assert!(!lock.acquire_detached().unwrap().owner_died());
    assert!(lock.is_locked());
    assert_eq!(lock.acquire_detached().unwrap_err(), AcquireError::Deadlock);
    assert_eq!(
        lock.try_acquire_detached().unwrap_err(),
        AcquireError::Deadlock
    );
    assert_eq!(lock.acquire().unwrap_err(), AcquireError::Deadlock);
    let (tried, timed, released) = {
        let lock = Arc::clone(&lock);
        std::thread::spawn(move || {
            let tried = lock.try_acquire_detached().map(|held| held.owner_died());
            let deadline = Instant::now() + Duration::from_millis(10);
            let timed = lock
                .acquire_detached_deadline(deadline)
                .map(|held| held.owner_died());
            (tried, timed, lock.release())
        })
        .join()
        .unwrap()
    };
    assert_eq!(tried, Err(AcquireError::WouldBlock));
    assert_eq!(timed, Err(AcquireError::Timeout));
    assert_eq!(released, Err(ReleaseError::NotOwner));
    lock.release().unwrap();
    assert!(!lock.is_locked());
    assert_eq!(lock.release(), Err(ReleaseError::NotLocked));

    // A guard's hold is not released by `release`, a detached one is.
    let guard = lock.acquire().unwrap();
    assert_eq!(
        lock.try_acquire_detached().unwrap_err(),
        AcquireError::Deadlock
    );
    assert_eq!(lock.release(), Err(ReleaseError::HeldByGuard));
    drop(guard);

    // A thread that ends holding it detached is an owner death.
    {
        let lock = Arc::clone(&lock);
        std::thread::spawn(move || lock.acquire_detached().map(|held| held.owner_died()))
            .join()
            .unwrap()
            .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    assert!(
        lock.acquire_detached_deadline(deadline)
            .unwrap()
            .owner_died()
    );
    lock.release().unwrap();
    assert!(!lock.try_acquire_detached().unwrap().owner_died());
    lock.release().unwrap();
}

#[test]
fn a_detached_release_wakes_a_parked_waiter() {
    let name = TestName::new("detached-wake");
    let lock = Arc::new(Lock::create(&name, ()).unwrap());
    assert!(!lock.acquire_detached().unwrap().owner_died());
    testing::disable_lock_recheck(&lock);
    let (tid, waiter_tid) = channel();
    let deadline = Instant::now() + Duration::from_secs(10);
    let waiter = {
        let lock = Arc::clone(&lock);
        std::thread::spawn(move || {
            tid.send(current_tid()).unwrap();
            let held = lock.acquire_detached_deadline(deadline);
            let at = Instant::now();
            let released = lock.release();
            (held.map(|held| held.owner_died()), released, at)
        })
    };
    wait_until_asleep(std::process::id(), waiter_tid.recv().unwrap());
    lock.release().unwrap();
    let (held, released, at) = waiter.join().unwrap();
    assert_eq!(held, Ok(false));
    assert_eq!(released, Ok(()));
    assert!(at < deadline, "not woken: it waited until its deadline");
    assert!(!lock.is_locked());
}

#[test]
fn detached_holds_exclude_each_other_across_threads() {
    const PER_THREAD: u64 = 20_000;
    let name = TestName::new("detached-count");
    let lock = Arc::new(Lock::create(&name, ()).unwrap());
    // A read and a separate write: only mutual exclusion keeps every increment.
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (lock, counter) = (Arc::clone(&lock), Arc::clone(&counter));
            std::thread::spawn(move || {
                for _ in 0..PER_THREAD {
                    assert!(!lock.acquire_detached().unwrap().owner_died());
                    let value = counter.load(std::sync::atomic::Ordering::Relaxed);
                    std::hint::black_box(());
                    counter.store(value + 1, std::sync::atomic::Ordering::Relaxed);
                    lock.release().unwrap();
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    assert_eq!(
        counter.load(std::sync::atomic::Ordering::Relaxed),
        4 * PER_THREAD
    );
}

#[test]
fn a_priority_inheritance_lock_takes_detached_holds_too() {
    let name = TestName::new("pi-detached");
    let options = Options::new().priority_inheritance(true);
    let lock = Arc::new(Lock::create_with(&name, (), options).unwrap());
    assert!(!lock.acquire_detached().unwrap().owner_died());
    assert_eq!(
        lock.try_acquire_detached().unwrap_err(),
        AcquireError::Deadlock
    );
    let tried = {
        let lock = Arc::clone(&lock);
        std::thread::spawn(move || (lock.try_acquire_detached().map(|_| ()), lock.release()))
            .join()
            .unwrap()
    };
    assert_eq!(
        tried,
        (Err(AcquireError::WouldBlock), Err(ReleaseError::NotOwner))
    );
    lock.release().unwrap();
    assert_eq!(lock.release(), Err(ReleaseError::NotLocked));
    let deadline = Instant::now() + Duration::from_secs(5);
    assert!(
        !lock
            .acquire_detached_deadline(deadline)
            .unwrap()
            .owner_died()
    );
    lock.release().unwrap();
}
