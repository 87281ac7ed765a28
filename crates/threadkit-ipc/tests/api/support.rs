//! Unique names that are unlinked even when a test fails, and helper processes that
//! are killed and reaped even when a test fails.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

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
