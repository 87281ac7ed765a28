//! Workloads of the cross-process primitives (threadkit-ipc): a shared-memory lock
//! used by one process (in its default mode, and with priority inheritance, which
//! uses a pthread mutex instead of its own lock word), and one contended by two
//! processes.
//!
//! The second process is this very binary, run again as `threadkit bench` with
//! `THREADKIT_IPC_BENCH_CHILD` set (see [`child_main`]): it opens the objects named in
//! the variable and runs the loops it is told to on stdin, answering `done` on stdout.

use std::cell::{OnceCell, RefCell};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use threadkit_ipc::baseline::PthreadMutex;
use threadkit_ipc::{Lock, Options};

use crate::bench::harness::{Role, Target, Workload};
use crate::bench::run;

/// Set in the child process: `LOCK-NAME BASELINE-NAME`.
const CHILD_VAR: &str = "THREADKIT_IPC_BENCH_CHILD";

const IPC_LOCK: &str = "threadkit-ipc Lock";
const IPC_LOCK_PI: &str = "threadkit-ipc Lock (priority inheritance)";
const PTHREAD: &str = "pthread robust mutex (shared)";
const IN_PROCESS: &str = "threadkit Lock (in-process)";

pub fn workloads() -> Vec<Workload> {
    vec![lock_uncontended(), lock_two_processes()]
}

fn lock_uncontended() -> Workload {
    // Made on first use (not for `--list`); only this process uses them, so their
    // names can go at once.
    let ipc = Rc::new(OnceCell::new());
    let baseline = Rc::clone(&ipc);
    let make = || {
        let shared = Shared::create("uncontended");
        shared.unlink();
        shared
    };
    let pi = OnceCell::new();
    let local = threadkit::Lock::new(0u64);
    Workload::new(
        "ipc/lock-uncontended",
        "ns/op",
        "acquire + increment + release of a lock in shared memory, one process",
    )
    .target(Target::Ratio {
        peer: Some(IN_PROCESS),
        max: 1.5,
    })
    .timed(IPC_LOCK, Role::Subject, move |iters| {
        let lock = &ipc.get_or_init(make).lock;
        run::single(iters, || *lock.acquire().expect("ipc lock") += 1)
    })
    .timed(IPC_LOCK_PI, Role::Subject, move |iters| {
        let lock = pi.get_or_init(priority_inheritance_lock);
        run::single(iters, || *lock.acquire().expect("ipc lock") += 1)
    })
    .timed(IN_PROCESS, Role::Peer, move |iters| {
        run::single(iters, || *local.acquire() += 1)
    })
    .timed(PTHREAD, Role::Peer, move |iters| {
        let mutex = &baseline.get_or_init(make).baseline;
        run::single(iters, || {
            mutex.increment().expect("pthread mutex");
        })
    })
}

/// A lock created with priority inheritance, used by this process only (its name is
/// unlinked at once).
fn priority_inheritance_lock() -> Lock<u64> {
    let name = format!("threadkit-bench-{}-uncontended-pi", std::process::id());
    let _ = threadkit_ipc::unlink(&name); // left over from a run that was killed
    let options = Options::new().priority_inheritance(true);
    let lock = Lock::create_with(&name, 0u64, options).expect("create the ipc lock");
    let _ = threadkit_ipc::unlink(&name);
    lock
}

fn lock_two_processes() -> Workload {
    let pair = Rc::new(RefCell::new(None::<Pair>));
    let baseline = Rc::clone(&pair);
    Workload::new(
        "ipc/lock-2-processes",
        "ns/op",
        "two processes incrementing one counter under a shared-memory lock",
    )
    .target(Target::Ratio {
        peer: Some(PTHREAD),
        max: 1.0,
    })
    .timed(IPC_LOCK, Role::Subject, move |iters| {
        Pair::run(&pair, Job::Lock, iters)
    })
    .timed(PTHREAD, Role::Peer, move |iters| {
        Pair::run(&baseline, Job::Pthread, iters)
    })
}

/// The two objects every workload here uses, under names unique to this process;
/// the names are unlinked as soon as nobody needs to open them any more.
struct Shared {
    lock: Lock<u64>,
    baseline: PthreadMutex,
    names: [String; 2],
}

impl Shared {
    fn create(purpose: &str) -> Rc<Self> {
        let names = [
            format!("threadkit-bench-{}-{purpose}-lock", std::process::id()),
            format!("threadkit-bench-{}-{purpose}-pthread", std::process::id()),
        ];
        // Left over from a run that was killed: start afresh.
        for name in &names {
            let _ = threadkit_ipc::unlink(name);
        }
        let lock = Lock::create(&names[0], 0u64).expect("create the ipc lock");
        let baseline = PthreadMutex::create(&names[1]).expect("create the pthread mutex");
        Rc::new(Self {
            lock,
            baseline,
            names,
        })
    }

    fn unlink(&self) {
        for name in &self.names {
            let _ = threadkit_ipc::unlink(name);
        }
    }
}

/// Which loop to run.
#[derive(Debug, Clone, Copy)]
enum Job {
    Lock,
    Pthread,
}

impl Job {
    fn word(self) -> &'static str {
        match self {
            Job::Lock => "lock",
            Job::Pthread => "pthread",
        }
    }
}

/// This process and a child sharing the objects.
struct Pair {
    shared: Rc<Shared>,
    child: Child,
    to_child: ChildStdin,
    from_child: BufReader<ChildStdout>,
}

impl Pair {
    /// Times `iters` increments, half in each process (starting the child on first use).
    fn run(pair: &RefCell<Option<Pair>>, job: Job, iters: u64) -> Duration {
        let mut pair = pair.borrow_mut();
        let pair = pair.get_or_insert_with(Pair::start);
        let mine = iters / 2;
        let theirs = iters - mine;
        let started = Instant::now();
        writeln!(pair.to_child, "{} {theirs}", job.word()).expect("talk to the child");
        pair.to_child.flush().expect("talk to the child");
        run_job(&pair.shared, job, mine);
        pair.expect_line("done");
        started.elapsed()
    }

    fn start() -> Pair {
        let shared = Shared::create("2-processes");
        let exe = std::env::current_exe().expect("the threadkit binary");
        let mut child = Command::new(exe)
            .arg("bench")
            .env(CHILD_VAR, shared.names.join(" "))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the second process");
        let to_child = child.stdin.take().expect("piped stdin");
        let from_child = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut pair = Pair {
            shared,
            child,
            to_child,
            from_child,
        };
        pair.expect_line("ready");
        pair.shared.unlink();
        pair
    }

    fn expect_line(&mut self, expected: &str) {
        let mut line = String::new();
        self.from_child
            .read_line(&mut line)
            .expect("hear from the child");
        assert_eq!(line.trim(), expected, "the second process said {line:?}");
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run_job(shared: &Shared, job: Job, times: u64) {
    match job {
        Job::Lock => {
            for _ in 0..times {
                *shared.lock.acquire().expect("ipc lock") += 1;
            }
        }
        Job::Pthread => {
            for _ in 0..times {
                shared.baseline.increment().expect("pthread mutex");
            }
        }
    }
}

/// In the child process of `ipc/lock-2-processes`, runs the loops the parent asks for
/// and returns the exit code; `None` in any other process.
pub fn child_main() -> Option<i32> {
    let names = std::env::var(CHILD_VAR).ok()?;
    let [lock_name, baseline_name] = names.split(' ').collect::<Vec<_>>()[..] else {
        eprintln!("threadkit bench: bad {CHILD_VAR}={names:?}");
        return Some(2);
    };
    let shared = match (
        Lock::<u64>::open(lock_name),
        PthreadMutex::open(baseline_name),
    ) {
        (Ok(lock), Ok(baseline)) => Shared {
            lock,
            baseline,
            names: [lock_name.to_owned(), baseline_name.to_owned()],
        },
        (Err(error), _) | (_, Err(error)) => {
            eprintln!("threadkit bench (second process): {error}");
            return Some(1);
        }
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "ready");
    let _ = out.flush();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let job = match line.split_once(' ') {
            Some(("lock", n)) => n.parse().ok().map(|n| (Job::Lock, n)),
            Some(("pthread", n)) => n.parse().ok().map(|n| (Job::Pthread, n)),
            _ => None,
        };
        let Some((job, times)) = job else {
            eprintln!("threadkit bench (second process): bad command {line:?}");
            return Some(2);
        };
        run_job(&shared, job, times);
        let _ = writeln!(out, "done");
        let _ = out.flush();
    }
    Some(0)
}
