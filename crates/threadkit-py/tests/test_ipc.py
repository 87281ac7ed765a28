"""``threadkit.ipc``: named locks, semaphores and events shared between processes.

Children are started with the ``spawn`` context (the objects travel to them pickled, as
their names) unless a test is about ``fork``; every name includes the pid and is
unlinked at the end. Processes synchronize through events and pipes, never sleeps.
"""

import itertools
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="threadkit.ipc is Linux-only"
)

if sys.platform.startswith("linux"):
    import threadkit
    from threadkit import ipc

SPAWN = multiprocessing.get_context("spawn")
FORK = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
# Generous bounds for a child to do what it was told; the tests do not wait them out.
LONG = 30.0

_counter = itertools.count()


@pytest.fixture
def names():
    """A factory of fresh names; each is unlinked (whatever it holds) at the end."""
    made = []

    def make(tag="x"):
        name = f"tk-py-test-{os.getpid()}-{next(_counter)}-{tag}"
        made.append(name)
        return name

    yield make
    for name in made:
        try:
            ipc.unlink(name)
        except FileNotFoundError:
            pass


def join(process):
    process.join(LONG)
    assert process.exitcode == 0, f"child exited with {process.exitcode}"


# --- children (top-level: the spawn context imports them by name) ---------------------


def count_under_lock(lock, go, counter, rounds):
    go.wait(LONG)
    for _ in range(rounds):
        with lock:
            value = counter.value
            counter.value = value + 1


def hold_until_killed(lock, held, never):
    lock.acquire()
    held.set()
    never.wait()


def hold_permits_until_killed(semaphore, held, never):
    # One permit inside a `with` block (a lease), one taken by acquire() (a count).
    semaphore.acquire()
    with semaphore:
        held.set()
        never.wait()


def set_event(event):
    event.set()


def take_permits(semaphore, conn):
    conn.send(semaphore.acquire(blocking=False))
    conn.send(semaphore.acquire(timeout=LONG))
    semaphore.release()


# --- across processes ----------------------------------------------------------------


def test_four_processes_count_without_lost_updates(names):
    lock = ipc.Lock(names("lock"), create=True)
    go = ipc.Event(names("go"), create=True)
    counter = SPAWN.RawValue("q", 0)
    rounds = 2000
    children = [
        SPAWN.Process(target=count_under_lock, args=(lock, go, counter, rounds))
        for _ in range(4)
    ]
    for child in children:
        child.start()
    go.set()
    for child in children:
        join(child)
    assert counter.value == 4 * rounds
    assert not lock.locked()


def test_holder_killed_with_sigkill_is_recovered(names):
    lock = ipc.Lock(names("lock"), create=True)
    held = ipc.Event(names("held"), create=True)
    never = ipc.Event(names("never"), create=True)
    child = SPAWN.Process(target=hold_until_killed, args=(lock, held, never))
    child.start()
    assert held.wait(LONG)
    assert lock.locked()
    assert not lock.acquire(blocking=False)
    os.kill(child.pid, signal.SIGKILL)
    child.join(LONG)
    assert child.exitcode == -signal.SIGKILL

    start = time.monotonic()
    with pytest.warns(ipc.OwnerDiedWarning, match="died holding it"):
        assert lock.acquire(timeout=1.0)
    assert time.monotonic() - start < 1.0
    assert lock.owner_died
    lock.release()
    # The lock is consistent again: the next holder is not told anything.
    assert lock.acquire(timeout=1.0)
    assert not lock.owner_died
    lock.release()


def test_event_set_in_a_spawned_child_wakes_the_parent(names):
    event = ipc.Event(names("event"), create=True)
    child = SPAWN.Process(target=set_event, args=(event,))
    child.start()
    assert event.wait(LONG)
    assert event.is_set()
    join(child)


def test_event_set_in_a_forked_child_wakes_the_parent(names):
    event = ipc.Event(names("event"), create=True)
    child = FORK.Process(target=set_event, args=(event,))
    child.start()
    assert event.wait(LONG)
    join(child)


def test_unrelated_processes_share_by_name(names):
    name = names("event")
    event = ipc.Event(name, create=True)
    import subprocess

    code = f"from threadkit import ipc; ipc.Event({name!r}, create=False).set()"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=LONG)
    assert event.is_set()


def test_semaphore_permits_are_shared_across_processes(names):
    semaphore = ipc.Semaphore(names("sem"), 2, create=True)
    assert semaphore.acquire() and semaphore.acquire()
    parent, child_end = SPAWN.Pipe()
    child = SPAWN.Process(target=take_permits, args=(semaphore, child_end))
    child.start()
    assert parent.poll(LONG)
    assert parent.recv() is False  # both permits are held here
    semaphore.release()
    assert parent.poll(LONG)
    assert parent.recv() is True
    join(child)
    assert semaphore.get_value() == 1
    semaphore.release()
    assert semaphore.get_value() == 2


# --- in one process ------------------------------------------------------------------


def test_lock_api(names):
    name = names("lock")
    lock = ipc.Lock(name)
    assert lock.name == name
    assert not lock.locked()
    assert lock.acquire()
    assert lock.locked() and not lock.owner_died
    assert f"locked threadkit.ipc.Lock name={name!r}" in repr(lock)
    other = ipc.Lock(name, create=False)  # the same lock, another handle
    assert other.locked()
    lock.release()
    with other:
        assert lock.locked()
    assert not lock.locked()
    with pytest.raises(RuntimeError, match="release unlocked lock"):
        lock.release()


def test_lock_belongs_to_its_thread(names):
    lock = ipc.Lock(names("lock"))
    lock.acquire()
    assert lock.acquire(blocking=False) is False
    with pytest.raises(threadkit.DeadlockError):
        lock.acquire()
    with pytest.raises(threadkit.DeadlockError):
        lock.acquire(timeout=0.01)
    errors = []

    def release_elsewhere():
        try:
            lock.release()
        except RuntimeError as error:
            errors.append(error)

    thread = threading.Thread(target=release_elsewhere)
    thread.start()
    thread.join()
    assert len(errors) == 1 and "another thread" in str(errors[0])
    lock.release()


def test_timeouts(names):
    lock = ipc.Lock(names("lock"))
    lock.acquire()
    results = []

    def contend():
        start = time.monotonic()
        results.append((lock.acquire(timeout=0.05), time.monotonic() - start))
        results.append(lock.acquire(blocking=False))

    thread = threading.Thread(target=contend)
    thread.start()
    thread.join()
    (acquired, waited), try_acquired = results
    assert not acquired and waited >= 0.05
    assert not try_acquired
    lock.release()
    with pytest.raises(ValueError):
        lock.acquire(False, 1)
    with pytest.raises(ValueError):
        lock.acquire(timeout=-2)
    with pytest.raises(OverflowError):
        lock.acquire(timeout=1e300)

    event = ipc.Event(names("event"))
    start = time.monotonic()
    assert event.wait(0.05) is False
    assert time.monotonic() - start >= 0.05
    assert event.wait(0) is False
    event.set()
    assert event.wait(0) is True and event.wait() is True
    event.clear()
    assert not event.is_set()

    semaphore = ipc.Semaphore(names("sem"), 0)
    start = time.monotonic()
    assert semaphore.acquire(timeout=0.05) is False
    assert time.monotonic() - start >= 0.05
    assert semaphore.acquire(blocking=False) is False
    with pytest.raises(ValueError):
        semaphore.acquire(False, 1)


def test_waits_release_the_gil(names):
    event = ipc.Event(names("event"))
    waiting = threading.Event()
    woke = []

    def waiter():
        waiting.set()
        woke.append(event.wait(LONG))

    thread = threading.Thread(target=waiter)
    thread.start()
    assert waiting.wait(LONG)
    event.set()  # the GIL is free while the waiter blocks
    thread.join(LONG)
    assert woke == [True]


def test_semaphores(names):
    semaphore = ipc.Semaphore(names("sem"), 1)
    with semaphore:
        assert semaphore.get_value() == 0
    semaphore.release(3)
    assert semaphore.get_value() == 4
    with pytest.raises(ValueError, match="n must be one or more"):
        semaphore.release(0)
    with pytest.raises(ValueError, match="initial value must be >= 0"):
        ipc.Semaphore(names("neg"), -1)

    bounded = ipc.BoundedSemaphore(names("bounded"), 2)
    assert isinstance(bounded, ipc.Semaphore)
    assert bounded.acquire()
    with pytest.raises(ValueError, match="released too many times"):
        bounded.release(2)
    assert bounded.get_value() == 1
    bounded.release()
    with pytest.raises(ValueError, match="released too many times"):
        bounded.release()
    assert "value=2/2" in repr(bounded)


def test_a_with_block_permit_of_a_killed_process_comes_back(names):
    # A permit taken by `with` is a lease: the process's death gives it back. One taken
    # by acquire() is a count, as in multiprocessing: it stays taken.
    semaphore = ipc.Semaphore(names("sem"), 2)
    held = ipc.Event(names("held"), create=True)
    never = ipc.Event(names("never"), create=True)
    child = SPAWN.Process(target=hold_permits_until_killed, args=(semaphore, held, never))
    child.start()
    assert held.wait(LONG)
    assert semaphore.get_value() == 0
    os.kill(child.pid, signal.SIGKILL)
    child.join(LONG)
    assert child.exitcode == -signal.SIGKILL
    # An acquirer that finds no permit looks for dead holders first.
    assert semaphore.acquire(timeout=LONG)
    assert semaphore.get_value() == 0, "only the leased permit came back"
    semaphore.release()


def test_with_blocks_nest_and_mix_with_counts(names):
    semaphore = ipc.BoundedSemaphore(names("bounded"), 3)
    with semaphore:
        with semaphore:
            assert semaphore.acquire()
            assert semaphore.get_value() == 0
            semaphore.release()
        assert semaphore.get_value() == 2
    assert semaphore.get_value() == 3
    # Every permit of a bounded semaphore back: one more release is refused.
    with pytest.raises(ValueError, match="released too many times"):
        semaphore.release()


def test_a_with_block_left_in_a_forked_child_releases_as_a_count(names):
    semaphore = ipc.Semaphore(names("sem"), 1)
    semaphore.__enter__()  # the parent's lease
    child = FORK.Process(target=semaphore.__exit__, args=(None, None, None))
    child.start()
    join(child)
    # The child held no lease: its exit released a count, as multiprocessing would.
    assert semaphore.get_value() == 1
    semaphore.__exit__(None, None, None)
    assert semaphore.get_value() == 2


def test_bad_names_and_missing_or_taken_names(names):
    for bad in ["", "/", "a/b", "x" * (ipc.MAX_NAME_LEN + 1), "a\0b", ".."]:
        with pytest.raises(ValueError, match="invalid name"):
            ipc.Lock(bad)
    with pytest.raises(TypeError):
        ipc.Event(42)  # type: ignore[arg-type]
    missing = names("missing")
    for cls in (ipc.Lock, ipc.Event, ipc.Semaphore, ipc.BoundedSemaphore):
        with pytest.raises(FileNotFoundError, match="no shared object"):
            cls(missing, create=False)
    with pytest.raises(FileNotFoundError):
        ipc.unlink(missing)
    taken = names("taken")
    ipc.Event(taken, create=True)
    with pytest.raises(FileExistsError, match="already exists"):
        ipc.Event(taken, create=True)
    with pytest.raises(ValueError, match="invalid mode"):
        ipc.Lock(names("mode"), mode=0o1777)


def test_wrong_kind_is_a_type_error(names):
    name = names("event")
    ipc.Event(name)
    for cls in (ipc.Lock, ipc.Semaphore, ipc.BoundedSemaphore):
        with pytest.raises(TypeError, match="is a event, not a "):
            cls(name)
        with pytest.raises(TypeError):
            cls.unlink(name)
    plain = names("plain")
    ipc.Semaphore(plain, 1)
    with pytest.raises(TypeError, match="not a bounded semaphore"):
        ipc.BoundedSemaphore(plain, create=False)
    ipc.Semaphore.unlink(plain)
    with pytest.raises(FileNotFoundError):
        ipc.Semaphore(plain, create=False)


def test_unlink_keeps_open_handles_working(names):
    name = names("lock")
    lock = ipc.Lock(name, create=True)
    ipc.Lock.unlink(name)
    with lock:
        assert lock.locked()
    fresh = ipc.Lock(name, create=True)  # a new, separate lock
    with lock:
        assert not fresh.locked()


def test_pickling_reopens_by_name(names):
    lock = ipc.Lock(names("lock"))
    event = ipc.Event(names("event"))
    bounded = ipc.BoundedSemaphore(names("bounded"), 3)
    for obj in (lock, event, bounded):
        copy = pickle.loads(pickle.dumps(obj))
        assert type(copy) is type(obj) and copy.name == obj.name
    with lock:
        assert pickle.loads(pickle.dumps(lock)).locked()
    event.set()
    assert pickle.loads(pickle.dumps(event)).is_set()
    data = pickle.dumps(event)
    ipc.Event.unlink(event.name)
    with pytest.raises(FileNotFoundError):
        pickle.loads(data)


def test_priority_inheritance_lock(names):
    lock = ipc.Lock(names("pi"), priority_inheritance=True)
    with lock:
        assert lock.locked()
        assert not lock.acquire(blocking=False)
    assert not lock.locked()


def test_a_holder_thread_that_ended_is_reported(names):
    import warnings

    lock = ipc.Lock(names("lock"))
    thread = threading.Thread(target=lock.acquire)
    thread.start()
    thread.join()
    assert lock.locked()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ipc.OwnerDiedWarning)
        # Warnings as errors: the warning is raised and the lock released again.
        with pytest.raises(ipc.OwnerDiedWarning):
            lock.acquire()
    assert not lock.locked()
    assert lock.acquire(blocking=False) and not lock.owner_died
    lock.release()
