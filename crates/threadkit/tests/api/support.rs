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
pub fn wait_until_blocked(name: &str) {
    threadkit::diagnostics::enable();
    wait_until(&format!("{name} is blocked"), || {
        threadkit::diagnostics::snapshot()
            .iter()
            .any(|t| t.name == name && t.waiting_on.is_some())
    });
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
