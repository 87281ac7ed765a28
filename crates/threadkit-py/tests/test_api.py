"""The Python API around the primitives: reprs, weak references, subclassing, context
managers, foreign locks under a Condition (and threadkit locks under the stdlib's),
barrier actions, deprecated aliases, and ``import threadkit as threading`` running an
ordinary program."""

import gc
import os
import pickle
import re
import sys
import threading
import warnings
import weakref

import pytest

import threadkit
import threadkit as threading_drop_in

CLASSES = {
    "Lock": lambda: threadkit.Lock(),
    "RLock": lambda: threadkit.RLock(),
    "Condition": lambda: threadkit.Condition(),
    "Semaphore": lambda: threadkit.Semaphore(),
    "BoundedSemaphore": lambda: threadkit.BoundedSemaphore(),
    "Event": lambda: threadkit.Event(),
    "Barrier": lambda: threadkit.Barrier(2),
    "Queue": lambda: threadkit.Queue(),
    "LifoQueue": lambda: threadkit.LifoQueue(),
    "PriorityQueue": lambda: threadkit.PriorityQueue(),
    "SimpleQueue": lambda: threadkit.SimpleQueue(),
}


def test_names_of_threading_are_there():
    for name in threading.__all__:
        assert hasattr(threadkit, name), name
    for name in threadkit.__all__:
        assert hasattr(threadkit, name), name
    # threadkit's own classes, the stdlib's for the rest.
    assert threadkit.Lock is threadkit._threadkit.Lock
    assert threadkit.Queue is threadkit._threadkit.Queue
    assert issubclass(threadkit.Thread, threading.Thread) and threadkit.Thread is not threading.Thread
    assert threadkit.current_thread is threading.current_thread
    assert threadkit.local is threading.local
    assert threadkit.TIMEOUT_MAX == threading.TIMEOUT_MAX
    assert threadkit._threadkit.TIMEOUT_MAX == threading.TIMEOUT_MAX


def test_reprs():
    address = r"0x[0-9a-f]+"
    lock = threadkit.Lock()
    assert re.fullmatch(rf"<unlocked threadkit\.Lock object at {address}>", repr(lock))
    lock.acquire()
    assert re.fullmatch(rf"<locked threadkit\.Lock object at {address}>", repr(lock))

    rlock = threadkit.RLock()
    assert re.fullmatch(rf"<unlocked threadkit\.RLock object owner=0 count=0 at {address}>", repr(rlock))
    rlock.acquire()
    rlock.acquire()
    me = threading.get_ident()
    assert re.fullmatch(rf"<locked threadkit\.RLock object owner={me} count=2 at {address}>", repr(rlock))
    seen = []
    thread = threading.Thread(target=lambda: seen.append(repr(rlock)))
    thread.start()
    thread.join()
    assert seen == [repr(rlock)]  # the holder and count as other threads see them
    rlock.release()
    rlock.release()
    assert "owner=0 count=0" in repr(rlock)

    cond = threadkit.Condition()
    assert re.fullmatch(rf"<Condition\(<unlocked threadkit\.RLock object owner=0 count=0 at {address}>, 0\)>",
                        repr(cond))
    assert re.fullmatch(rf"<Condition\(<unlocked _thread\.lock object at {address}>, 0\)>",
                        repr(threadkit.Condition(threading.Lock())))

    sem = threadkit.Semaphore(3)
    assert re.fullmatch(rf"<threadkit\.Semaphore at {address}: value=3>", repr(sem))
    assert repr(sem).endswith(f"at {id(sem):#x}: value=3>")
    bounded = threadkit.BoundedSemaphore(3)
    bounded.acquire()
    assert re.fullmatch(rf"<threadkit\.BoundedSemaphore at {address}: value=2/3>", repr(bounded))

    event = threadkit.Event()
    assert re.fullmatch(rf"<threadkit\.Event at {address}: unset>", repr(event))
    event.set()
    assert repr(event).endswith(": set>")

    barrier = threadkit.Barrier(3)
    assert re.fullmatch(rf"<threadkit\.Barrier at {address}: waiters=0/3>", repr(barrier))
    barrier.abort()
    assert re.fullmatch(rf"<threadkit\.Barrier at {address}: broken>", repr(barrier))


@pytest.mark.parametrize("name", CLASSES)
def test_weak_references(name):
    obj = CLASSES[name]()
    ref = weakref.ref(obj)
    assert ref() is obj
    del obj
    gc.collect()
    assert ref() is None


@pytest.mark.parametrize("name", CLASSES)
def test_not_picklable(name):
    with pytest.raises(TypeError):
        pickle.dumps(CLASSES[name]())


def test_subclasses_with_their_own_init():
    class NamedEvent(threadkit.Event):
        def __init__(self, name):
            super().__init__()
            self.name = name

    class Pool(threadkit.BoundedSemaphore):
        def __init__(self, name, size):
            super().__init__(size)
            self.name = name

    class Gate(threadkit.Barrier):
        def __init__(self):
            super().__init__(1, action=None, timeout=1.0)

    class Cond(threadkit.Condition):
        pass

    class MyRLock(threadkit.RLock):
        pass

    event = NamedEvent("ready")
    assert event.name == "ready" and not event.is_set()
    assert re.match(r"<test_api\..*NamedEvent at 0x", repr(event))
    pool = Pool("db", 2)
    assert (pool.name, pool._value, pool._initial_value) == ("db", 2, 2)
    assert isinstance(pool, threadkit.Semaphore) and isinstance(pool, threadkit.BoundedSemaphore)
    pool.acquire()
    pool.release()
    with pytest.raises(ValueError):
        pool.release()
    assert Gate().wait() == 0
    with Cond():
        pass
    lock = MyRLock()
    with lock:
        assert lock._is_owned()


def test_subclass_that_skips_init_gets_a_clear_error():
    class Forgetful(threadkit.Semaphore):
        def __init__(self):
            pass

    with pytest.raises(RuntimeError, match="super"):
        Forgetful().acquire()


def test_init_twice_is_an_error():
    sem = threadkit.Semaphore(1)
    with pytest.raises(RuntimeError):
        sem.__init__(5)
    assert sem._value == 1


def test_constructor_arguments_are_checked():
    with pytest.raises(TypeError):
        threadkit.Event(1)
    with pytest.raises(TypeError):
        threadkit.Semaphore(1, 2)
    with pytest.raises(TypeError):
        threadkit.Barrier()
    with pytest.raises(TypeError):
        threadkit.Semaphore("3")
    assert threadkit.Barrier(parties=2, timeout=0.5).parties == 2


def test_barrier_of_no_party_is_an_error():
    # CPython 3.13 raises this too (3.11 accepted the barrier, which then never
    # released anyone).
    for parties in (0, -1):
        with pytest.raises(ValueError, match="parties must be >= 1"):
            threadkit.Barrier(parties)


def test_semaphore_beyond_the_cores_counter_is_an_overflow():
    with pytest.raises(OverflowError):
        threadkit.Semaphore(2**100)


def test_context_managers():
    lock = threadkit.Lock()
    with lock as entered:
        assert entered is True and lock.locked()
    assert not lock.locked()
    sem = threadkit.Semaphore(1)
    with sem as entered:
        assert entered is True and sem._value == 0
    assert sem._value == 1
    cond = threadkit.Condition(threadkit.Lock())
    with cond as entered:
        assert entered is True and cond._is_owned()
    assert not cond._is_owned()
    with pytest.raises(KeyError):
        with threadkit.RLock() as entered:
            raise KeyError


@pytest.mark.parametrize("lock", [threading.Lock, threading.RLock, threadkit.Lock, threadkit.RLock])
def test_condition_over_any_lock(lock):
    cond = threadkit.Condition(lock())
    items = []

    def consumer():
        with cond:
            assert cond.wait_for(lambda: items, timeout=10)
            items.append("seen")

    thread = threading.Thread(target=consumer)
    thread.start()
    with cond:
        items.append("item")
        cond.notify()
    thread.join()
    assert items == ["item", "seen"]


@pytest.mark.parametrize("lock", [threadkit.Lock, threadkit.RLock])
def test_stdlib_condition_over_threadkit_locks(lock):
    cond = threading.Condition(lock())
    ready = []

    def waiter():
        with cond:
            cond.wait_for(lambda: ready, timeout=10)
            ready.append("woken")

    thread = threading.Thread(target=waiter)
    thread.start()
    with cond:
        ready.append(True)
        cond.notify_all()
    thread.join()
    assert ready == [True, "woken"]


def test_rlock_release_save_and_acquire_restore():
    lock = threadkit.RLock()
    lock.acquire()
    lock.acquire()
    state = lock._release_save()
    assert not lock._is_owned() and lock._recursion_count() == 0
    other = []
    thread = threading.Thread(target=lambda: other.append(lock.acquire(False) and (lock.release() or True)))
    thread.start()
    thread.join()
    assert other == [True]  # really released
    lock._acquire_restore(state)
    assert lock._recursion_count() == 2
    with pytest.raises(RuntimeError):
        lock._acquire_restore(state)  # a state is used once
    lock.release()
    lock.release()


def test_condition_wait_fully_releases_an_rlock():
    cond = threadkit.Condition()
    cond.acquire()
    cond.acquire()
    got_in = []

    def other():
        with cond:
            got_in.append(True)
            cond.notify()

    thread = threading.Thread(target=other)
    thread.start()
    assert cond.wait(10)
    thread.join()
    assert got_in == [True]
    assert cond._is_owned()
    cond.release()
    cond.release()
    assert not cond._is_owned()


def test_notify_counts():
    cond = threadkit.Condition()
    woken = []
    started = threadkit.Semaphore(0)

    def waiter():
        with cond:
            started.release()
            woken.append(cond.wait(10))

    threads = [threading.Thread(target=waiter) for _ in range(5)]
    for thread in threads:
        thread.start()
    for _ in threads:
        started.acquire()
    with cond:  # every waiter is in wait() once it released the lock
        cond.notify(2)
    while len(woken) < 2:
        threading.Event().wait(0.001)
    threading.Event().wait(0.05)
    assert len(woken) == 2
    with cond:
        cond.notify_all()
    for thread in threads:
        thread.join()
    assert woken == [True] * 5


def test_barrier_action_runs_once_per_round_and_its_error_breaks_the_barrier():
    calls = []
    barrier = threadkit.Barrier(3, action=lambda: calls.append(threading.get_ident()))
    indices = []
    threads = [threading.Thread(target=lambda: indices.append(barrier.wait(10))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(indices) == [0, 1, 2] and len(calls) == 1

    def failing():
        raise ZeroDivisionError("in the action")

    barrier = threadkit.Barrier(2, action=failing)
    outcomes = []

    def party():
        try:
            barrier.wait(10)
            outcomes.append("passed")
        except threading.BrokenBarrierError:
            outcomes.append("broken")
        except ZeroDivisionError as error:
            outcomes.append(str(error))

    threads = [threading.Thread(target=party) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["broken", "in the action"]
    assert barrier.broken
    barrier.reset()
    assert not barrier.broken


def test_barrier_action_cycle_is_collected():
    barrier = threadkit.Barrier(1)
    holder = threadkit.Barrier(1, action=lambda: holder)
    ref = weakref.ref(holder)
    assert holder.wait() == 0
    del holder
    gc.collect()
    assert ref() is None
    assert barrier.wait() == 0


def test_deprecated_aliases_warn():
    event = threadkit.Event()
    with pytest.warns(DeprecationWarning, match="isSet"):
        assert event.isSet() is False
    cond = threadkit.Condition()
    with cond, pytest.warns(DeprecationWarning, match="notifyAll"):
        cond.notifyAll()
    lock = threadkit.Lock()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert lock.acquire_lock() and lock.locked_lock()
        lock.release_lock()


def test_lock_at_fork_reinit_in_a_forked_child():
    if not hasattr(os, "fork"):
        pytest.skip("no fork")
    lock = threadkit.Lock()
    rlock = threadkit.RLock()
    lock.acquire()
    rlock.acquire()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the locks were held at fork
        try:
            lock._at_fork_reinit()
            rlock._at_fork_reinit()
            ok = lock.acquire(timeout=1) and rlock.acquire(timeout=1)
            os.write(write, b"ok" if ok else b"no")
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        assert pipe.read() == b"ok"
    os.waitpid(pid, 0)
    lock.release()
    rlock.release()


def test_rlock_at_fork_reinit_frees_a_lock_a_vanished_thread_held():
    # What _at_fork_reinit is for: in the child, the thread that held the lock at fork
    # does not exist, and CPython resets the lock whoever held it.
    if not hasattr(os, "fork"):
        pytest.skip("no fork")
    rlock = threadkit.RLock()
    held, done = threading.Event(), threading.Event()

    def hold():
        with rlock:
            held.set()
            done.wait()

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork with threads
            pid = os.fork()
        if pid == 0:  # the child: only this thread exists
            status = 3  # an exception
            try:
                rlock._at_fork_reinit()
                status = 2  # still held
                if rlock.acquire(timeout=1):
                    status = 1  # acquired, but the owner or the count is wrong
                    if rlock._is_owned() and rlock._recursion_count() == 1:
                        rlock.release()
                        status = 0 if repr(rlock).startswith("<unlocked") else 1
            finally:
                os._exit(status)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        done.set()
        holder.join()
    # The parent's lock was the holder's until it let go.
    assert rlock.acquire(blocking=False)
    rlock.release()


def test_import_threadkit_as_threading_runs_an_ordinary_program():
    threading = threading_drop_in  # noqa: F811 - the point of the test
    results = []
    results_lock = threading.Lock()
    work = []
    available = threading.Condition()
    slots = threading.BoundedSemaphore(2)
    started = threading.Barrier(4)
    done = threading.Event()

    def worker(n):
        started.wait()
        with slots:
            while True:
                with available:
                    available.wait_for(lambda: work or done.is_set())
                    if not work:
                        return
                    item = work.pop()
                with results_lock:
                    results.append((n, item * item))

    threads = [threading.Thread(target=worker, args=(n,), name=f"worker-{n}") for n in range(3)]
    for thread in threads:
        thread.start()
    started.wait()
    for item in range(100):
        with available:
            work.append(item)
            available.notify()
    def finish():
        with available:
            done.set()
            available.notify_all()

    timer = threading.Timer(0.05, finish)
    timer.start()
    assert done.wait(10)
    timer.join()
    for thread in threads:
        thread.join()
    assert sorted(square for _, square in results) == [i * i for i in range(100)]
    assert threading.current_thread() is threading.main_thread()
    assert threading.active_count() >= 1


def test_python_version_names():
    if sys.version_info >= (3, 10):
        assert threadkit.gettrace is threading.gettrace
    assert threadkit.currentThread is threading.currentThread
