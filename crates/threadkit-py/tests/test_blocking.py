"""Blocking calls release the GIL, stay interruptible by Ctrl-C on the main thread,
run signal handlers while they wait, and lose no notification while the main thread
waits in slices."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import threadkit


def hold_elsewhere(lock):
    """Acquires `lock` on another thread and keeps it until the returned function is called."""
    held, done = threading.Event(), threading.Event()

    def hold():
        lock.acquire()
        held.set()
        done.wait()
        lock.release()

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait()

    def finish():
        done.set()
        thread.join()

    return finish


def timed_waits():
    """Blocking calls that give up after 0.3 s: (name, call, cleanup)."""
    lock = threadkit.Lock()
    lock.acquire()
    rlock = threadkit.RLock()
    free_rlock = hold_elsewhere(rlock)
    cond = threadkit.Condition()
    foreign_cond = threadkit.Condition(threading.Lock())
    barrier = threadkit.Barrier(2)

    def wait_on(condition):
        with condition:
            return condition.wait(0.3)

    def barrier_wait():
        try:
            barrier.wait(0.3)
        except threading.BrokenBarrierError:
            return "broken"

    return [
        ("Lock.acquire", lambda: lock.acquire(timeout=0.3)),
        ("RLock.acquire", lambda: rlock.acquire(timeout=0.3)),
        ("Semaphore.acquire", lambda: threadkit.Semaphore(0).acquire(timeout=0.3)),
        ("BoundedSemaphore.acquire", lambda: threadkit.BoundedSemaphore(0).acquire(timeout=0.3)),
        ("Event.wait", lambda: threadkit.Event().wait(0.3)),
        ("Condition.wait", lambda: wait_on(cond)),
        ("Condition(threading.Lock).wait", lambda: wait_on(foreign_cond)),
        ("Condition.wait_for", lambda: wait_on_for(cond)),
        ("Barrier.wait", barrier_wait),
    ], free_rlock


def wait_on_for(cond):
    with cond:
        return cond.wait_for(lambda: False, 0.3)


@pytest.mark.parametrize("on_main", [True, False], ids=["main thread", "other thread"])
def test_other_threads_run_while_one_blocks(on_main):
    waits, cleanup = timed_waits()
    try:
        for name, call in waits:
            counter = [0]
            stop = threading.Event()

            def count():
                while not stop.is_set():
                    counter[0] += 1

            result = []

            def blocked():
                started = time.monotonic()
                result.append((call(), time.monotonic() - started))

            spinner = threading.Thread(target=count if on_main else blocked)
            spinner.start()
            if on_main:
                blocked()
            else:
                count_until = time.monotonic() + 0.3
                while time.monotonic() < count_until:
                    counter[0] += 1
            stop.set()
            spinner.join()
            value, elapsed = result[0]
            assert value in (False, "broken"), name
            assert elapsed >= 0.25, name
            # With the GIL held for 0.3 s the other thread could not count at all.
            assert counter[0] > 1000, (name, counter[0])
    finally:
        cleanup()



# In a child: prints `word` once the main thread is inside a blocking call (its state,
# as threadkit's thread dump shows it, is "waiting on" or "blocked on" something).
ANNOUNCE_WHEN_BLOCKED = textwrap.dedent("""
    import threading, time
    import threadkit

    def announce_when_blocked(word):
        def watch():
            while True:
                dump = threadkit.dump_threads()
                section = dump.split('"MainThread"', 1)[-1].split("\\n\\n", 1)[0]
                if "state: waiting on" in section or "state: blocked on" in section:
                    print(word, flush=True)
                    return
                time.sleep(0.001)
        threading.Thread(target=watch, daemon=True).start()
""")

CHILD = ANNOUNCE_WHEN_BLOCKED + textwrap.dedent("""
    import signal, sys, threading, time
    import threadkit

    signal.signal(signal.SIGINT, signal.default_int_handler)
    op = sys.argv[1]
    lock = threadkit.Lock(); lock.acquire()
    rlock = threadkit.RLock()
    held = threading.Event()
    def hold():
        rlock.acquire(); held.set(); threading.Event().wait()
    threading.Thread(target=hold, daemon=True).start()
    held.wait()
    cond = threadkit.Condition()
    foreign = threadkit.Condition(threading.Lock())
    barrier = threadkit.Barrier(2)
    sem = threadkit.Semaphore(0)
    def in_cond(c, f):
        c.acquire()
        f()
    queue = threadkit.Queue()
    full = threadkit.Queue(1); full.put("old")
    unfinished = threadkit.Queue(); unfinished.put("task")
    simple = threadkit.SimpleQueue()
    release = threadkit.Event()
    worker = threadkit.Thread(target=release.wait)
    worker.start()
    executor = threadkit.ThreadPoolExecutor(1)
    future = executor.submit(release.wait)

    # After the interrupt, each object still works: no waiter was left behind to
    # swallow a wake-up, and the interrupted call changed nothing.
    def hands_over(q):
        putter = threading.Thread(target=q.put, args=("item",)); putter.start()
        got = q.get(timeout=5)
        putter.join()
        return got == "item" and q.empty()
    def makes_room():
        if full.qsize() != 1:
            return False
        putter = threading.Thread(target=full.put, args=("new",)); putter.start()
        got = full.get(timeout=5), full.get(timeout=5)
        putter.join()
        return got == ("old", "new")
    def joins():
        unfinished.get_nowait()
        joiner = threading.Thread(target=unfinished.join); joiner.start()
        unfinished.task_done()
        joiner.join(5)
        return not joiner.is_alive() and unfinished.unfinished_tasks == 0
    def thread_ends():
        alive = worker.is_alive()
        release.set()
        worker.join(5)
        return alive and not worker.is_alive()
    def future_ends():
        pending = not future.done()
        release.set()
        return pending and future.result(timeout=5) is True
    ops = {
        "lock": lambda: lock.acquire(),
        "lock-timeout": lambda: lock.acquire(timeout=60),
        "rlock": lambda: rlock.acquire(),
        "semaphore": lambda: sem.acquire(),
        "semaphore-timeout": lambda: sem.acquire(timeout=60),
        "event": lambda: threadkit.Event().wait(),
        "condition": lambda: in_cond(cond, cond.wait),
        "condition-wait-for": lambda: in_cond(cond, lambda: cond.wait_for(lambda: False)),
        "condition-foreign-lock": lambda: in_cond(foreign, foreign.wait),
        "barrier": lambda: barrier.wait(),
        "queue-get": lambda: queue.get(),
        "queue-put": lambda: full.put("new"),
        "queue-join": lambda: unfinished.join(),
        "simple-queue-get": lambda: simple.get(),
        "thread-join": lambda: worker.join(),
        "future-result": lambda: future.result(),
    }
    checks = {
        "condition": cond._is_owned,
        "condition-wait-for": cond._is_owned,
        "condition-foreign-lock": foreign._is_owned,
        "barrier": lambda: barrier.broken,
        "queue-get": lambda: hands_over(queue),
        "queue-put": makes_room,
        "queue-join": joins,
        "simple-queue-get": lambda: hands_over(simple),
        "thread-join": thread_ends,
        "future-result": future_ends,
    }
    print("ready", flush=True)
    announce_when_blocked("blocked")
    try:
        ops[op]()
        print("returned")
    except KeyboardInterrupt:
        print("interrupted", checks.get(op, lambda: True)())
    finally:
        release.set()  # the worker and the pool's task end, so the child exits
        executor.shutdown()
""")

OPS = ["lock", "lock-timeout", "rlock", "semaphore", "semaphore-timeout", "event", "condition",
       "condition-wait-for", "condition-foreign-lock", "barrier", "queue-get", "queue-put",
       "queue-join", "simple-queue-get", "thread-join", "future-result"]


@pytest.mark.parametrize("op", OPS)
def test_ctrl_c_interrupts_a_blocked_main_thread(op):
    child = subprocess.Popen([sys.executable, "-c", CHILD, op], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        assert child.stdout.readline().strip() == "blocked"  # inside the blocking call
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=10)
        latency = time.monotonic() - sent
    finally:
        child.kill()
        child.wait()
    # The condition re-acquired its lock, as CPython's does; the barrier is broken; the
    # queues, the thread and the future still work.
    assert out.split() == ["interrupted", "True"], (out, err)
    # The main thread looks for signals every 20 ms; this bounds the child's exit too.
    assert latency < 5.0


SIGNAL_HANDLER_CHILD = ANNOUNCE_WHEN_BLOCKED + textwrap.dedent("""
    import os, signal, sys, threading, time
    import threadkit

    calls = []
    def handler(*_):
        calls.append(time.monotonic())
        os.write(1, b"handled\\n")
    signal.signal(signal.SIGUSR1, handler)
    op = sys.argv[1]
    event = threadkit.Event()
    cond = threadkit.Condition()
    flag = []
    def release():
        sys.stdin.readline()  # the parent's word, after both handlers ran
        released = time.monotonic()
        with cond:
            flag.append(released)
            cond.notify()
        event.set()
    threading.Thread(target=release).start()
    announce_when_blocked("ready")
    if op == "event":
        result = event.wait()
    else:
        with cond:
            result = cond.wait_for(lambda: flag)
    event.wait()
    released = flag[0]
    print(bool(result), len(calls), all(t < released for t in calls), flush=True)
""")


@pytest.mark.parametrize("op", ["event", "condition"])
def test_signal_handlers_run_while_the_main_thread_waits(op):
    child = subprocess.Popen([sys.executable, "-c", SIGNAL_HANDLER_CHILD, op],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"  # the main thread waits
        for _ in range(2):
            child.send_signal(signal.SIGUSR1)
            assert child.stdout.readline().strip() == "handled"
        child.stdin.write("release\n")
        child.stdin.flush()
        out, err = child.communicate(timeout=10)
    finally:
        child.kill()
        child.wait()
    # The wait went on after each handler, which ran during the wait.
    assert out.split() == ["True", "2", "True"], (out, err)


NOTIFY_CHILD = textwrap.dedent("""
    import random, threading, time
    import threadkit

    # Tiny slices: the main thread leaves and re-enters the wait queue constantly.
    threadkit._threadkit._set_signal_slice(0.0001)
    cond = threadkit.Condition()
    waiting = [False]
    rounds = 2000

    def notifier():
        sent = 0
        while sent < rounds:
            # Notify at random moments, so that some land while the main thread
            # is between two slices.
            time.sleep(random.random() * 0.0003)
            with cond:
                if waiting[0]:
                    waiting[0] = False
                    cond.notify()
                    sent += 1

    thread = threading.Thread(target=notifier)
    thread.start()
    woken = 0
    for _ in range(rounds):
        with cond:
            waiting[0] = True
            woken += cond.wait()
    thread.join()
    print(woken)
""")


def test_no_notification_is_lost_between_slices():
    # A notification that arrives while the main thread is between two slices must
    # still wake it: if one were lost, the main thread would wait forever.
    out = subprocess.run([sys.executable, "-c", NOTIFY_CHILD], capture_output=True, text=True,
                         timeout=120)
    assert out.stdout.split() == ["2000"], out


def test_main_thread_barrier_wait_that_blocks():
    barrier = threadkit.Barrier(2)
    indices = []

    def late():
        time.sleep(0.2)
        indices.append(barrier.wait())

    thread = threading.Thread(target=late)
    thread.start()
    indices.append(barrier.wait(10))  # the main thread arrives first and waits aside
    thread.join()
    assert sorted(indices) == [0, 1]
    assert not barrier.broken


def test_signal_slice_bounds():
    with pytest.raises(ValueError):
        threadkit._threadkit._set_signal_slice(0)
    with pytest.raises(ValueError):
        threadkit._threadkit._set_signal_slice(2)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_from_a_thread_handles_its_own_signals():
    # After fork, the forking thread is the child's main thread: its waits must
    # check for signals.
    script = textwrap.dedent("""
        import os, signal, sys, threading, time
        import threadkit

        def forker():
            lock = threadkit.Lock(); lock.acquire()
            pid = os.fork()
            if pid == 0:
                signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
                signal.setitimer(signal.ITIMER_REAL, 0.2)
                try:
                    lock.acquire()
                    os._exit(1)
                except KeyboardInterrupt:
                    os._exit(0)
            _, status = os.waitpid(pid, 0)
            print(os.waitstatus_to_exitcode(status))

        thread = threading.Thread(target=forker)
        thread.start()
        thread.join()
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["0"], out
