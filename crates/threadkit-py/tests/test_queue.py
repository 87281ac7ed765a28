"""The queues: the stdlib's behaviour call for call (orders, errors, bad timeouts),
Python 3.13's ``shutdown(immediate)`` on every Python, waking blocked callers, the
storage hooks of subclasses, and producers/consumers that count every item.

Tests that need another thread to be blocked wait until its ``state`` says so
(``threadkit.Thread.state``), never for a fixed time.
"""

import math
import queue
import sys
import threading
import time

import pytest

import threadkit

QUEUES = ["Queue", "LifoQueue", "PriorityQueue"]
ALL_QUEUES = QUEUES + ["SimpleQueue"]


def outcome(call):
    """What a call did: ("returned", value) or (exception class, message)."""
    try:
        return ("returned", call())
    except Exception as error:  # noqa: BLE001 - the point is to compare any exception
        return (type(error), str(error))


def eventually(predicate, what):
    """Polls `predicate` until it is true (a bounded wait for a state, not a race)."""
    deadline = time.monotonic() + 30
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.001)


def in_thread(function, *args):
    """Runs `function(*args)` in a threadkit thread; returns the thread and a list
    that receives its outcome."""
    result = []
    thread = threadkit.Thread(target=lambda: result.append(outcome(lambda: function(*args))))
    thread.start()
    return thread, result


def blocked(thread):
    """Waits until `thread` is parked in a threadkit primitive."""
    eventually(lambda: thread.state in ("waiting", "blocked"), f"{thread} to block")


# --- the stdlib's behaviour -----------------------------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [("Queue", [3, 1, 2]), ("LifoQueue", [2, 1, 3]), ("PriorityQueue", [1, 2, 3]), ("SimpleQueue", [3, 1, 2])],
)
def test_order(name, expected):
    q = getattr(threadkit, name)()
    for item in (3, 1, 2):
        q.put(item)
    assert q.qsize() == 3 and not q.empty()
    assert [q.get() for _ in range(3)] == expected
    assert q.empty() and q.qsize() == 0


def test_the_stdlib_exception_classes():
    assert threadkit.Empty is queue.Empty
    assert threadkit.Full is queue.Full
    if sys.version_info >= (3, 13):
        assert threadkit.ShutDown is queue.ShutDown
    else:
        assert issubclass(threadkit.ShutDown, Exception)
    with pytest.raises(queue.Empty):
        threadkit.Queue().get_nowait()
    with pytest.raises(queue.Empty):
        threadkit.SimpleQueue().get(timeout=0.001)
    full = threadkit.Queue(1)
    full.put(1)
    with pytest.raises(queue.Full):
        full.put_nowait(2)
    with pytest.raises(queue.Full):
        full.put(2, timeout=0.001)
    assert full.full() and full.qsize() == 1


def test_maxsize_and_generic_alias():
    q = threadkit.Queue(2)
    assert q.maxsize == 2
    q.put(1)
    q.put(2)
    assert q.full()
    q.maxsize = 3  # may change, as the stdlib's attribute
    q.put_nowait(3)
    assert q.full()
    q.maxsize = 0
    assert not q.full()
    q.put_nowait(4)
    assert q.qsize() == 4
    assert threadkit.Queue[int].__origin__ is threadkit.Queue
    assert threadkit.SimpleQueue[str].__args__ == (str,)


def test_task_done_and_join():
    q = threadkit.Queue()
    for item in range(3):
        q.put(item)
    assert q.unfinished_tasks == 3
    for _ in range(3):
        q.get()
        q.task_done()
    q.join()  # returns at once
    std = queue.Queue()
    assert outcome(q.task_done) == outcome(std.task_done) == (ValueError, "task_done() called too many times")


# Timeouts of put (on a full queue) and get (on an empty one) that return or raise at
# once, in both implementations. NaN is not here: the stdlib's Queue.get(timeout=nan)
# spins forever (threadkit raises ValueError, see below).
BAD_TIMEOUTS = [-1, -0.5, -math.inf, "1", [], 0, 0.0, 1e-9, 1e300, math.inf, 2**64, 10**400]


@pytest.mark.parametrize("timeout", BAD_TIMEOUTS, ids=repr)
@pytest.mark.parametrize("name", ALL_QUEUES)
def test_timeouts_like_the_stdlib(name, timeout):
    def get(module):
        return getattr(module, name)().get(timeout=timeout)

    def get_nowait_with_timeout(module):
        return getattr(module, name)().get(False, timeout)

    def put(module):
        if name == "SimpleQueue":
            return getattr(module, name)().put(1, timeout=timeout)
        q = getattr(module, name)(1)
        q.put(0)
        return q.put(1, timeout=timeout)

    def put_unbounded(module):
        return getattr(module, name)().put(1, timeout=timeout)

    for act in (get, get_nowait_with_timeout, put, put_unbounded):
        assert outcome(lambda: act(threadkit)) == outcome(lambda: act(queue)), act.__name__


def test_negative_timeout_is_a_value_error():
    for q in (threadkit.Queue(), threadkit.LifoQueue(), threadkit.PriorityQueue(), threadkit.SimpleQueue()):
        with pytest.raises(ValueError, match="'timeout' must be a non-negative number"):
            q.get(timeout=-1)
    full = threadkit.Queue(1)
    full.put(1)
    with pytest.raises(ValueError, match="'timeout' must be a non-negative number"):
        full.put(2, timeout=-0.001)


@pytest.mark.parametrize("name", ALL_QUEUES)
def test_nan_timeout_is_a_value_error(name):
    # The stdlib's SimpleQueue raises this too; its Queue.get(timeout=nan) busy-waits
    # forever instead.
    with pytest.raises(ValueError, match="Invalid value NaN"):
        getattr(threadkit, name)().get(timeout=math.nan)


def test_huge_timeout_is_an_overflow_error():
    for timeout in (1e300, math.inf, threading.TIMEOUT_MAX * 2, 2**64):
        with pytest.raises(OverflowError):
            threadkit.Queue().get(timeout=timeout)
        with pytest.raises(OverflowError):
            threadkit.SimpleQueue().get(timeout=timeout)


def test_uninitialized_and_reinitialized():
    class NoInit(threadkit.Queue):
        def __init__(self):
            pass

    with pytest.raises(RuntimeError):
        NoInit().put(1)
    q = threadkit.Queue()
    with pytest.raises(RuntimeError):
        q.__init__(3)


# --- shutdown (Python 3.13's, on every Python) ----------------------------------


@pytest.mark.parametrize("name", QUEUES)
def test_shutdown_lets_the_items_out(name):
    q = getattr(threadkit, name)()
    q.put(1)
    q.put(2)
    assert not q.is_shutdown
    q.shutdown()
    assert q.is_shutdown
    with pytest.raises(threadkit.ShutDown):
        q.put(3)
    with pytest.raises(threadkit.ShutDown):
        q.put_nowait(3)
    assert sorted([q.get(), q.get_nowait()]) == [1, 2]
    with pytest.raises(threadkit.ShutDown):
        q.get()
    with pytest.raises(threadkit.ShutDown):
        q.get(timeout=-1)  # shut down and empty: before the timeout is checked
    with pytest.raises(threadkit.ShutDown):
        q.get_nowait()
    assert q.unfinished_tasks == 2
    q.task_done()
    q.task_done()
    q.join()


@pytest.mark.parametrize("name", QUEUES)
def test_shutdown_immediate_discards_the_items(name):
    q = getattr(threadkit, name)()
    for item in range(5):
        q.put(item)
    q.shutdown(immediate=True)
    assert q.qsize() == 0 and q.empty()
    with pytest.raises(threadkit.ShutDown):
        q.get()
    with pytest.raises(threadkit.ShutDown):
        q.put(1)
    assert q.unfinished_tasks == 0  # the discarded items count as done
    q.join()


@pytest.mark.parametrize("immediate", [False, True])
@pytest.mark.parametrize("name", QUEUES)
def test_shutdown_wakes_blocked_getters(name, immediate):
    q = getattr(threadkit, name)()
    getters = [in_thread(q.get) for _ in range(3)]
    for thread, _ in getters:
        blocked(thread)
    q.shutdown(immediate=immediate)
    for thread, result in getters:
        thread.join()
        assert result == [(threadkit.ShutDown, "")]


@pytest.mark.parametrize("immediate", [False, True])
@pytest.mark.parametrize("name", QUEUES)
def test_shutdown_wakes_blocked_putters(name, immediate):
    q = getattr(threadkit, name)(1)
    q.put(0)
    thread, result = in_thread(q.put, 1)
    timed, timed_result = in_thread(lambda: q.put(2, timeout=60))
    blocked(thread)
    blocked(timed)
    q.shutdown(immediate=immediate)
    thread.join()
    timed.join()
    assert result == timed_result == [(threadkit.ShutDown, "")]
    assert q.qsize() == (0 if immediate else 1)


def test_shutdown_immediate_releases_join():
    q = threadkit.Queue()
    for item in range(3):
        q.put(item)
    q.get()  # taken and not marked done: join still waits for it, as in CPython 3.13
    joiner, result = in_thread(q.join)
    blocked(joiner)
    q.shutdown(immediate=True)
    assert q.unfinished_tasks == 1
    assert joiner.is_alive()
    q.task_done()
    joiner.join()
    assert result == [("returned", None)]


def test_shutdown_of_a_hooked_queue():
    class Recording(threadkit.Queue):
        def _put(self, item):
            super()._put(item * 10)

    q = Recording()
    q.put(1)
    q.put(2)
    q.shutdown()
    assert q.get() == 10
    q.shutdown(immediate=True)
    assert list(q.queue) == []
    with pytest.raises(threadkit.ShutDown):
        q.get()


# --- blocking and waking --------------------------------------------------------


@pytest.mark.parametrize("name", ALL_QUEUES)
def test_a_put_wakes_a_blocked_getter(name):
    q = getattr(threadkit, name)()
    thread, result = in_thread(q.get)
    blocked(thread)
    assert thread.state.on in ("Queue", "LifoQueue", "PriorityQueue", "SimpleQueue")
    q.put("item")
    thread.join()
    assert result == [("returned", "item")]


def test_a_get_wakes_a_blocked_putter_and_maxsize_too():
    q = threadkit.Queue(1)
    q.put(0)
    thread, result = in_thread(q.put, 1)
    blocked(thread)
    assert q.get() == 0
    thread.join()
    assert result == [("returned", None)] and q.get() == 1
    q.put(0)
    thread, result = in_thread(q.put, 2)
    blocked(thread)
    q.maxsize = 2  # room now
    thread.join()
    assert result == [("returned", None)] and q.qsize() == 2


@pytest.mark.parametrize("name", ALL_QUEUES)
def test_producers_and_consumers_count_every_item(name):
    per_producer, producers, consumers = 2000, 3, 3
    q = getattr(threadkit, name)() if name == "SimpleQueue" else getattr(threadkit, name)(16)
    received = [[] for _ in range(consumers)]

    def produce(start):
        for item in range(start, start + per_producer):
            q.put(item)

    def consume(out):
        while (item := q.get()) != math.inf:  # the end marker (sorts last)
            out.append(item)
            if name != "SimpleQueue":
                q.task_done()

    threads = [threadkit.Thread(target=consume, args=(out,)) for out in received]
    threads += [threadkit.Thread(target=produce, args=(n * per_producer,)) for n in range(producers)]
    for thread in threads:
        thread.start()
    for thread in threads[consumers:]:
        thread.join()
    if name != "SimpleQueue":  # (first in, first out: the end markers come last)
        q.join()  # every item taken: the end markers come last, even in a LifoQueue
    for _ in range(consumers):
        q.put(math.inf)
    for thread in threads[:consumers]:
        thread.join()
    everything = sorted(item for out in received for item in out)
    assert everything == list(range(producers * per_producer))
    assert q.empty()


# --- subclasses and their storage hooks -----------------------------------------


def test_storage_hooks_of_a_subclass():
    class Doubling(threadkit.Queue):
        def _init(self, maxsize):
            self.seen = []
            super()._init(maxsize)

        def _put(self, item):
            self.seen.append(item)
            self.queue.append(item * 2)

        def _get(self):
            return self.queue.popleft() + 1

    q = Doubling(2)
    q.put(1)
    q.put(2)
    assert q.full() and q.qsize() == 2
    assert [q.get(), q.get()] == [3, 5]
    assert q.seen == [1, 2]


def test_a_failing_hook_leaves_the_queue_as_it_was():
    class Failing(threadkit.Queue):
        fail = False

        def _put(self, item):
            if self.fail:
                raise RuntimeError("put failed")
            super()._put(item)

    q = Failing(2)
    q.put(1)
    q.fail = True
    with pytest.raises(RuntimeError, match="put failed"):
        q.put(2)
    assert q.qsize() == 1 and q.unfinished_tasks == 1
    q.fail = False
    q.put(2)
    assert [q.get(), q.get()] == [1, 2]


def test_priority_queue_keeps_a_heap_in_queue():
    q = threadkit.PriorityQueue()
    for item in [(3, "c"), (1, "a"), (2, "b")]:
        q.put(item)
    assert isinstance(q.queue, list) and q.queue[0] == (1, "a")
    assert [q.get()[1] for _ in range(3)] == ["a", "b", "c"]


def test_subclass_with_other_init_parameters():
    class Named(threadkit.LifoQueue):
        def __init__(self, name, maxsize=0):
            super().__init__(maxsize)
            self.name = name

    q = Named("jobs", maxsize=1)
    assert q.name == "jobs" and q.maxsize == 1
    q.put(1)
    assert q.full()
    assert isinstance(q, threadkit.Queue)


def test_core_queue_has_no_queue_attribute():
    with pytest.raises(AttributeError):
        threadkit.Queue().queue  # noqa: B018 - the access is the test
