"""threadkit against the stdlib, call for call: the same arguments must give the same
result, or the same exception class with the same message.

The cases are the edges of Python's timeout and argument rules (``-1``, ``None``,
negative, zero, NaN, infinity, above ``TIMEOUT_MAX``, wrong types, ``blocking=False``
with a timeout) and every misuse error, each run on both implementations.
"""

import math
import threading

import pytest

import threadkit

MAX = threading.TIMEOUT_MAX
NAN = math.nan
INF = math.inf


def outcome(call):
    """What a call did: ("returned", value) or (exception class, message)."""
    try:
        return ("returned", call())
    except Exception as error:  # noqa: BLE001 - the point is to compare any exception
        return (type(error), str(error))


def both(make, act):
    """`act(make(module))` for the stdlib and for threadkit."""
    return [outcome(lambda module=module: act(make(module))) for module in (threading, threadkit)]


def held_elsewhere(lock):
    """Holds `lock` on another thread until the returned function is called."""
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


# Arguments of Lock.acquire / RLock.acquire (CPython's C rules), that return at once
# or within 10 ms.
QUICK_LOCK_ARGS = [
    ((False,), {}),
    ((0,), {}),
    (("",), {}),
    ((), {"timeout": 0}),
    ((), {"timeout": 0.0}),
    ((), {"timeout": 0.01}),
    ((True, 0.01), {}),
    ((), {"timeout": -0.5}),
    ((), {"timeout": -5}),
    ((), {"timeout": -1.5}),
    ((), {"timeout": None}),
    ((), {"timeout": NAN}),
    ((), {"timeout": INF}),
    ((), {"timeout": -INF}),
    ((), {"timeout": 1e100}),
    ((), {"timeout": MAX + 1}),
    ((), {"timeout": 2**70}),
    ((), {"timeout": "1"}),
    ((False, 1), {}),
    ((False, 0), {}),
    ((False, -1), {}),
    ((False,), {"timeout": -1.0}),
    ((), {"blocking": False, "timeout": 0.5}),
    ((), {"blocking": False}),
]
# ... and those that would block for long on a held lock.
FREE_ONLY_LOCK_ARGS = [
    ((), {}),
    ((True,), {}),
    ((1,), {}),
    ((), {"timeout": -1}),
    ((), {"timeout": -1.0}),
    ((), {"timeout": MAX}),
    ((), {"timeout": 5}),
    ((True, -1), {}),
]


@pytest.mark.parametrize("name", ["Lock", "RLock"])
@pytest.mark.parametrize("args,kwargs", QUICK_LOCK_ARGS + FREE_ONLY_LOCK_ARGS)
def test_acquire_free_lock(name, args, kwargs):
    std, tk = both(lambda m: getattr(m, name)(), lambda lock: lock.acquire(*args, **kwargs))
    assert tk == std


@pytest.mark.parametrize("name", ["Lock", "RLock"])
@pytest.mark.parametrize("args,kwargs", QUICK_LOCK_ARGS)
def test_acquire_lock_held_by_another_thread(name, args, kwargs):
    results = []
    for module in (threading, threadkit):
        lock = getattr(module, name)()
        finish = held_elsewhere(lock)
        try:
            results.append(outcome(lambda: lock.acquire(*args, **kwargs)))
        finally:
            finish()
    assert results[1] == results[0]


QUICK_TIMEOUTS = [0, 0.0, -1, -0.5, 0.01, NAN, -INF, INF, 1e100, MAX + 1, 2**70, "x", True]


@pytest.mark.parametrize("args,kwargs", [
    ((), {}), ((False,), {}), ((0,), {}), ((True,), {}), ((False, 1), {}), ((False, None), {}),
    ((), {"blocking": False, "timeout": 0}),
] + [((), {"timeout": t}) for t in QUICK_TIMEOUTS + [None, MAX]])
@pytest.mark.parametrize("name", ["Semaphore", "BoundedSemaphore"])
def test_acquire_available_semaphore(name, args, kwargs):
    std, tk = both(lambda m: getattr(m, name)(1), lambda s: s.acquire(*args, **kwargs))
    assert tk == std


@pytest.mark.parametrize("args,kwargs", [
    ((False,), {}), ((0,), {}), ((False, 1), {}), ((False, 0), {}),
    ((), {"blocking": False, "timeout": 0}),
] + [((), {"timeout": t}) for t in QUICK_TIMEOUTS if not (isinstance(t, float) and math.isnan(t))])
@pytest.mark.parametrize("name", ["Semaphore", "BoundedSemaphore"])
def test_acquire_empty_semaphore(name, args, kwargs):
    std, tk = both(lambda m: getattr(m, name)(0), lambda s: s.acquire(*args, **kwargs))
    assert tk == std


@pytest.mark.parametrize("timeout", QUICK_TIMEOUTS + [None, MAX])
def test_wait_set_event(timeout):
    def act(event):
        event.set()
        return event.wait(timeout)

    std, tk = both(lambda m: m.Event(), act)
    assert tk == std


@pytest.mark.parametrize("timeout", QUICK_TIMEOUTS)
def test_wait_unset_event(timeout):
    std, tk = both(lambda m: m.Event(), lambda e: e.wait(timeout))
    assert tk == std


LOCK_KINDS = {
    "default RLock": lambda m: m.Condition(),
    "own Lock": lambda m: m.Condition(m.Lock()),
    "own RLock": lambda m: m.Condition(m.RLock()),
    "threading.Lock": lambda m: m.Condition(threading.Lock()),
}


@pytest.mark.parametrize("kind", LOCK_KINDS)
@pytest.mark.parametrize("timeout", QUICK_TIMEOUTS)
def test_wait_on_condition_nobody_notifies(kind, timeout):
    def act(cond):
        with cond:
            return cond.wait(timeout), cond._is_owned()

    std, tk = both(LOCK_KINDS[kind], act)
    assert tk == std


@pytest.mark.parametrize("kind", LOCK_KINDS)
@pytest.mark.parametrize("call", [
    lambda c: c.wait(), lambda c: c.wait(0), lambda c: c.wait(None), lambda c: c.notify(),
    lambda c: c.notify(0), lambda c: c.notify_all(), lambda c: c.wait_for(lambda: True),
    lambda c: c.wait_for(lambda: False, 0), lambda c: c.release(), lambda c: c._is_owned(),
])
def test_condition_without_its_lock(kind, call):
    std, tk = both(LOCK_KINDS[kind], call)
    assert tk == std


@pytest.mark.parametrize("timeout", [None, 0, -1, 0.01, -INF, "x", 2**70])
@pytest.mark.parametrize("predicate_value", [0, 1, "", "yes", None, [1]])
def test_wait_for_returns_the_predicate_value(timeout, predicate_value):
    def act(cond):
        with cond:
            if timeout is None and not predicate_value:
                return "would block"
            return cond.wait_for(lambda: predicate_value, timeout)

    std, tk = both(lambda m: m.Condition(), act)
    assert tk == std


@pytest.mark.parametrize("timeout", [None, 0, -1, 0.01, NAN, INF, 1e100, MAX + 1, "x"])
def test_wait_single_party_barrier(timeout):
    std, tk = both(lambda m: m.Barrier(1), lambda b: (b.wait(timeout), b.broken, b.n_waiting))
    assert tk == std


@pytest.mark.parametrize("timeout", [0, -1, 0.01, 1e100, MAX + 1, "x"])
@pytest.mark.parametrize("default", [None, 0.01, 0])
def test_wait_alone_in_two_party_barrier(timeout, default):
    def act(barrier):
        result = outcome(lambda: barrier.wait(timeout))
        return result, barrier.broken, barrier.n_waiting

    std, tk = both(lambda m: m.Barrier(2, timeout=default), act)
    assert tk == std


@pytest.mark.parametrize("make,call", [
    (lambda m: m.Lock(), lambda l: l.release()),
    (lambda m: m.RLock(), lambda l: l.release()),
    (lambda m: m.RLock(), lambda l: l._release_save()),
    (lambda m: m.RLock(), lambda l: (l._is_owned(), l._recursion_count())),
    (lambda m: m.Semaphore(1), lambda s: s.release(0)),
    (lambda m: m.Semaphore(1), lambda s: s.release(-3)),
    (lambda m: m.Semaphore(1), lambda s: (s.release(5), s.acquire(False), s._value)),
    (lambda m: m.BoundedSemaphore(1), lambda s: s.release()),
    (lambda m: m.BoundedSemaphore(2), lambda s: (s.acquire(), s.release(2))),
    (lambda m: m.BoundedSemaphore(2), lambda s: (s.acquire(), s.acquire(), s.release(2), s._value)),
    (lambda m: m.BoundedSemaphore(0), lambda s: s.acquire(False)),
    (lambda m: m.Semaphore, lambda cls: cls(-1)),
    (lambda m: m.BoundedSemaphore, lambda cls: cls(-1)),
    (lambda m: m.Semaphore, lambda cls: cls(0).acquire(timeout=0)),
    (lambda m: m.Barrier(3), lambda b: (b.parties, b.n_waiting, b.broken)),
    (lambda m: m.Barrier(3), lambda b: (b.abort(), b.broken, b.n_waiting)),
    (lambda m: m.Barrier(3), lambda b: (b.abort(), b.reset(), b.broken)),
    (lambda m: m.Barrier(3), lambda b: (b.abort(), b.wait())),
    (lambda m: m.Event(), lambda e: (e.set(), e.is_set(), e.clear(), e.is_set(), e.wait(0))),
    (lambda m: m.Lock(), lambda l: (l.acquire(), l.locked(), l.release(), l.locked())),
    (lambda m: m.Lock(), lambda l: (l.__enter__(), l.__exit__(None, None, None), l.locked())),
    (lambda m: m.RLock(), lambda l: (l.__enter__(), l.__enter__(), l._recursion_count())),
    (lambda m: m.Semaphore(2), lambda s: (s.__enter__(), s.__exit__(None, None, None), s._value)),
    (lambda m: m.Condition(), lambda c: (c.acquire(), c.acquire(False), c._is_owned())),
    (lambda m: m.Condition(m.Lock()), lambda c: (c.acquire(), c.acquire(False), c._is_owned())),
    (lambda m: m.Condition(m.Lock()), lambda c: (c.__enter__(), c.notify(), c.notify_all())),
    (lambda m: m.Condition(), lambda c: (c.__enter__(), c.notify(2**100), c.notify(-1))),
])
def test_same_results_and_errors(make, call):
    std, tk = both(make, call)
    assert tk == std


def test_broken_barrier_error_is_the_stdlibs():
    assert threadkit.BrokenBarrierError is threading.BrokenBarrierError
    barrier = threadkit.Barrier(2)
    barrier.abort()
    with pytest.raises(threading.BrokenBarrierError):
        barrier.wait()


def test_rlock_release_by_another_thread_is_an_error():
    for module in (threading, threadkit):
        lock = module.RLock()
        lock.acquire()
        result = []
        thread = threading.Thread(target=lambda: result.append(outcome(lock.release)))
        thread.start()
        thread.join()
        assert result == [(RuntimeError, "cannot release un-acquired lock")]
        lock.release()


def test_lock_release_from_another_thread_is_allowed():
    for module in (threading, threadkit):
        lock = module.Lock()
        lock.acquire()
        thread = threading.Thread(target=lock.release)
        thread.start()
        thread.join()
        assert not lock.locked()
