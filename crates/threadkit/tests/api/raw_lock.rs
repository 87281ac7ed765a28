use std::time::Duration;

use lock_api::{RawMutex, RawMutexTimed};
use threadkit::{RawLock, ReleaseError};

#[test]
fn python_style_acquire_and_checked_release() {
    let lock = RawLock::named("raw");
    assert_eq!(lock.name(), Some("raw"));
    lock.acquire();
    assert!(lock.is_locked());
    assert!(!lock.try_acquire());
    assert!(!lock.acquire_timeout(Duration::from_millis(5)));
    assert_eq!(lock.release(), Ok(()));
    assert_eq!(lock.release(), Err(ReleaseError::NotLocked));
}

#[test]
fn lock_api_mutex_over_raw_lock() {
    let mutex: lock_api::Mutex<RawLock, Vec<u8>> = lock_api::Mutex::new(Vec::new());
    mutex.lock().push(1);
    {
        let _held = mutex.lock();
        assert!(mutex.try_lock().is_none());
        assert!(mutex.try_lock_for(Duration::from_millis(5)).is_none());
        assert!(mutex.is_locked());
    }
    assert_eq!(*mutex.lock(), [1]);
}

#[test]
fn lock_api_guard_cannot_be_released_by_hand() {
    let raw = <RawLock as RawMutex>::INIT;
    let guard = raw.lock();
    assert_eq!(raw.release(), Err(ReleaseError::HeldByGuard));
    // SAFETY: `guard` came from this lock's `lock`.
    unsafe { raw.unlock(guard) };
    assert!(!raw.is_locked());
    assert!(raw.try_lock_for(Duration::ZERO).is_some());
}
