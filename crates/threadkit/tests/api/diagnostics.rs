use std::sync::Arc;

use threadkit::diagnostics::{self, PrimitiveKind};
use threadkit::{Event, Lock, RLock};

use crate::support::{spawn_named, wait_until_blocked};

#[test]
fn held_locks_and_waits_are_recorded_while_on() {
    diagnostics::enable();
    assert!(diagnostics::is_enabled());
    let accounts = Arc::new(Lock::named("diag-accounts", ()));
    let ledger = RLock::named("diag-ledger", ());
    let held = accounts.acquire();
    let _ledger = ledger.acquire();
    let me = std::thread::current().name().unwrap().to_owned();
    let snapshot = diagnostics::snapshot();
    let mine = snapshot
        .iter()
        .find(|t| t.name == me)
        .expect("this thread is recorded");
    let names: Vec<_> = mine.held.iter().map(|h| h.lock.name).collect();
    assert!(names.contains(&Some("diag-accounts")) && names.contains(&Some("diag-ledger")));
    let entry = mine
        .held
        .iter()
        .find(|h| h.lock.name == Some("diag-accounts"))
        .unwrap();
    assert_eq!(entry.lock.kind, PrimitiveKind::Lock);
    assert!(entry.acquired_at.file().ends_with("diagnostics.rs"));
    assert_eq!(entry.lock.to_string(), "Lock 'diag-accounts'");

    let waiter = {
        let accounts = Arc::clone(&accounts);
        spawn_named("diag-waiter", move || drop(accounts.acquire()))
    };
    wait_until_blocked("diag-waiter");
    let snapshot = diagnostics::snapshot();
    let waiting = snapshot.iter().find(|t| t.name == "diag-waiter").unwrap();
    let on = waiting.waiting_on.as_ref().unwrap();
    assert!(on.for_lock && !on.timed);
    assert_eq!(on.primitive.name, Some("diag-accounts"));

    drop(held);
    waiter.join().unwrap();
    let snapshot = diagnostics::snapshot();
    let mine = snapshot.iter().find(|t| t.name == me).unwrap();
    assert!(
        mine.held
            .iter()
            .all(|h| h.lock.name != Some("diag-accounts"))
    );
    assert!(
        snapshot.iter().all(|t| t.name != "diag-waiter"),
        "exited threads leave"
    );
}

#[test]
fn release_by_another_thread_clears_the_holders_record() {
    diagnostics::enable();
    let lock = Arc::new(Lock::named("diag-cross", ()));
    let detached = Arc::new(Event::new());
    let holder = {
        let (lock, detached) = (Arc::clone(&lock), Arc::clone(&detached));
        spawn_named("diag-holder", move || {
            lock.acquire().detach();
            detached.set();
            std::thread::park();
        })
    };
    let holds = |name: &str| {
        diagnostics::snapshot()
            .iter()
            .any(|t| t.name == name && t.held.iter().any(|h| h.lock.name == Some("diag-cross")))
    };
    detached.wait();
    assert!(holds("diag-holder"));
    lock.release().unwrap();
    assert!(!holds("diag-holder"));
    holder.thread().unpark();
    holder.join().unwrap();
}
