//! Shared (not process-private) futexes: waits and wake-ups on a 32-bit word in a
//! shared mapping, matched by the kernel across processes by the underlying page, not
//! by the address each process maps it at.

use std::sync::atomic::AtomicU32;
use std::time::Duration;

/// Blocks while `*word == expected`, for at most `timeout` (`None`: no limit). May
/// return early (a wake-up, a signal, the word already changed): callers re-check.
pub(crate) fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) {
    let timespec = timeout.map(|t| libc::timespec {
        tv_sec: libc::time_t::try_from(t.as_secs()).unwrap_or(libc::time_t::MAX),
        // Below 10^9: fits every platform's c_long.
        tv_nsec: t.subsec_nanos() as libc::c_long,
    });
    let timespec_ptr = timespec
        .as_ref()
        .map_or(std::ptr::null(), std::ptr::from_ref);
    // SAFETY: `word` is a valid, aligned u32 for the duration of the call, and the
    // timespec (or null) outlives it. FUTEX_WAIT (relative timeout, monotonic clock)
    // only reads them; every outcome (woken, EAGAIN, EINTR, ETIMEDOUT) is handled by
    // the caller re-checking the word.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT,
            expected,
            timespec_ptr,
        );
    }
}

/// Wakes up to `count` threads, in any process, blocked on `word`.
pub(crate) fn wake(word: &AtomicU32, count: u32) {
    let count = libc::c_int::try_from(count).unwrap_or(libc::c_int::MAX);
    // SAFETY: FUTEX_WAKE only uses the address to find waiters; `word` is valid.
    unsafe {
        libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, count);
    }
}

/// Wakes every thread blocked on `word`.
pub(crate) fn wake_all(word: &AtomicU32) {
    wake(word, u32::MAX);
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::Ordering;
    use std::time::Instant;

    use super::*;

    #[test]
    fn a_wait_times_out_and_a_changed_word_returns_at_once() {
        let word = AtomicU32::new(0);
        let started = Instant::now();
        wait(&word, 0, Some(Duration::from_millis(20)));
        assert!(started.elapsed() >= Duration::from_millis(20));
        // The word is not 1: the wait returns at once instead of sleeping 10 s.
        let started = Instant::now();
        wait(&word, 1, Some(Duration::from_secs(10)));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn wake_releases_a_waiter() {
        let word = Arc::new(AtomicU32::new(0));
        let (tid_sender, tid) = std::sync::mpsc::channel();
        let waiter = {
            let word = Arc::clone(&word);
            std::thread::spawn(move || {
                // SAFETY: gettid has no preconditions and cannot fail.
                tid_sender.send(unsafe { libc::gettid() }).unwrap();
                // One wait: only a wake-up ends it before its 10 s timeout.
                wait(&word, 0, Some(Duration::from_secs(10)));
                word.load(Ordering::Acquire)
            })
        };
        // Wake it only once it sleeps in the kernel (the only place it can sleep).
        let stat = format!("/proc/self/task/{}/stat", tid.recv().unwrap());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = std::fs::read_to_string(&stat).unwrap();
            let state = text[text.rfind(')').unwrap() + 1..]
                .trim_start()
                .chars()
                .next();
            if state == Some('S') {
                break;
            }
            assert!(Instant::now() < deadline, "the waiter never slept");
            std::thread::yield_now();
        }
        let woken = Instant::now();
        word.store(1, Ordering::Release);
        wake_all(&word);
        assert_eq!(waiter.join().unwrap(), 1);
        assert!(
            woken.elapsed() < Duration::from_secs(5),
            "not woken: timed out"
        );
    }
}
