//! The semaphore engine: a permit count and a table of the processes that hold permits
//! (as leases) or wait for them, changed together under the semaphore's robust mutex.
//!
//! Why a mutex rather than one atomic word: a permit's lease must be recorded at the
//! moment it is taken, so that it can be given back if its process dies, and the count
//! and the record are two words. Every update of several words is journalled (see
//! `Journal` in `sys/layout.rs`): if a process dies in the middle of one, the next
//! process to take the mutex is told by the kernel (EOWNERDEAD) and undoes it.
//!
//! Dead holders are found by looking: a slot whose process no longer runs (its pid
//! gone, a zombie, or a recycled pid with another start time) is swept — its leases
//! return to the count and its waiters are forgotten. Sweeps run when the mutex's
//! previous holder died, when an acquirer finds no permit, every `RECHECK` while one
//! waits, and on `recover()`.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering, fence};
use std::time::{Duration, Instant};

use crate::error::{AcquireError, ReleaseError};
use crate::sys::futex;
use crate::sys::layout::{MAX_HOLDERS, SemaphoreBody, Slot};
use crate::sys::process::{self, ProcessId};

/// How often a blocked acquirer looks for dead holders.
pub(crate) const RECHECK: Duration = Duration::from_millis(100);

/// How long to wait.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Wait {
    /// Not at all.
    Never,
    /// Until the deadline (`None`: forever).
    Until(Option<Instant>),
}

/// What a handle keeps for itself (in this process's memory).
#[derive(Debug, Default)]
pub(crate) struct Local {
    /// Where this process's slot was last found.
    pub(crate) hint: AtomicUsize,
    /// When this handle last swept for dead holders before blocking (nanoseconds after
    /// the first sweep of the process; 0: never).
    swept_at: AtomicU64,
    /// Blocked acquirers wait for a wake-up only, without looking for dead holders
    /// every `RECHECK` (a switch for tests of the wake-ups: see `testing`).
    no_recheck: AtomicBool,
}

impl Local {
    /// Turns off the periodic look for dead holders of blocked acquirers.
    pub(crate) fn disable_recheck(&self) {
        self.no_recheck.store(true, Ordering::Relaxed);
    }

    /// How long a blocked acquirer sleeps at most before looking for dead holders.
    fn recheck_period(&self) -> Option<Duration> {
        (!self.no_recheck.load(Ordering::Relaxed)).then_some(RECHECK)
    }

    /// Whether an acquirer that found no permit should sweep now: at most once per
    /// `RECHECK` per handle, since a sweep reads `/proc` for every recorded process.
    fn sweep_due(&self) -> bool {
        static EPOCH: OnceLock<Instant> = OnceLock::new();
        let epoch = *EPOCH.get_or_init(Instant::now);
        let now = u64::try_from(epoch.elapsed().as_nanos())
            .unwrap_or(u64::MAX)
            .max(1);
        let last = self.swept_at.load(Ordering::Relaxed);
        let due = last == 0 || now.saturating_sub(last) >= RECHECK.as_nanos() as u64;
        if due {
            self.swept_at.store(now, Ordering::Relaxed);
        }
        due
    }
}

/// The semaphore's mutex, held; wakes `wake` waiters after unlocking.
struct Held<'a> {
    body: &'a SemaphoreBody,
    wake: u64,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.body.mutex.unlock();
        if self.wake > 0 {
            self.body.seq.fetch_add(1, Ordering::Release);
            futex::wake(&self.body.seq, u32::try_from(self.wake).unwrap_or(u32::MAX));
        }
    }
}

/// A blocked acquirer's registration as a waiter in its process's slot. Ended under
/// the mutex when the acquirer wakes; if `take` ends while it is registered (an error
/// return, a panic), the drop ends it.
struct Registration<'a> {
    body: &'a SemaphoreBody,
    hint: &'a AtomicUsize,
    /// The slot it is registered in, if it is.
    slot: Option<usize>,
}

impl Registration<'_> {
    /// Registers in `slot` (the caller holds the mutex: `_held`).
    fn begin(&mut self, slot: usize, _held: &Held<'_>) {
        debug_assert!(self.slot.is_none());
        self.body.register_waiter(slot);
        self.slot = Some(slot);
    }

    /// Ends the registration, if any (the caller holds the mutex: `_held`).
    fn end(&mut self, me: ProcessId, _held: &Held<'_>) {
        if let Some(slot) = self.slot.take() {
            self.body.unregister_waiter(slot, me);
        }
    }
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        if self.slot.is_none() {
            return;
        }
        // Undo under the mutex, if it can still be taken. If it cannot (a mutex that is
        // not recoverable), nobody will use the count again.
        let Ok(held) = self.body.lock() else {
            return;
        };
        let me = process::current_process();
        self.end(me, &held);
        self.body.free_if_idle(me, self.hint);
    }
}

impl SemaphoreBody {
    /// Takes a permit as a lease of this process, waiting as `wait` says.
    pub(crate) fn take(&self, local: &Local, wait: Wait) -> Result<(), AcquireError> {
        let hint = &local.hint;
        let mut registration = Registration {
            body: self,
            hint,
            slot: None,
        };
        loop {
            let mut held = self.lock()?;
            let me = process::current_process();
            registration.end(me, &held);
            if self.available.load(Ordering::Relaxed) > 0 {
                let slot = self.claim(me, hint, &mut held)?;
                // Read the count after claiming: a claim that finds the table full
                // sweeps it, which gives dead holders' leases back.
                let available = self.available.load(Ordering::Relaxed);
                if available > 0 {
                    let record = &self.slots[slot];
                    self.begin(slot);
                    self.available.store(available - 1, Ordering::Relaxed);
                    record.held.fetch_add(1, Ordering::Relaxed);
                    self.commit();
                    // Pass the turn on: another permit is free and someone waits for it.
                    if available > 1 && self.waiters.load(Ordering::Relaxed) > 0 {
                        held.wake = held.wake.max(1);
                    }
                    return Ok(());
                }
            }
            if local.sweep_due() && self.sweep(&mut held) > 0 {
                continue;
            }
            // Still time to wait? (`Some(None)`: forever.)
            let deadline = match wait {
                Wait::Never => None,
                Wait::Until(deadline) => deadline
                    .is_none_or(|d| Instant::now() < d)
                    .then_some(deadline),
            };
            let Some(deadline) = deadline else {
                self.free_if_idle(me, hint);
                return Err(match wait {
                    Wait::Never => AcquireError::WouldBlock,
                    Wait::Until(_) => AcquireError::Timeout,
                });
            };
            let slot = self.claim(me, hint, &mut held)?;
            registration.begin(slot, &held);
            let seq = self.seq.load(Ordering::Acquire);
            drop(held);
            let until_deadline = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            let left = match (until_deadline, local.recheck_period()) {
                (Some(left), Some(period)) => Some(left.min(period)),
                (left, period) => left.or(period),
            };
            futex::wait(&self.seq, seq, left);
        }
    }

    /// Gives back a lease of this process (a permit guard's drop). A bounded semaphore
    /// already released up to its bound by hand keeps its count at the bound. A drop has
    /// no one to tell of a failure (the internal lock unusable): the lease then stays.
    pub(crate) fn give_back(&self, hint: &AtomicUsize) {
        let _ = self.return_lease(hint);
    }

    /// Gives back a lease of this process taken by a guard that was kept
    /// ([`SemaphorePermit::keep_lease`](super::SemaphorePermit::keep_lease)), or by a
    /// guard being dropped; an error if this process holds no lease.
    pub(crate) fn return_lease(&self, hint: &AtomicUsize) -> Result<(), ReleaseError> {
        let mut held = self.lock().map_err(ReleaseError::Internal)?;
        let me = process::current_process();
        let slot = self.find(me, hint).ok_or(ReleaseError::NoLease)?;
        let record = &self.slots[slot];
        let leases = record.held.load(Ordering::Relaxed);
        if leases == 0 {
            return Err(ReleaseError::NoLease);
        }
        let available = self.available.load(Ordering::Relaxed);
        self.begin(slot);
        record.held.store(leases - 1, Ordering::Relaxed);
        if available < self.bound.load(Ordering::Relaxed) {
            self.available.store(available + 1, Ordering::Relaxed);
            if self.waiters.load(Ordering::Relaxed) > 0 {
                held.wake = held.wake.max(1);
            }
        }
        self.commit();
        self.free_if_idle(me, hint);
        Ok(())
    }

    /// Turns a lease of this process into a consumed permit (Python-style code will
    /// `release` it later, maybe from another process).
    pub(crate) fn forget_lease(&self, hint: &AtomicUsize) {
        let Ok(_held) = self.lock() else {
            return;
        };
        let me = process::current_process();
        if let Some(slot) = self.find(me, hint) {
            let record = &self.slots[slot];
            let leases = record.held.load(Ordering::Relaxed);
            record
                .held
                .store(leases.saturating_sub(1), Ordering::Relaxed);
            self.free_if_idle(me, hint);
        }
    }

    /// Adds `n` permits (Python's `release(n)`); `bounded` chooses the error for
    /// going past the bound.
    pub(crate) fn add(&self, n: u64, bounded: bool) -> Result<(), ReleaseError> {
        if n == 0 {
            return Err(ReleaseError::ZeroCount);
        }
        let mut held = self.lock().map_err(ReleaseError::Internal)?;
        let available = self.available.load(Ordering::Relaxed);
        let bound = self.bound.load(Ordering::Relaxed);
        match available.checked_add(n) {
            Some(total) if total <= bound => {
                self.available.store(total, Ordering::Relaxed);
            }
            _ if bounded => return Err(ReleaseError::TooManyReleases),
            _ => return Err(ReleaseError::Overflow),
        }
        let waiters = u64::from(self.waiters.load(Ordering::Relaxed));
        held.wake = held.wake.max(n.min(waiters));
        Ok(())
    }

    /// Sweeps dead holders now; returns the permits recovered.
    pub(crate) fn recover(&self) -> Result<u64, AcquireError> {
        let mut held = self.lock()?;
        Ok(self.sweep(&mut held))
    }

    /// Takes the mutex; if its previous holder died, undoes the update it left half
    /// done and sweeps dead holders.
    fn lock(&self) -> Result<Held<'_>, AcquireError> {
        #[cfg(test)]
        tests::injected_lock_failure(self)?;
        let acquired = self.mutex.lock(None)?;
        let mut held = Held {
            body: self,
            wake: 0,
        };
        if acquired.owner_died {
            self.undo();
            self.sweep(&mut held);
        }
        Ok(held)
    }

    /// The slot of process `me`, if it has one.
    fn find(&self, me: ProcessId, hint: &AtomicUsize) -> Option<usize> {
        let is_mine = |slot: &Slot| {
            slot.pid.load(Ordering::Relaxed) == me.pid
                && slot.start.load(Ordering::Relaxed) == me.start
        };
        let guess = hint.load(Ordering::Relaxed);
        if self.slots.get(guess).is_some_and(is_mine) {
            return Some(guess);
        }
        let found = self.slots.iter().position(is_mine)?;
        hint.store(found, Ordering::Relaxed);
        Some(found)
    }

    /// The slot of process `me`, claiming a free one (after a sweep if need be).
    fn claim(
        &self,
        me: ProcessId,
        hint: &AtomicUsize,
        held: &mut Held<'_>,
    ) -> Result<usize, AcquireError> {
        if let Some(slot) = self.find(me, hint) {
            return Ok(slot);
        }
        for attempt in 0..2 {
            if let Some(slot) = self
                .slots
                .iter()
                .position(|slot| slot.pid.load(Ordering::Relaxed) == 0)
            {
                let record = &self.slots[slot];
                self.begin(slot);
                record.held.store(0, Ordering::Relaxed);
                record.waiting.store(0, Ordering::Relaxed);
                record.start.store(me.start, Ordering::Relaxed);
                record.pid.store(me.pid, Ordering::Relaxed);
                self.commit();
                hint.store(slot, Ordering::Relaxed);
                return Ok(slot);
            }
            if attempt == 0 {
                self.sweep(held);
            }
        }
        Err(AcquireError::TooManyHolders { max: MAX_HOLDERS })
    }

    /// Frees this process's slot if it holds no lease and has no waiter.
    fn free_if_idle(&self, me: ProcessId, hint: &AtomicUsize) {
        if let Some(slot) = self.find(me, hint) {
            let record = &self.slots[slot];
            if record.held.load(Ordering::Relaxed) == 0
                && record.waiting.load(Ordering::Relaxed) == 0
            {
                // One word: a free slot is one whose pid is 0.
                record.pid.store(0, Ordering::Relaxed);
            }
        }
    }

    fn register_waiter(&self, slot: usize) {
        let record = &self.slots[slot];
        self.begin(slot);
        record.waiting.fetch_add(1, Ordering::Relaxed);
        self.waiters.fetch_add(1, Ordering::Relaxed);
        self.commit();
    }

    fn unregister_waiter(&self, slot: usize, me: ProcessId) {
        let record = &self.slots[slot];
        // A sweep frees no live process's slot, so it is still ours — unless this
        // process was taken for dead (say, by a process whose view of /proc was wrong),
        // and its waiters forgotten with its slot already: nothing left to undo then.
        if record.pid.load(Ordering::Relaxed) != me.pid
            || record.start.load(Ordering::Relaxed) != me.start
        {
            return;
        }
        self.begin(slot);
        let waiting = record.waiting.load(Ordering::Relaxed);
        record
            .waiting
            .store(waiting.saturating_sub(1), Ordering::Relaxed);
        let waiters = self.waiters.load(Ordering::Relaxed);
        self.waiters
            .store(waiters.saturating_sub(1), Ordering::Relaxed);
        self.commit();
    }

    /// Gives the leases of dead processes back and forgets their waiters; returns the
    /// permits recovered (and has the waiters woken for them).
    fn sweep(&self, held: &mut Held<'_>) -> u64 {
        let me = process::current_process();
        let bound = self.bound.load(Ordering::Relaxed);
        let mut recovered = 0;
        for (index, record) in self.slots.iter().enumerate() {
            let pid = record.pid.load(Ordering::Relaxed);
            let start = record.start.load(Ordering::Relaxed);
            let id = ProcessId { pid, start };
            if pid == 0 || id == me || process::is_alive(id) {
                continue;
            }
            let leases = record.held.load(Ordering::Relaxed);
            let waiting = record.waiting.load(Ordering::Relaxed);
            let available = self.available.load(Ordering::Relaxed);
            let waiters = self.waiters.load(Ordering::Relaxed);
            self.begin(index);
            self.available.store(
                available.saturating_add(leases).min(bound),
                Ordering::Relaxed,
            );
            self.waiters
                .store(waiters.saturating_sub(waiting), Ordering::Relaxed);
            record.held.store(0, Ordering::Relaxed);
            record.waiting.store(0, Ordering::Relaxed);
            record.pid.store(0, Ordering::Relaxed);
            self.commit();
            recovered += leases;
        }
        if recovered > 0 && self.waiters.load(Ordering::Relaxed) > 0 {
            held.wake = held.wake.max(recovered);
        }
        recovered
    }

    /// Records the old values of the fields an update of `slot` may change.
    fn begin(&self, slot: usize) {
        let journal = &self.journal;
        let record = &self.slots[slot];
        journal.slot.store(slot as u32, Ordering::Relaxed);
        journal
            .available
            .store(self.available.load(Ordering::Relaxed), Ordering::Relaxed);
        journal
            .waiters
            .store(self.waiters.load(Ordering::Relaxed), Ordering::Relaxed);
        journal
            .slot_pid
            .store(record.pid.load(Ordering::Relaxed), Ordering::Relaxed);
        journal
            .slot_start
            .store(record.start.load(Ordering::Relaxed), Ordering::Relaxed);
        journal
            .slot_held
            .store(record.held.load(Ordering::Relaxed), Ordering::Relaxed);
        journal
            .slot_waiting
            .store(record.waiting.load(Ordering::Relaxed), Ordering::Relaxed);
        // The record is complete before it is valid, and valid before the update.
        journal.valid.store(1, Ordering::Release);
        fence(Ordering::Release);
    }

    /// The update is complete.
    fn commit(&self) {
        self.journal.valid.store(0, Ordering::Release);
    }

    /// Undoes an update that a dead holder of the mutex left half done.
    fn undo(&self) {
        let journal = &self.journal;
        if journal.valid.load(Ordering::Acquire) == 0 {
            return;
        }
        let Some(record) = self
            .slots
            .get(journal.slot.load(Ordering::Relaxed) as usize)
        else {
            journal.valid.store(0, Ordering::Release);
            return;
        };
        self.available
            .store(journal.available.load(Ordering::Relaxed), Ordering::Relaxed);
        self.waiters
            .store(journal.waiters.load(Ordering::Relaxed), Ordering::Relaxed);
        record
            .pid
            .store(journal.slot_pid.load(Ordering::Relaxed), Ordering::Relaxed);
        record.start.store(
            journal.slot_start.load(Ordering::Relaxed),
            Ordering::Relaxed,
        );
        record
            .held
            .store(journal.slot_held.load(Ordering::Relaxed), Ordering::Relaxed);
        record.waiting.store(
            journal.slot_waiting.load(Ordering::Relaxed),
            Ordering::Relaxed,
        );
        journal.valid.store(0, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Semaphore;

    /// The body whose next `lock` fails (by address; 0: none), so that tests can make
    /// one acquirer's lock fail without touching other tests' semaphores.
    static FAIL_NEXT_LOCK_OF: AtomicUsize = AtomicUsize::new(0);

    pub(super) fn injected_lock_failure(body: &SemaphoreBody) -> Result<(), AcquireError> {
        let address = std::ptr::from_ref(body) as usize;
        match FAIL_NEXT_LOCK_OF.compare_exchange(address, 0, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => Err(AcquireError::Os {
                operation: "injected",
                errno: libc::EIO,
            }),
            Err(_) => Ok(()),
        }
    }

    /// Polls `done` until it holds, failing the test after 20 s (a broken build hangs
    /// no test run).
    fn wait_until(what: &str, done: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !done() {
            assert!(Instant::now() < deadline, "timed out waiting until {what}");
            std::thread::yield_now();
        }
    }

    #[test]
    fn a_waiter_that_fails_to_relock_leaves_no_registration_behind() {
        let name = format!("tk-sem-unit-{}-unregister", std::process::id());
        let semaphore = Semaphore::create(&name, 0).unwrap();
        let body = semaphore.inner.shared.body();
        let result = std::thread::scope(|scope| {
            let waiter =
                scope.spawn(|| semaphore.acquire_timeout(Duration::from_secs(20)).map(drop));
            wait_until("the acquirer waits", || {
                body.waiters.load(Ordering::Relaxed) == 1
            });
            // Its next lock of the semaphore's mutex fails; wake it up.
            FAIL_NEXT_LOCK_OF.store(std::ptr::from_ref(body) as usize, Ordering::Relaxed);
            body.seq.fetch_add(1, Ordering::Release);
            futex::wake_all(&body.seq);
            waiter.join().unwrap()
        });
        assert_eq!(
            result,
            Err(AcquireError::Os {
                operation: "injected",
                errno: libc::EIO
            })
        );
        assert_eq!(body.waiters.load(Ordering::Relaxed), 0, "unregistered");
        assert!(
            body.slots
                .iter()
                .all(|slot| slot.pid.load(Ordering::Relaxed) == 0),
            "the idle slot is freed"
        );
        assert_eq!(body.journal.valid.load(Ordering::Relaxed), 0);
        Semaphore::unlink(&name).unwrap();
    }

    #[test]
    fn an_update_cut_short_by_a_death_is_undone() {
        let name = format!("tk-sem-unit-{}-undo", std::process::id());
        let semaphore = Semaphore::create(&name, 3).unwrap();
        let body = semaphore.inner.shared.body();
        // A thread takes the internal mutex, starts an update, and exits half-way
        // (the kernel marks the robust mutex: its owner died).
        std::thread::scope(|scope| {
            scope.spawn(|| {
                body.mutex.lock(None).unwrap();
                body.begin(7);
                body.available.store(0, Ordering::Relaxed);
                body.slots[7].pid.store(u32::MAX, Ordering::Relaxed);
                body.slots[7].held.store(99, Ordering::Relaxed);
            });
        });
        assert_eq!(semaphore.available_permits(), 0, "half-done, for now");
        // The next operation is told, and undoes the update before its own.
        let permit = semaphore.try_acquire().unwrap();
        assert_eq!(semaphore.available_permits(), 2);
        assert_eq!(body.slots[7].pid.load(Ordering::Relaxed), 0);
        assert_eq!(body.slots[7].held.load(Ordering::Relaxed), 0);
        assert_eq!(body.journal.valid.load(Ordering::Relaxed), 0);
        drop(permit);
        assert_eq!(semaphore.available_permits(), 3);
        Semaphore::unlink(&name).unwrap();
    }

    #[test]
    fn a_dead_process_record_is_swept_and_a_live_one_kept() {
        let name = format!("tk-sem-unit-{}-sweep", std::process::id());
        let semaphore = Semaphore::create(&name, 0).unwrap();
        let body = semaphore.inner.shared.body();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let me = process::current_process();
        // Records as processes would have left them: a dead one holding 2 permits,
        // a live one (this process) holding 1.
        for (slot, pid, start, held) in [(3, dead, 1, 2), (4, me.pid, me.start, 1)] {
            let record = &body.slots[slot];
            record.pid.store(pid, Ordering::Relaxed);
            record.start.store(start, Ordering::Relaxed);
            record.held.store(held, Ordering::Relaxed);
        }
        assert_eq!(semaphore.recover().unwrap(), 2);
        assert_eq!(semaphore.available_permits(), 2);
        assert_eq!(body.slots[3].pid.load(Ordering::Relaxed), 0);
        assert_eq!(body.slots[4].held.load(Ordering::Relaxed), 1);
        Semaphore::unlink(&name).unwrap();
    }

    /// A process that was alive a moment ago and is now dead and reaped, as a record
    /// names it (its real start time, so that only its death makes it dead).
    fn a_dead_process() -> ProcessId {
        let mut child = std::process::Command::new("sleep")
            .arg("60")
            .spawn()
            .unwrap();
        let pid = child.id();
        let start = process::start_time(pid).unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
        ProcessId { pid, start }
    }

    #[test]
    fn permits_recovered_while_claiming_a_slot_are_kept() {
        // 300 permits; every slot of the table is a dead process's record holding one
        // lease (as if MAX_HOLDERS helper processes had each taken one and were killed).
        let name = format!("tk-sem-unit-{}-full-table", std::process::id());
        let semaphore = Semaphore::create(&name, 300).unwrap();
        let body = semaphore.inner.shared.body();
        let dead: Vec<ProcessId> = (0..4).map(|_| a_dead_process()).collect();
        for (index, record) in body.slots.iter().enumerate() {
            let id = dead[index % dead.len()];
            record.pid.store(id.pid, Ordering::Relaxed);
            record.start.store(id.start, Ordering::Relaxed);
            record.held.store(1, Ordering::Relaxed);
        }
        let leased = MAX_HOLDERS as u64;
        body.available.store(300 - leased, Ordering::Relaxed);
        // No slot is free: claiming one sweeps, which brings the 256 leases back.
        let permit = semaphore.try_acquire().unwrap();
        assert_eq!(semaphore.available_permits(), 299);
        assert_eq!(semaphore.recover().unwrap(), 0, "nothing left to recover");
        drop(permit);
        assert_eq!(semaphore.available_permits(), 300);
        Semaphore::unlink(&name).unwrap();
    }
}
