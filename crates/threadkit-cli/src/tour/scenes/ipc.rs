//! Across processes: a lock in shared memory whose holder is killed.
//!
//! The second process is this very binary, run again as `threadkit tour` with
//! `THREADKIT_IPC_TOUR_CHILD` set (see [`child_main`]); the two talk through pipes.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use threadkit_ipc::Lock;

use crate::tour::scene::{Report, Scene, count};

/// Set in the child process: the name of the lock.
const CHILD_VAR: &str = "THREADKIT_IPC_TOUR_CHILD";
/// Increments each process makes while both run.
const ROUNDS: u64 = 20_000;
/// Increments the parent makes after recovering the lock.
const AFTER: u64 = 10_000;

pub fn scenes() -> Vec<Scene> {
    vec![Scene {
        name: "ipc-owner-died",
        title: "A lock shared by two processes survives its holder's death",
        lesson: "Two processes add to one record in shared memory under threadkit_ipc::Lock. One is killed \
                 with SIGKILL in the middle of an update, holding the lock. multiprocessing.Lock would stay \
                 locked forever; here the other process gets the lock at once, is told the owner died, \
                 repairs the record and finishes.",
        run: owner_died,
    }]
}

/// The shared record: `[count, check]`, equal whenever nobody is half-way through an
/// update.
type Record = [u64; 2];

fn owner_died(report: &mut Report) {
    match run(report) {
        Ok(()) => {}
        Err(message) => {
            report.say(format!("the scene could not run: {message}"));
            report.check("the scene ran", false);
        }
    }
}

fn run(report: &mut Report) -> Result<(), String> {
    let name = format!("threadkit-tour-{}-ipc", std::process::id());
    let _ = threadkit_ipc::unlink(&name); // left over from a killed run
    let lock = Lock::<Record>::create(&name, [0, 0]).map_err(|e| e.to_string())?;
    let mut child = Peer::start(&name)?;
    child.expect("ready")?;
    // Both processes have it open: the name is no longer needed.
    let _ = Lock::<Record>::unlink(&name);
    report.say(format!(
        "process {} and process {} share the record under one lock",
        std::process::id(),
        child.process.id()
    ));

    // Both add to it at the same time.
    child.tell("count")?;
    for _ in 0..ROUNDS {
        add_one(&lock)?;
    }
    child.expect("counted")?;
    report.say(format!(
        "both added {} under the lock: {}",
        count(ROUNDS),
        describe(&lock)?
    ));

    // The child takes the lock, updates half the record, and is killed.
    child.tell("hold")?;
    child.expect("holding")?;
    let held = lock.is_locked();
    report.say("the child takes the lock, adds 1 to count but not yet to check …");
    child.process.kill().map_err(|e| e.to_string())?;
    // Reaped first, so the figure measures the recovery, not the kernel's teardown.
    let status = child.process.wait().map_err(|e| e.to_string())?;
    let killed_at = Instant::now();
    report.say("… and is killed with SIGKILL, holding the lock");

    let mut guard = lock
        .acquire_timeout(Duration::from_secs(5))
        .map_err(|e| format!("the lock was not recovered: {e}"))?;
    let recovery = killed_at.elapsed();
    let owner_died = guard.owner_died();
    let found = *guard;
    let half_done = found[0] == found[1] + 1;
    if owner_died && half_done {
        guard[0] = guard[1]; // roll the half-done update back
    }
    drop(guard);
    report.say(format!(
        "the parent got the lock {:.2} ms after the child was gone; owner_died() = {owner_died}",
        recovery.as_secs_f64() * 1e3
    ));
    report.say(format!(
        "it found count {} and check {}: {}",
        count(found[0]),
        count(found[1]),
        if half_done {
            "half-updated, so it rolled that update back"
        } else {
            "consistent"
        }
    ));

    for _ in 0..AFTER {
        add_one(&lock)?;
    }
    let last = *lock.acquire().map_err(|e| e.to_string())?;
    let expected = 2 * ROUNDS + AFTER;
    report.say(format!(
        "the parent finished its count: {} (expected {})",
        describe(&lock)?,
        count(expected)
    ));

    report.figure("recovery_ms", recovery.as_secs_f64() * 1e3);
    report.figure("owner_died", owner_died);
    report.figure("count", last[0]);
    report.figure("expected", expected);
    report.check(
        "the child was killed by SIGKILL while it held the lock",
        held && status.signal() == Some(9),
    );
    report.check(
        "the other process got the lock back within 1 s",
        recovery < Duration::from_secs(1),
    );
    report.check("it was told that the previous owner died", owner_died);
    report.check("it saw the half-done update (and repaired it)", half_done);
    report.check(
        "no update was lost or doubled",
        last == [expected, expected],
    );
    Ok(())
}

/// One whole update: both halves of the record, under the lock.
fn add_one(lock: &Lock<Record>) -> Result<(), String> {
    let mut record = lock.acquire().map_err(|e| e.to_string())?;
    record[0] += 1;
    record[1] += 1;
    Ok(())
}

fn describe(lock: &Lock<Record>) -> Result<String, String> {
    let record = *lock.acquire().map_err(|e| e.to_string())?;
    Ok(format!(
        "count {}, check {}",
        count(record[0]),
        count(record[1])
    ))
}

/// The child process and its pipes.
struct Peer {
    process: Child,
    to: ChildStdin,
    from: BufReader<ChildStdout>,
}

impl Peer {
    fn start(name: &str) -> Result<Self, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut process = Command::new(exe)
            .args(["tour", "--quiet", "--scene", "ipc-owner-died"])
            .env(CHILD_VAR, name)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the second process: {e}"))?;
        let to = process.stdin.take().ok_or("no stdin")?;
        let from = BufReader::new(process.stdout.take().ok_or("no stdout")?);
        Ok(Self { process, to, from })
    }

    fn tell(&mut self, line: &str) -> Result<(), String> {
        writeln!(self.to, "{line}")
            .and_then(|()| self.to.flush())
            .map_err(|e| format!("cannot talk to the second process: {e}"))
    }

    fn expect(&mut self, expected: &str) -> Result<(), String> {
        let mut line = String::new();
        self.from.read_line(&mut line).map_err(|e| e.to_string())?;
        if line.trim() == expected {
            Ok(())
        } else {
            Err(format!(
                "the second process said {:?}, not {expected:?}",
                line.trim()
            ))
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// In the second process of the scene, plays its part and returns the exit code;
/// `None` in any other process.
pub fn child_main() -> Option<i32> {
    let name = std::env::var(CHILD_VAR).ok()?;
    let lock = match Lock::<Record>::open(&name) {
        Ok(lock) => lock,
        Err(error) => {
            eprintln!("threadkit tour (second process): {error}");
            return Some(1);
        }
    };
    let mut out = std::io::stdout().lock();
    let mut say = |line: &str| {
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    };
    say("ready");
    let mut lines = std::io::stdin().lock().lines();
    while let Some(line) = lines.next() {
        match line.as_deref() {
            Ok("count") => {
                for _ in 0..ROUNDS {
                    if add_one(&lock).is_err() {
                        return Some(1);
                    }
                }
                say("counted");
            }
            Ok("hold") => {
                let Ok(mut record) = lock.acquire() else {
                    return Some(1);
                };
                record[0] += 1;
                say("holding");
                // Wait inside the critical section until killed (or until the
                // parent goes away: end of input).
                let _ = lines.next();
                return Some(0);
            }
            _ => return Some(2),
        }
    }
    Some(0)
}
