//! Unique names that are unlinked even when a test fails, helper processes that are
//! killed and reaped even when a test fails, and ways to wait until another thread or
//! process is in a given state (rather than sleeping and hoping).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// How long a test waits for a helper's next line before failing.
const PATIENCE: Duration = Duration::from_secs(20);

/// A name unique to this test run (pid + counter); the object is unlinked on drop.
pub struct TestName(String);

impl TestName {
    pub fn new(what: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        Self(format!("tk-ipc-test-{}-{n}-{what}", std::process::id()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for TestName {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl Drop for TestName {
    fn drop(&mut self) {
        // Whatever it holds, and fine if a test unlinked it already.
        let _ = threadkit_ipc::unlink(&self.0);
    }
}

/// A helper process playing a role on an object.
pub struct Helper {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl Helper {
    pub fn spawn(role: &str, name: &str, arg: Option<u64>) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_threadkit-ipc-test-helper"));
        command.arg(role).arg(name);
        if let Some(arg) = arg {
            command.arg(arg.to_string());
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn the test helper");
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Self {
            child,
            stdin,
            lines,
        }
    }

    /// The helper's next line, which must start with `prefix`.
    pub fn expect(&mut self, prefix: &str) -> String {
        match self.lines.recv_timeout(PATIENCE) {
            Ok(line) => {
                assert!(
                    line.starts_with(prefix),
                    "helper said {line:?}, expected {prefix:?}…"
                );
                line
            }
            Err(RecvTimeoutError::Timeout) => panic!("helper silent; expected {prefix:?}"),
            Err(RecvTimeoutError::Disconnected) => {
                panic!(
                    "helper ended ({:?}); expected {prefix:?}",
                    self.child.try_wait()
                )
            }
        }
    }

    /// Sends a line (the helper's cue to go on).
    pub fn tell(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").expect("write to the helper");
        stdin.flush().expect("flush to the helper");
    }

    /// SIGKILL, then reap.
    pub fn kill(&mut self) {
        self.child.kill().expect("kill the helper");
        self.child.wait().expect("reap the helper");
    }

    /// SIGKILL without reaping (the process may linger as a zombie).
    pub fn kill_unreaped(&mut self) {
        self.child.kill().expect("kill the helper");
    }

    /// Waits until the helper, killed but not reaped, is a zombie — dead, as other
    /// processes can tell — and returns when that was seen.
    pub fn wait_until_dead(&self) -> Instant {
        let pid = self.child.id();
        wait_until("the killed helper is a zombie", || {
            thread_state(pid, pid) == Some('Z')
        });
        Instant::now()
    }

    /// Waits until the helper (single-threaded) sleeps in the kernel: for the roles
    /// that print a line and then wait for a futex, blocked in that wait.
    pub fn wait_until_asleep(&self) {
        let pid = self.child.id();
        wait_until_asleep(pid, pid);
    }

    pub fn wait(&mut self) -> ExitStatus {
        self.stdin = None;
        self.child.wait().expect("wait for the helper")
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `done` until it holds; fails the test after `PATIENCE`.
pub fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting until {what}");
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// Waits until the thread `tid` of process `pid` sleeps in the kernel (state `S`).
pub fn wait_until_asleep(pid: u32, tid: u32) {
    wait_until(&format!("thread {tid} of process {pid} sleeps"), || {
        thread_state(pid, tid) == Some('S')
    });
}

/// The calling thread's id.
pub fn current_tid() -> u32 {
    // SAFETY: gettid has no preconditions and cannot fail.
    unsafe { libc::gettid() }.cast_unsigned()
}

/// The state letter of a thread (`R`, `S`, `D`, `Z`…) in `/proc`, if it is listed.
fn thread_state(pid: u32, tid: u32) -> Option<char> {
    let path = if pid == tid {
        format!("/proc/{pid}/stat") // also for a zombie, whose task list may be gone
    } else {
        format!("/proc/{pid}/task/{tid}/stat")
    };
    let stat = std::fs::read_to_string(path).ok()?;
    // `tid (comm) state …`; the command may hold spaces and parentheses.
    stat[stat.rfind(')')? + 1..].trim_start().chars().next()
}
