//! Helpers: waiting for another thread to reach a state, without sleeping.

use std::time::{Duration, Instant};

/// Spins (yielding) until `condition` holds; panics after 10 s.
pub fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::yield_now();
    }
}

/// Waits until the thread named `name` is blocked on something, as diagnostics see it.
/// The thread must have been started with [`spawn_named`], which switches diagnostics
/// on first (a wait that began while they were off is not recorded).
///
/// A wait is recorded just before the thread looks at what it waits for one last time
/// and parks; where the kernel can tell, this also waits until the thread is asleep,
/// so that a change made now is one it must be woken for (not one it could see and
/// miss, like an event set and cleared again).
pub fn wait_until_blocked(name: &str) {
    threadkit::diagnostics::enable();
    wait_until(&format!("{name} is blocked"), || {
        threadkit::diagnostics::snapshot()
            .iter()
            .any(|t| t.name == name && t.waiting_on.is_some() && t.native_id.is_none_or(asleep))
    });
}

/// Whether the kernel has thread `tid` of this process asleep (assumed where it cannot
/// be read: off Linux, and under Miri).
fn asleep(tid: u64) -> bool {
    #[cfg(all(target_os = "linux", not(miri)))]
    {
        std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).is_ok_and(|stat| {
            stat.rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('S'))
        })
    }
    #[cfg(not(all(target_os = "linux", not(miri))))]
    {
        let _ = tid;
        true
    }
}

/// Switches diagnostics on, then spawns a named thread (so its waits are recorded).
pub fn spawn_named<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> std::thread::JoinHandle<T> {
    threadkit::diagnostics::enable();
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(f)
        .expect("spawn")
}
