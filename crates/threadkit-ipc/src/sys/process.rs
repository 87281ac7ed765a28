//! Who is calling (a tag for this thread, an identity for this process) and whether
//! another process is still alive.
//!
//! Both are cached, and the caches are invalidated in the child of a `fork` (which has
//! a new pid and a new thread id) by a `pthread_atfork` handler that bumps a generation.

use std::cell::Cell;
use std::sync::Once;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// Bumped in the child of every `fork`.
static FORK_GENERATION: AtomicU64 = AtomicU64::new(0);
static REGISTER_ATFORK: Once = Once::new();

extern "C" fn after_fork_in_child() {
    // Async-signal-safe: one atomic increment, and plain stores to the forking
    // thread's (the child's only thread's) cache of lock slots.
    FORK_GENERATION.fetch_add(1, Ordering::Relaxed);
    crate::sys::registry::forget_cache_after_fork();
}

/// The current fork generation, without registering the `fork` handler: for code that
/// only runs after [`fork_generation`] has been called once in the process.
#[inline]
pub(crate) fn fork_generation_registered() -> u64 {
    FORK_GENERATION.load(Ordering::Relaxed)
}

/// The current fork generation (registering the `fork` handler on first use).
pub(crate) fn fork_generation() -> u64 {
    REGISTER_ATFORK.call_once(|| {
        // SAFETY: registers a handler that only increments an atomic, which is
        // async-signal-safe as a child-of-fork handler must be. The call cannot fail
        // in a way that matters: without the handler a forked child would merely keep
        // its parent's cached identity, and fork children of threadkit users do not
        // exist in practice before this point (it runs before any tag is computed).
        unsafe {
            libc::pthread_atfork(None, None, Some(after_fork_in_child));
        }
    });
    FORK_GENERATION.load(Ordering::Relaxed)
}

/// Bit 0 of an owner word: the holder has no guard (see `robust.rs`). Tags leave it clear.
pub(crate) const TAG_FLAG_BITS: u64 = 1;

thread_local! {
    /// (fork generation, tag) of this thread; generation `u64::MAX` = not computed.
    static TAG: Cell<(u64, u64)> = const { Cell::new((u64::MAX, 0)) };
}

/// A non-zero number naming the calling thread among all threads of all processes
/// alive right now: `pid << 32 | tid << 1` (bit 0 is left for flags).
#[inline]
pub(crate) fn thread_tag() -> u64 {
    let generation = FORK_GENERATION.load(Ordering::Relaxed);
    TAG.with(|cell| {
        let (cached_generation, tag) = cell.get();
        if cached_generation == generation {
            tag
        } else {
            compute_tag(cell)
        }
    })
}

#[cold]
fn compute_tag(cell: &Cell<(u64, u64)>) -> u64 {
    let generation = fork_generation();
    // SAFETY: getpid and gettid have no preconditions and cannot fail.
    let (pid, tid) = unsafe { (libc::getpid(), libc::gettid()) };
    let tag = (u64::from(pid.cast_unsigned()) << 32) | (u64::from(tid.cast_unsigned()) << 1);
    cell.set((generation, tag));
    tag
}

/// The pid part of a tag.
#[cfg(test)]
fn tag_pid(tag: u64) -> u32 {
    (tag >> 32) as u32
}

/// A process, named so that a recycled pid is not mistaken for it: its pid and its
/// start time (clock ticks after boot, from `/proc/PID/stat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ProcessId {
    pub(crate) pid: u32,
    pub(crate) start: u64,
}

static CACHED_GENERATION: AtomicU64 = AtomicU64::new(u64::MAX);
static CACHED_PID: AtomicU32 = AtomicU32::new(0);
static CACHED_START: AtomicU64 = AtomicU64::new(0);

/// The calling process.
pub(crate) fn current_process() -> ProcessId {
    let generation = fork_generation();
    if CACHED_GENERATION.load(Ordering::Acquire) == generation {
        return ProcessId {
            pid: CACHED_PID.load(Ordering::Relaxed),
            start: CACHED_START.load(Ordering::Relaxed),
        };
    }
    // SAFETY: getpid has no preconditions and cannot fail.
    let pid = unsafe { libc::getpid() }.cast_unsigned();
    // Every thread computing this for the same generation gets the same values, so
    // racing writers agree.
    let start = read_stat(pid).map_or(0, |stat| stat.start);
    CACHED_PID.store(pid, Ordering::Relaxed);
    CACHED_START.store(start, Ordering::Relaxed);
    CACHED_GENERATION.store(generation, Ordering::Release);
    ProcessId { pid, start }
}

/// The start time of the process `pid` (from `/proc`).
#[cfg(test)]
pub(crate) fn start_time(pid: u32) -> std::io::Result<u64> {
    read_stat(pid).map(|stat| stat.start)
}

/// What `/proc/PID/stat` says about a process.
struct Stat {
    state: char,
    start: u64,
}

fn read_stat(pid: u32) -> std::io::Result<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    parse_stat(&text).ok_or_else(|| std::io::Error::from(std::io::ErrorKind::InvalidData))
}

/// Parses `pid (comm) state ppid … starttime …`: the command may hold spaces and
/// parentheses, so fields are counted after its last `)`; `state` is field 3 and
/// `starttime` field 22.
fn parse_stat(text: &str) -> Option<Stat> {
    let rest = &text[text.rfind(')')? + 1..];
    let mut fields = rest.split_ascii_whitespace();
    let state = fields.next()?.chars().next()?;
    let start = fields.nth(18)?.parse().ok()?;
    Some(Stat { state, start })
}

/// Whether the process `id` is still running. Where `/proc` shows the process, a
/// recycled pid (another start time) or a zombie is dead. Where it does not — no entry
/// for the pid, which is also what `/proc` mounted with `hidepid=2` (or not mounted,
/// or a sandbox) shows for a live process of another user — `kill(pid, 0)` decides:
/// only "no such process" (`ESRCH`) is dead. A live process is never declared dead;
/// a zombie or a recycled pid that `/proc` hides is taken to be alive.
pub(crate) fn is_alive(id: ProcessId) -> bool {
    is_alive_given(id, read_stat(id.pid))
}

/// [`is_alive`], given what reading the process's `/proc/PID/stat` gave.
fn is_alive_given(id: ProcessId, stat: std::io::Result<Stat>) -> bool {
    match stat {
        Ok(stat) => {
            if stat.start != id.start && id.start != 0 {
                return false;
            }
            match stat.state {
                // A zombie's threads are gone, unless only its first thread exited
                // (pthread_exit in main) while others run on.
                'Z' | 'X' | 'x' => other_threads_run(id.pid),
                _ => true,
            }
        }
        // Not found in /proc, or /proc cannot tell: ask the kernel directly.
        Err(_) => exists(id.pid),
    }
}

/// Whether a process (or zombie) `pid` exists, by `kill(pid, 0)`: `EPERM` means it
/// exists but is not ours to signal.
fn exists(pid: u32) -> bool {
    // Not a valid pid (0 or negative would address process groups): no such process.
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    let found = unsafe { libc::kill(pid, 0) } == 0;
    found || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

fn other_threads_run(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("Threads:"))
                .and_then(|count| count.trim().parse::<u32>().ok())
        })
        .is_some_and(|threads| threads > 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_odd_commands_parse() {
        let line = "1234 (a) b (c)) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 98765 \
                    1000 100 18446744073709551615";
        let stat = parse_stat(line).unwrap();
        assert_eq!(stat.state, 'S');
        assert_eq!(stat.start, 98765);
        assert!(parse_stat("garbage").is_none());
    }

    #[test]
    fn this_process_is_alive_and_a_recycled_pid_is_not() {
        let me = current_process();
        assert_eq!(me.pid, std::process::id());
        assert_ne!(me.start, 0);
        assert!(is_alive(me));
        assert!(!is_alive(ProcessId {
            pid: me.pid,
            start: me.start + 1
        }));
    }

    #[test]
    fn a_reaped_child_is_dead() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        let start = read_stat(pid).map_or(0, |stat| stat.start);
        child.wait().unwrap();
        assert!(!is_alive(ProcessId { pid, start }));
    }

    #[test]
    fn tags_name_the_thread() {
        let here = thread_tag();
        assert_eq!(here, thread_tag());
        assert_eq!(tag_pid(here), std::process::id());
        assert_eq!(here & TAG_FLAG_BITS, 0);
        let there = std::thread::spawn(thread_tag).join().unwrap();
        assert_ne!(here, there);
        assert_eq!(tag_pid(there), std::process::id());
    }

    #[test]
    fn a_process_hidden_from_proc_is_alive_until_kill_says_otherwise() {
        // /proc mounted with hidepid=2, or not at all: reading the stat of another
        // process fails with NotFound although it runs.
        let hidden = || Err(std::io::Error::from(std::io::ErrorKind::NotFound));
        let mut child = std::process::Command::new("sleep")
            .arg("60")
            .spawn()
            .unwrap();
        let running = ProcessId {
            pid: child.id(),
            start: read_stat(child.id()).unwrap().start,
        };
        assert!(is_alive_given(running, hidden()), "a running process");
        assert!(is_alive_given(current_process(), hidden()), "this process");
        // Found, but not ours to signal (EPERM unless this runs as root): alive.
        let init = ProcessId { pid: 1, start: 0 };
        assert!(is_alive_given(init, hidden()), "pid 1");
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(
            !is_alive_given(running, hidden()),
            "reaped: kill says ESRCH"
        );
    }
}
