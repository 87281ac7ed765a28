//! The other process of threadkit-ipc's multi-process tests.
//!
//! `threadkit-ipc-test-helper ROLE NAME [ARG]`: opens the object NAME, plays ROLE, and
//! reports each step as one line on stdout; where a role waits for the test, it reads
//! a line from stdin (end of input counts too). Exit code 0 on success, 2 on misuse,
//! 3 when an operation failed (the error is printed).

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("threadkit-ipc-test-helper: threadkit-ipc supports Linux only");
    std::process::exit(2);
}

#[cfg(target_os = "linux")]
fn main() {
    linux::main();
}

#[cfg(target_os = "linux")]
mod linux {
    use std::hint::black_box;
    use std::io::{BufRead, Write};
    use std::time::{Duration, Instant};

    use threadkit_ipc::{AcquireError, BoundedSemaphore, Event, Lock, Semaphore};

    pub fn main() {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let [role, name, rest @ ..] = args.as_slice() else {
            eprintln!("usage: threadkit-ipc-test-helper ROLE NAME [ARG]");
            std::process::exit(2);
        };
        let arg = || -> u64 {
            rest.first()
                .and_then(|a| a.parse().ok())
                .unwrap_or_else(|| fail("a numeric argument is needed"))
        };
        match role.as_str() {
            "count" => count(name, arg()),
            "hold" => hold(name),
            "hold-half-updated" => hold_half_updated(name),
            "fork-with-guard" => fork_with_guard(name, arg()),
            "fork-child-holds" => fork_child_holds(name),
            "claim-threads" => claim_threads(name, arg()),
            "acquire-within" => acquire_within(name, Duration::from_millis(arg())),
            "lease" => lease(name, arg(), false),
            "lease-and-forget" => lease(name, arg(), true),
            "lease-bounded" => lease_bounded(name, arg()),
            "wait-event" => wait_event(name, Duration::from_millis(arg())),
            "set-event" => or_fail(Event::open(name)).set(),
            other => fail(&format!("unknown role {other}")),
        }
    }

    /// Waits for `go`, then adds 1 to the counter `times` times under the lock, reading
    /// and writing back with some work in between (so that without mutual exclusion,
    /// updates would be lost).
    fn count(name: &str, times: u64) {
        let lock = or_fail(Lock::<u64>::open(name));
        say("ready");
        wait_for_line();
        for _ in 0..times {
            let mut counter = or_fail(lock.acquire());
            let value = *counter;
            for _ in 0..black_box(20) {
                std::hint::spin_loop();
            }
            *counter = black_box(value) + 1;
        }
        say("done");
    }

    /// Holds the lock until told to release it (or until killed).
    fn hold(name: &str) {
        let lock = or_fail(Lock::<u64>::open(name));
        let guard = or_fail(lock.acquire());
        say(&format!("locked owner_died={}", guard.owner_died()));
        wait_for_line();
        drop(guard);
        say("released");
    }

    /// Holds a `Lock<[u64; 2]>` whose invariant is `[0] == [1]`, having updated only the
    /// first half, and waits to be killed.
    fn hold_half_updated(name: &str) {
        let lock = or_fail(Lock::<[u64; 2]>::open(name));
        let mut pair = or_fail(lock.acquire());
        pair[0] += 1;
        say("half-updated");
        wait_for_line();
        pair[1] += 1;
        drop(pair);
        say("completed");
    }

    /// Holds the lock through a guard and forks; the child drops its copy of the guard
    /// (the hold is the parent's thread's, so that must change nothing) and exits. Then
    /// says how the child ended and whether the lock is still held, and with ARG 0
    /// forgets the guard and drops the handle (whose mapping must stay: the mutex is in
    /// this thread's robust list) and says whether the object is still mapped; with
    /// ARG 1 drops the guard (a normal release) and says whether the lock is free.
    /// Then waits to be told to exit (the kernel releases a hold left behind).
    fn fork_with_guard(name: &str, mode: u64) {
        let lock = or_fail(Lock::<u64>::open(name));
        let guard = or_fail(lock.acquire());
        // SAFETY: this helper has one thread, so the child may run any code the parent
        // could; both go on with valid copies of the same memory.
        let child = unsafe { libc::fork() };
        if child < 0 {
            fail("fork failed");
        }
        if child == 0 {
            drop(guard);
            // SAFETY: ends the child at once, without the parent's exit-time work.
            unsafe { libc::_exit(0) };
        }
        let mut status = 0;
        // SAFETY: `child` is our child's pid; `status` is valid to write.
        if unsafe { libc::waitpid(child, &mut status, 0) } != child {
            fail("waitpid failed");
        }
        let code = if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            128 + libc::WTERMSIG(status)
        };
        say(&format!("child exit={code}"));
        say(&format!("locked={}", lock.is_locked()));
        if mode == 0 {
            std::mem::forget(guard);
            drop(lock);
            say(&format!("mapped={}", is_mapped(name)));
        } else {
            drop(guard);
            say(&format!("released locked={}", lock.is_locked()));
        }
        wait_for_line();
    }

    /// Uses the lock (so this thread has a liveness slot, cached), then forks; the
    /// child — another thread, which must take a slot of its own — acquires the lock
    /// and ends holding it (`_exit`: no destructor runs; the kernel releases its slot).
    /// Then says how the child ended, and how the next acquisition here went.
    fn fork_child_holds(name: &str) {
        let lock = or_fail(Lock::<u64>::open(name));
        drop(or_fail(lock.acquire()));
        // SAFETY: this helper has one thread, so the child may run any code the parent
        // could; both go on with valid copies of the same memory.
        let child = unsafe { libc::fork() };
        if child < 0 {
            fail("fork failed");
        }
        if child == 0 {
            let code = match lock.try_acquire() {
                Ok(mut guard) => {
                    *guard += 1;
                    std::mem::forget(guard);
                    0
                }
                Err(_) => 1,
            };
            // SAFETY: ends the child at once, without the parent's exit-time work.
            unsafe { libc::_exit(code) };
        }
        let mut status = 0;
        // SAFETY: `child` is our child's pid; `status` is valid to write.
        if unsafe { libc::waitpid(child, &mut status, 0) } != child {
            fail("waitpid failed");
        }
        let code = if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            128 + libc::WTERMSIG(status)
        };
        say(&format!("child exit={code}"));
        match lock.acquire_timeout(Duration::from_secs(10)) {
            Ok(guard) => say(&format!(
                "acquired owner_died={} value={}",
                guard.owner_died(),
                *guard
            )),
            Err(error) => say(&format!("error: {error}")),
        }
    }

    /// Starts `n` threads that each acquire and release the lock once (so each holds a
    /// liveness slot) and then stay; says `claimed`, then waits to be killed.
    fn claim_threads(name: &str, n: u64) {
        let lock = std::sync::Arc::new(or_fail(Lock::<u64>::open(name)));
        let (sender, results) = std::sync::mpsc::channel();
        for _ in 0..n {
            let lock = std::sync::Arc::clone(&lock);
            let sender = sender.clone();
            std::thread::Builder::new()
                .stack_size(64 << 10)
                .spawn(move || {
                    let result = lock.acquire().map(|mut guard| *guard += 1);
                    let _ = sender.send(result);
                    loop {
                        std::thread::park();
                    }
                })
                .unwrap_or_else(|_| fail("cannot start a thread"));
        }
        for _ in 0..n {
            or_fail(results.recv().unwrap_or_else(|_| fail("a thread vanished")));
        }
        say("claimed");
        wait_for_line();
    }

    /// Whether this process maps the shared memory object `name`.
    fn is_mapped(name: &str) -> bool {
        let path = format!("/dev/shm/{}", name.trim_start_matches('/'));
        std::fs::read_to_string("/proc/self/maps")
            .unwrap_or_else(|_| fail("cannot read /proc/self/maps"))
            .lines()
            .any(|line| line.split_ascii_whitespace().nth(5) == Some(path.as_str()))
    }

    /// Acquires with a timeout and says what happened.
    fn acquire_within(name: &str, timeout: Duration) {
        let lock = or_fail(Lock::<u64>::open(name));
        say("trying");
        let started = Instant::now();
        match lock.acquire_timeout(timeout) {
            Ok(guard) => say(&format!("acquired owner_died={}", guard.owner_died())),
            Err(AcquireError::Timeout) => {
                say(&format!(
                    "timeout after {} ms",
                    started.elapsed().as_millis()
                ));
            }
            Err(error) => fail(&error.to_string()),
        }
    }

    /// Takes `n` permits (and forgets them, if asked), then waits to be told to go.
    fn lease(name: &str, n: u64, forget: bool) {
        let semaphore = or_fail(Semaphore::open(name));
        let mut permits = Vec::new();
        for _ in 0..n {
            let permit = or_fail(semaphore.acquire());
            if forget {
                permit.forget();
            } else {
                permits.push(permit);
            }
        }
        say("holding");
        wait_for_line();
        drop(permits);
        say("returned");
    }

    /// Takes `n` permits of a bounded semaphore, then waits to be told to go.
    fn lease_bounded(name: &str, n: u64) {
        let semaphore = or_fail(BoundedSemaphore::open(name));
        let permits: Vec<_> = (0..n).map(|_| or_fail(semaphore.acquire())).collect();
        say("holding");
        wait_for_line();
        drop(permits);
        say("returned");
    }

    /// Waits for the event and says whether it was set, and after how long (a wait
    /// that lasted its whole timeout was not woken up, whatever it returns).
    fn wait_event(name: &str, timeout: Duration) {
        let event = or_fail(Event::open(name));
        say("waiting");
        let started = Instant::now();
        let set = event.wait_timeout(timeout);
        let waited = started.elapsed().as_millis();
        say(&format!(
            "{} after {waited} ms",
            if set { "set" } else { "timeout" }
        ));
    }

    fn say(line: &str) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }

    fn wait_for_line() {
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
    }

    fn or_fail<T, E: std::fmt::Display>(result: Result<T, E>) -> T {
        result.unwrap_or_else(|error| {
            say(&format!("error: {error}"));
            std::process::exit(3)
        })
    }

    fn fail(message: &str) -> ! {
        eprintln!("threadkit-ipc-test-helper: {message}");
        std::process::exit(2)
    }
}
