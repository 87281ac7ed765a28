"""Diagnostics from Python: ``DeadlockError`` instead of a hang, ``THREADKIT_DEADLOCK=1``,
and ``dump_threads()`` naming Python threads by their Python names.

Threads are lined up with barriers and events, and a thread is known to be blocked
when ``dump_threads()`` says so; no test waits a fixed time for a race to settle.
"""

import json
import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import threadkit


@pytest.fixture
def detection():
    threadkit.enable_deadlock_detection()
    try:
        yield
    finally:
        threadkit.disable_deadlock_detection()


def eventually(predicate, what):
    """Polls `predicate` until it is true (a bounded wait for a state, not a race)."""
    deadline = time.monotonic() + 30
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.001)


def test_deadlock_error_is_a_runtime_error():
    assert issubclass(threadkit.DeadlockError, RuntimeError)
    assert "DeadlockError" in threadkit.__all__
    assert not threadkit.is_deadlock_detection_enabled()


def test_acquiring_a_held_lock_again_raises_instead_of_hanging(detection):
    assert threadkit.is_deadlock_detection_enabled()
    lock = threadkit.Lock()
    assert lock.acquire()
    # The main thread waits in slices (to run signal handlers): still detected.
    with pytest.raises(threadkit.DeadlockError) as caught:
        lock.acquire()
    assert "already holds" in str(caught.value)
    assert lock.locked(), "the lock stays held, untouched"
    lock.release()
    assert lock.acquire(timeout=1)
    lock.release()


def test_a_timed_acquire_times_out_as_usual(detection):
    lock = threadkit.Lock()
    lock.acquire()
    assert lock.acquire(timeout=0.01) is False
    assert lock.acquire(blocking=False) is False
    lock.release()


def test_the_same_on_a_thread_that_is_not_the_main_one(detection):
    outcome = []

    def worker():
        lock = threadkit.Lock()
        with lock:
            try:
                lock.acquire()
            except threadkit.DeadlockError as error:
                outcome.append(str(error))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert len(outcome) == 1 and "already holds" in outcome[0]


@pytest.mark.parametrize("locktype", [threadkit.Lock, threadkit.RLock])
def test_opposite_orders_one_thread_is_told_and_both_finish(detection, locktype):
    a, b = locktype(), locktype()
    both_hold_one = threading.Barrier(2)
    finished = threading.Event()
    errors = []

    def worker(first, second):
        first.acquire()
        both_hold_one.wait()
        try:
            second.acquire()
        except threadkit.DeadlockError as error:
            errors.append(str(error))
            first.release()
            finished.wait()  # the other one goes on; then retry
            with first, second:
                return
        second.release()
        first.release()
        finished.set()

    threads = [
        threading.Thread(target=worker, args=(a, b)),
        threading.Thread(target=worker, args=(b, a)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a thread hung"
    assert len(errors) == 1, errors
    assert "each wait for a lock the next one holds" in errors[0]


def test_rlock_reentry_is_no_deadlock(detection):
    lock = threadkit.RLock()
    with lock:
        with lock:
            assert lock._is_owned()


def test_dump_names_python_threads_and_who_holds_what(detection):
    ledger = threadkit.Lock()
    go = threadkit.Event()
    holding = threadkit.Event()

    def hold():
        with ledger:
            holding.set()
            go.wait()

    holder = threading.Thread(target=hold, name="holder")
    holder.start()
    holding.wait()
    waiter = threading.Thread(target=lambda: ledger.acquire() and ledger.release(), name="waiter")
    waiter.start()
    try:
        eventually(lambda: 'held by "holder"' in threadkit.dump_threads(), "the waiter blocks")
        text = threadkit.dump_threads()
        assert '"holder"' in text and '"waiter"' in text, text
        assert "holds Lock" in text, text
        dump = json.loads(threadkit.dump_threads(format="json"))
        names = [thread["name"] for thread in dump["threads"]]
        assert "holder" in names and "waiter" in names, names
        waiting = next(t for t in dump["threads"] if t["name"] == "waiter")
        assert waiting["waiting_on"]["held_by"]["name"] == "holder"
    finally:
        go.set()
        holder.join()
        waiter.join()


@pytest.mark.parametrize(
    "make",
    [
        lambda: threadkit.Event(),
        lambda: threadkit.Semaphore(0),
        lambda: threadkit.BoundedSemaphore(1),
        lambda: threadkit.Barrier(2),
        lambda: threadkit.Condition(),
        lambda: threadkit.Queue(),
        lambda: threadkit.LifoQueue(),
        lambda: threadkit.PriorityQueue(),
        lambda: threadkit.SimpleQueue(),
    ],
    ids=lambda make: "",
)
def test_a_dump_names_every_primitive_after_its_python_line(detection, make):
    made_at = f"test_diagnostics.py:{make.__code__.co_firstlineno}"
    primitive = make()
    if isinstance(primitive, threadkit.BoundedSemaphore):
        primitive.acquire()  # a release must not go above the initial value
    wait = {
        threadkit.Event: lambda: primitive.wait(),
        threadkit.Semaphore: lambda: primitive.acquire(),
        threadkit.BoundedSemaphore: lambda: primitive.acquire(),
        threadkit.Barrier: lambda: primitive.wait(),
        threadkit.Condition: lambda: primitive.acquire() and primitive.wait(),
        threadkit.Queue: lambda: primitive.get(),
        threadkit.LifoQueue: lambda: primitive.get(),
        threadkit.PriorityQueue: lambda: primitive.get(),
        threadkit.SimpleQueue: lambda: primitive.get(),
    }[type(primitive)]
    waiter = threading.Thread(target=wait, name="waiter")
    waiter.start()
    try:
        eventually(lambda: made_at in threadkit.dump_threads(), f"a wait on {made_at}")
    finally:
        if isinstance(primitive, threadkit.Event):
            primitive.set()
        elif isinstance(primitive, threadkit.Semaphore):
            primitive.release()
        elif isinstance(primitive, threadkit.Barrier):
            primitive.wait()  # the second party
        elif isinstance(primitive, threadkit.Condition):
            with primitive:
                primitive.notify()
        else:
            primitive.put(1)
        waiter.join()


def test_dump_rejects_an_unknown_format():
    with pytest.raises(ValueError):
        threadkit.dump_threads(format="xml")


def test_the_environment_variable_switches_detection_on():
    program = textwrap.dedent(
        """
        import threadkit
        print(threadkit.is_deadlock_detection_enabled())
        lock = threadkit.Lock()
        lock.acquire()
        try:
            lock.acquire()
        except threadkit.DeadlockError:
            print("DeadlockError")
        """
    )
    environment = dict(os.environ, THREADKIT_DEADLOCK="1")
    result = subprocess.run(
        [sys.executable, "-c", program],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "DeadlockError"]


def test_off_by_default_a_timed_acquire_just_times_out():
    lock = threadkit.Lock()
    lock.acquire()
    assert lock.acquire(timeout=0.01) is False
    lock.release()


def test_a_stall_with_the_main_thread_in_it_is_reported_once():
    # The main thread waits with no timeout, which the binding does in short slices
    # (to run Ctrl-C handlers); the watchdog must see one long wait, not many short
    # timed ones. A thread threadkit does not know (blocked on stdin) ends the stall
    # once the parent has read the report.
    program = textwrap.dedent(
        """
        import sys
        import threading
        import threadkit

        threadkit.set_stall_threshold(0.5)
        never = threadkit.Event()
        worker = threadkit.Thread(target=never.wait, name="stuck worker")
        worker.start()

        def release_on_request():
            sys.stdin.readline()
            never.set()  # both at once: no second stall with one of them still stuck

        threading.Thread(target=release_on_request, daemon=True).start()
        never.wait()
        worker.join()
        print("done", flush=True)
        """
    )
    environment = dict(os.environ, THREADKIT_DEADLOCK="1")
    child = subprocess.Popen(
        [sys.executable, "-c", program],
        env=environment,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Were no stall reported, the child would wait forever: a safety net ends it.
    safety_net = threading.Timer(60, child.kill)
    safety_net.start()
    try:
        report = []
        for line in child.stderr:
            report.append(line)
            if "MainThread" in line and any("stall:" in seen for seen in report):
                break
        child.stdin.write("go\n")
        child.stdin.flush()
        out, err = child.communicate(timeout=60)
    finally:
        safety_net.cancel()
        child.kill()
    text = "".join(report) + err
    assert child.returncode == 0, text
    assert out.split() == ["done"]
    assert text.count("stall:") == 1, text
    assert "stuck worker" in text, text


def test_the_stall_threshold_must_be_a_positive_number():
    for bad in (0, -1.0, float("nan")):
        with pytest.raises(ValueError):
            threadkit.set_stall_threshold(bad)
    with pytest.raises(OverflowError):
        threadkit.set_stall_threshold(1e300)
    with pytest.raises(TypeError):
        threadkit.set_stall_threshold("1")
    threadkit.set_stall_threshold(1.0)
