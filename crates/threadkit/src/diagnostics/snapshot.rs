//! The picture of every thread: [`snapshot`] as data, [`dump`] as a report (text in
//! the spirit of `jstack`, or JSON with the `json` feature).

use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::deadlock::ThreadName;
use super::hooks::Blocking;
use super::object::Primitive;
use super::record;
use crate::thread::ThreadState;

/// What one thread is doing, holds and waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadSnapshot {
    /// threadkit's id of the thread.
    pub ident: u64,
    /// The thread's name (see [`ThreadRef::name`](crate::thread::ThreadRef::name)).
    pub name: String,
    /// The kernel's id of the thread, once known.
    pub native_id: Option<u64>,
    /// Whether it is a daemon thread.
    pub daemon: bool,
    /// Its lifecycle state.
    pub state: ThreadState,
    /// Locks held (recorded while diagnostics were on), oldest first.
    pub held: Vec<HeldLock>,
    /// What the thread is blocked on (recorded while diagnostics were on).
    pub waiting_on: Option<WaitingOn>,
}

/// A lock a thread holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldLock {
    /// The lock.
    pub lock: Primitive,
    /// The source location of the call that acquired it.
    pub acquired_at: &'static Location<'static>,
    /// For how long it has been held (to a few milliseconds).
    pub held_for: Duration,
}

/// What a thread is blocked on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingOn {
    /// The primitive.
    pub primitive: Primitive,
    /// True if the thread waits to acquire a lock, false if it waits for a signal
    /// (condition, event, semaphore, queue, barrier, join, future).
    pub for_lock: bool,
    /// Whether the wait has a timeout.
    pub timed: bool,
    /// For how long it has been waiting (to a few milliseconds).
    pub waiting_for: Duration,
    /// For a lock: the thread that holds it, as recorded.
    pub held_by: Option<ThreadName>,
    /// Where the wait began, if backtraces are captured (see
    /// [`set_capture_backtraces`](super::set_capture_backtraces)).
    pub backtrace: Option<Arc<str>>,
}

/// Every thread in the thread registry (see [`crate::thread::enumerate`]), with its
/// state, the locks it holds and what it waits for.
pub fn snapshot() -> Vec<ThreadSnapshot> {
    let now = Instant::now().max(super::clock::coarse_now());
    let records = record::all();
    records
        .iter()
        .map(|record| {
            let diag = record.diag();
            let held = diag
                .held
                .iter()
                .map(|entry| HeldLock {
                    lock: entry.object.describe(),
                    acquired_at: entry.site,
                    held_for: now.saturating_duration_since(entry.since),
                })
                .collect();
            let waiting = diag.waiting.clone();
            drop(diag);
            let reference = crate::thread::ThreadRef {
                entry: Arc::clone(record),
            };
            ThreadSnapshot {
                ident: record.ident,
                name: record.name().to_owned(),
                native_id: reference.native_id(),
                daemon: reference.is_daemon(),
                state: reference.state(),
                held,
                waiting_on: waiting.map(|entry| WaitingOn {
                    primitive: entry.object.describe(),
                    for_lock: entry.blocking == Blocking::Lock,
                    timed: entry.timed,
                    waiting_for: now.saturating_duration_since(entry.since),
                    held_by: if entry.blocking == Blocking::Lock {
                        holder_name(&records, entry.object.key)
                    } else {
                        None
                    },
                    backtrace: entry.backtrace,
                }),
            }
        })
        .collect()
}

fn holder_name(records: &[Arc<record::ThreadRecord>], key: usize) -> Option<ThreadName> {
    records.iter().find_map(|record| {
        let holds = record.diag().held.iter().any(|held| held.object.key == key);
        holds.then(|| ThreadName {
            ident: record.ident,
            name: record.name().to_owned(),
        })
    })
}

/// A thread dump: every thread, what it holds and what it waits for.
///
/// `Display` gives a text report in the spirit of Java's `jstack`; with the `json`
/// feature, `to_json` gives the same as JSON.
///
/// # Examples
///
/// ```
/// use threadkit::{Lock, diagnostics};
///
/// diagnostics::enable();
/// let accounts = Lock::named("accounts", ());
/// let _held = accounts.acquire();
/// let dump = diagnostics::dump();
/// assert!(dump.to_string().contains("holds Lock 'accounts'"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadDump {
    /// The threads, in the registry's order.
    pub threads: Vec<ThreadSnapshot>,
}

/// Takes a thread dump.
pub fn dump() -> ThreadDump {
    ThreadDump {
        threads: snapshot(),
    }
}

impl fmt::Display for ThreadDump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "threadkit thread dump: {} threads", self.threads.len())?;
        if !super::is_enabled() {
            writeln!(f, "(diagnostics are off: holds and waits are not recorded)")?;
        }
        for thread in &self.threads {
            writeln!(f)?;
            write!(f, "\"{}\" #{}", thread.name, thread.ident)?;
            match (thread.native_id, thread.daemon) {
                (Some(tid), true) => write!(f, " (tid {tid}, daemon)")?,
                (Some(tid), false) => write!(f, " (tid {tid})")?,
                (None, true) => write!(f, " (daemon)")?,
                (None, false) => {}
            }
            writeln!(f, "\n    state: {}", thread.state)?;
            if let Some(wait) = &thread.waiting_on {
                let what = if wait.for_lock { "to acquire" } else { "for" };
                write!(
                    f,
                    "    waiting {what} {} for {}",
                    wait.primitive,
                    seconds(wait.waiting_for)
                )?;
                if wait.timed {
                    f.write_str(" (with a timeout)")?;
                }
                if let Some(holder) = &wait.held_by {
                    write!(f, ", held by \"{}\" #{}", holder.name, holder.ident)?;
                }
                writeln!(f)?;
                if let Some(backtrace) = &wait.backtrace {
                    for line in backtrace.lines() {
                        writeln!(f, "        {line}")?;
                    }
                }
            }
            for held in &thread.held {
                writeln!(
                    f,
                    "    holds {} for {} (acquired at {})",
                    held.lock,
                    seconds(held.held_for),
                    held.acquired_at
                )?;
            }
        }
        Ok(())
    }
}

fn seconds(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

#[cfg(feature = "json")]
impl ThreadDump {
    /// The dump as JSON: `{"threads": [{"ident", "name", "native_id", "daemon",
    /// "state", "held": [{"lock", "acquired_at", "held_for_s"}], "waiting_on":
    /// {"primitive", "for_lock", "timed", "waiting_for_s", "held_by"}}]}`.
    pub fn to_json(&self) -> String {
        use serde_json::{Value, json};
        fn primitive(p: &Primitive) -> Value {
            json!({
                "kind": p.kind.as_str(),
                "name": p.name,
                "created_at": p.created_at.map(ToString::to_string),
                "address": p.address,
                "display": p.to_string(),
            })
        }
        let threads: Vec<Value> = self
            .threads
            .iter()
            .map(|t| {
                json!({
                    "ident": t.ident,
                    "name": t.name,
                    "native_id": t.native_id,
                    "daemon": t.daemon,
                    "state": t.state.to_string(),
                    "held": t.held.iter().map(|h| json!({
                        "lock": primitive(&h.lock),
                        "acquired_at": h.acquired_at.to_string(),
                        "held_for_s": h.held_for.as_secs_f64(),
                    })).collect::<Vec<_>>(),
                    "waiting_on": t.waiting_on.as_ref().map(|w| json!({
                        "primitive": primitive(&w.primitive),
                        "for_lock": w.for_lock,
                        "timed": w.timed,
                        "waiting_for_s": w.waiting_for.as_secs_f64(),
                        "held_by": w.held_by.as_ref().map(|h| json!({"ident": h.ident, "name": h.name})),
                        "backtrace": w.backtrace.as_deref(),
                    })),
                })
            })
            .collect();
        json!({ "threads": threads }).to_string()
    }
}
