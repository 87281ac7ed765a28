"""``threadkit.Thread`` and ``Timer``: a ``threading.Thread`` started by threadkit, seen
by the ``threading`` module, with a ``state``; subclasses that override ``run()``;
exceptions through ``threading.excepthook``; the misuse errors of the stdlib.

Tests that need a thread to be in some state wait until ``state`` says so, never for a
fixed time.
"""

import subprocess
import sys
import textwrap
import threading
import time

import pytest

import threadkit


def eventually(predicate, what):
    """Polls `predicate` until it is true (a bounded wait for a state, not a race)."""
    deadline = time.monotonic() + 30
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.001)


class Waiter(threadkit.Thread):
    """A subclass that overrides __init__ and run()."""

    def __init__(self, event, **kwargs):
        super().__init__(**kwargs)
        self.event = event
        self.seen = None

    def run(self):
        self.seen = threading.current_thread()
        self.event.wait()


def test_a_threading_thread():
    results = []
    thread = threadkit.Thread(target=lambda a, b=0: results.append(a + b), args=(1,), kwargs={"b": 2},
                              name="adder")
    assert isinstance(thread, threading.Thread)
    assert thread.name == "adder" and not thread.daemon and thread.ident is None
    assert not thread.is_alive()
    thread.start()
    thread.join()
    assert results == [3]
    assert not thread.is_alive()
    assert isinstance(thread.ident, int) and thread.ident != threading.get_ident()
    assert thread.native_id is None or isinstance(thread.native_id, int)
    assert re_stopped(repr(thread))


def re_stopped(text):
    return text.startswith("<Thread(adder, stopped ") and text.endswith(")>")


def test_subclass_state_and_registration():
    event = threadkit.Event()
    thread = Waiter(event, name="waiter", daemon=True)
    assert thread.state == "new" and str(thread.state) == "new" and thread.state.on is None
    assert "initial" in repr(thread)
    thread.start()
    eventually(lambda: thread.state == "waiting", "the thread to wait")
    assert thread.state.on == "Event"
    assert str(thread.state) == "waiting on Event"
    assert repr(thread.state) == "<ThreadState waiting on Event>"
    assert thread.is_alive() and "started daemon" in repr(thread)
    # The threading module sees it, as one of its own threads.
    assert thread in threading.enumerate()
    assert threading.active_count() >= 2
    event.set()
    thread.join()
    assert thread.seen is thread  # current_thread() inside it is the object itself
    assert thread.state == "terminated" and not thread.is_alive()
    assert thread not in threading.enumerate()
    assert "stopped" in repr(thread)


def test_state_blocked_on_a_lock():
    lock = threadkit.Lock()
    lock.acquire()
    thread = threadkit.Thread(target=lambda: (lock.acquire(), lock.release()))
    thread.start()
    eventually(lambda: thread.state == "blocked", "the thread to block")
    assert thread.state == threadkit.ThreadState("blocked", "Lock")
    assert thread.state != threadkit.ThreadState("blocked", "RLock")
    lock.release()
    thread.join()
    assert thread.state == "terminated"


def test_thread_state_values():
    state = threadkit.ThreadState("waiting", "Queue")
    assert state == "waiting" and state != "runnable"
    assert hash(state) == hash("waiting")
    assert {state: 1}["waiting"] == 1
    with pytest.raises(ValueError):
        threadkit.ThreadState("asleep")


def test_join_with_a_timeout():
    event = threadkit.Event()
    thread = threadkit.Thread(target=event.wait)
    thread.start()
    thread.join(0.01)
    assert thread.is_alive()
    thread.join(-1)  # counts as zero, as in the stdlib
    assert thread.is_alive()
    event.set()
    thread.join(timeout=60)
    assert not thread.is_alive()


def test_misuse_is_the_stdlibs():
    for module in (threading, threadkit):
        thread = module.Thread(target=lambda: None)
        with pytest.raises(RuntimeError, match="cannot join thread before it is started"):
            thread.join()
        thread.start()
        with pytest.raises(RuntimeError, match="threads can only be started once"):
            thread.start()
        thread.join()

    class NoInit(threadkit.Thread):
        def __init__(self):
            pass

    with pytest.raises(RuntimeError, match="__init__"):
        NoInit().start()

    errors = []

    def join_myself():
        try:
            threading.current_thread().join()
        except RuntimeError as error:
            errors.append(str(error))

    thread = threadkit.Thread(target=join_myself)
    thread.start()
    thread.join()
    assert errors == ["cannot join current thread"]


def test_an_exception_goes_to_threading_excepthook(monkeypatch):
    seen = []
    monkeypatch.setattr(threading, "excepthook", lambda args: seen.append(args))

    def fail():
        raise ValueError("in the thread")

    thread = threadkit.Thread(target=fail, name="failing")
    thread.start()
    thread.join()
    assert len(seen) == 1
    assert seen[0].exc_type is ValueError and str(seen[0].exc_value) == "in the thread"
    assert seen[0].thread is thread


def test_an_exception_is_printed_by_default():
    # In a child process: pytest replaces threading.excepthook with its own.
    program = textwrap.dedent(
        """
        import threadkit
        def fail():
            raise KeyError("lost?")
        thread = threadkit.Thread(target=fail, name="noisy")
        thread.start()
        thread.join()
        """
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert "Exception in thread noisy" in result.stderr and "KeyError: 'lost?'" in result.stderr


def test_timer_runs_and_cancel_stops_it():
    done = threadkit.Event()
    timer = threadkit.Timer(0.001, done.set)
    timer.start()
    assert done.wait(60)
    timer.join()

    called = []
    timer = threadkit.Timer(60, called.append, args=[1])
    timer.start()
    eventually(lambda: timer.state == "waiting", "the timer to wait")
    timer.cancel()
    timer.join()
    assert called == []


def test_non_daemon_threads_finish_before_exit():
    # The program ends when its last non-daemon thread does; a daemon thread does not
    # hold it up.
    program = textwrap.dedent(
        """
        import threadkit
        main_done = threadkit.Event()
        def work():
            main_done.wait()  # still running when the main thread ends
            print("worker done", flush=True)
        threadkit.Thread(target=work).start()
        threadkit.Thread(target=threadkit.Event().wait, daemon=True).start()
        print("main done", flush=True)
        main_done.set()
        """
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["main done", "worker done"]
