use std::sync::Arc;
use std::time::{Duration, Instant};

use threadkit::{BoundedSemaphore, MAX_PERMITS, ReleaseError, Semaphore};

use crate::support::{spawn_named, wait_until_blocked};

#[test]
fn permits_are_counted() {
    let semaphore = Semaphore::new(2);
    let a = semaphore.acquire();
    let b = semaphore.try_acquire().expect("second permit");
    assert!(semaphore.try_acquire().is_none());
    assert_eq!(semaphore.available_permits(), 0);
    drop(a);
    drop(b);
    assert_eq!(semaphore.available_permits(), 2);
}

#[test]
fn timeout_forms() {
    let semaphore = Semaphore::new(0);
    let start = Instant::now();
    assert!(
        semaphore
            .acquire_timeout(Duration::from_millis(20))
            .is_none()
    );
    assert!(start.elapsed() >= Duration::from_millis(20));
    assert!(semaphore.acquire_deadline(Instant::now()).is_none());
    semaphore.release(1).unwrap();
    assert!(semaphore.acquire_timeout(Duration::MAX).is_some());
}

#[test]
fn release_wakes_a_waiter() {
    let semaphore = Arc::new(Semaphore::new(0));
    let waiter = {
        let semaphore = Arc::clone(&semaphore);
        spawn_named("sem-waiter", move || semaphore.acquire().forget())
    };
    wait_until_blocked("sem-waiter");
    semaphore.release(1).unwrap();
    waiter.join().unwrap();
    assert_eq!(semaphore.available_permits(), 0);
}

#[test]
fn release_n_wakes_n_waiters() {
    let semaphore = Arc::new(Semaphore::new(0));
    let waiters: Vec<_> = (0..3)
        .map(|i| {
            let semaphore = Arc::clone(&semaphore);
            spawn_named(&format!("sem-n-{i}"), move || semaphore.acquire().forget())
        })
        .collect();
    for i in 0..3 {
        wait_until_blocked(&format!("sem-n-{i}"));
    }
    semaphore.release(3).unwrap();
    for w in waiters {
        w.join().unwrap();
    }
    assert_eq!(semaphore.available_permits(), 0);
}

#[test]
fn release_errors_leave_the_count_unchanged() {
    let semaphore = Semaphore::new(1);
    assert_eq!(semaphore.release(0), Err(ReleaseError::ZeroCount));
    assert_eq!(semaphore.release(MAX_PERMITS), Err(ReleaseError::Overflow));
    assert_eq!(semaphore.release(usize::MAX), Err(ReleaseError::Overflow));
    assert_eq!(semaphore.available_permits(), 1);
    assert_eq!(Semaphore::new(usize::MAX).available_permits(), MAX_PERMITS);
}

#[test]
fn bounded_semaphore_refuses_over_release() {
    let semaphore = BoundedSemaphore::new(2);
    assert_eq!(semaphore.release(1), Err(ReleaseError::TooManyReleases));
    let permit = semaphore.acquire();
    assert_eq!(semaphore.release(2), Err(ReleaseError::TooManyReleases));
    assert_eq!(semaphore.available_permits(), 1, "unchanged");
    assert_eq!(semaphore.release(0), Err(ReleaseError::ZeroCount));
    drop(permit);
    assert_eq!(semaphore.available_permits(), 2);
    assert_eq!(semaphore.bound(), 2);
}

#[test]
fn bounded_permit_given_back_after_manual_release_stays_at_bound() {
    let semaphore = BoundedSemaphore::new(1);
    let permit = semaphore.acquire();
    semaphore.release(1).unwrap();
    drop(permit);
    assert_eq!(semaphore.available_permits(), 1);
}

#[test]
fn bounded_timeouts_and_waking() {
    let semaphore = Arc::new(BoundedSemaphore::named("slots", 1));
    assert_eq!(semaphore.name(), Some("slots"));
    let held = semaphore.acquire();
    assert!(semaphore.try_acquire().is_none());
    assert!(
        semaphore
            .acquire_timeout(Duration::from_millis(10))
            .is_none()
    );
    let waiter = {
        let semaphore = Arc::clone(&semaphore);
        spawn_named("bsem-waiter", move || {
            semaphore
                .acquire_deadline(Instant::now() + Duration::from_secs(10))
                .is_some()
        })
    };
    wait_until_blocked("bsem-waiter");
    drop(held);
    assert!(waiter.join().unwrap());
}

#[test]
fn python_style_forget_and_release() {
    let semaphore = Semaphore::named("py", 1);
    semaphore.acquire().forget();
    assert_eq!(semaphore.available_permits(), 0);
    semaphore.release(1).unwrap();
    assert_eq!(semaphore.available_permits(), 1);
    assert!(format!("{semaphore:?}").contains("available_permits: 1"));
}
