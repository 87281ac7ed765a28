"""Python's threading primitives, rebuilt in Rust: ``import threadkit as threading``.

threadkit's own (``threadkit._threadkit``, over the Rust core), with the stdlib's API
and behaviour, checked by CPython's own ``test.lock_tests`` and ``test.test_queue``:

* ``Lock``, ``RLock``, ``Condition``, ``Semaphore``, ``BoundedSemaphore``, ``Event``,
  ``Barrier``;
* ``Queue``, ``LifoQueue``, ``PriorityQueue``, ``SimpleQueue`` (with Python 3.13's
  ``shutdown()`` on every Python), raising the stdlib's ``queue.Empty`` and
  ``queue.Full``, and ``ShutDown`` (``queue.ShutDown`` on 3.13+, threadkit's own
  class before);
* ``Thread`` (a ``threading.Thread`` started by threadkit, with a read-only
  ``state``) and ``Timer``;
* ``ThreadPoolExecutor`` (a ``concurrent.futures.Executor`` whose futures are
  ``concurrent.futures.Future`` objects, and which reports a task's exception that
  nobody retrieved).

Every blocking call releases the GIL, and Ctrl-C interrupts it on the main thread.

Diagnostics Python never had: with ``enable_deadlock_detection()`` (or
``THREADKIT_DEADLOCK=1`` in the environment), a ``Lock.acquire()`` or
``RLock.acquire()`` without a timeout that would wait forever — the lock is the
thread's own, or the thread closes a cycle of threads each waiting for a lock the next
one holds — raises ``DeadlockError`` (a ``RuntimeError``) naming the threads and locks,
instead of hanging. ``dump_threads()`` shows every thread, what it holds and what it
waits for (``format="json"`` for JSON).

The other names of ``threading`` are the stdlib's own objects, re-exported so that
``import threadkit as threading`` runs ordinary programs: ``current_thread``,
``main_thread``, ``enumerate``, ``active_count``, ``get_ident``, ``get_native_id``,
``local``, ``excepthook``, ``settrace`` … — threadkit registers its threads with the
``threading`` module, so these see them (and ``threading.current_thread()`` inside a
threadkit thread returns its ``threadkit.Thread``). ``BrokenBarrierError`` is
``threading.BrokenBarrierError`` itself, so existing ``except`` clauses keep working.
"""

import sys

from threading import (
    TIMEOUT_MAX,
    BrokenBarrierError,
    ExceptHookArgs,
    ThreadError,
    active_count,
    current_thread,
    enumerate,
    excepthook,
    get_ident,
    get_native_id,
    local,
    main_thread,
    setprofile,
    settrace,
    stack_size,
)

from ._threadkit import (
    Barrier,
    BoundedSemaphore,
    Condition,
    DeadlockError,
    Empty,
    Event,
    Full,
    LifoQueue,
    Lock,
    PriorityQueue,
    Queue,
    RLock,
    Semaphore,
    ShutDown,
    SimpleQueue,
    ThreadState,
    disable_deadlock_detection,
    dump_threads,
    enable_deadlock_detection,
    is_deadlock_detection_enabled,
    set_stall_threshold,
)
from ._threads import Thread, Timer
from ._executor import Future, ThreadPoolExecutor

__all__ = [
    "Barrier",
    "BoundedSemaphore",
    "BrokenBarrierError",
    "Condition",
    "DeadlockError",
    "Empty",
    "Event",
    "ExceptHookArgs",
    "Full",
    "Future",
    "LifoQueue",
    "Lock",
    "PriorityQueue",
    "Queue",
    "RLock",
    "Semaphore",
    "ShutDown",
    "SimpleQueue",
    "TIMEOUT_MAX",
    "Thread",
    "ThreadError",
    "ThreadPoolExecutor",
    "ThreadState",
    "Timer",
    "active_count",
    "current_thread",
    "disable_deadlock_detection",
    "dump_threads",
    "enable_deadlock_detection",
    "enumerate",
    "excepthook",
    "get_ident",
    "get_native_id",
    "is_deadlock_detection_enabled",
    "local",
    "main_thread",
    "set_stall_threshold",
    "setprofile",
    "settrace",
    "stack_size",
]

if sys.version_info >= (3, 10):
    from threading import getprofile, gettrace

    __all__ += ["getprofile", "gettrace"]

if sys.version_info >= (3, 12):
    from threading import setprofile_all_threads, settrace_all_threads

    __all__ += ["setprofile_all_threads", "settrace_all_threads"]

# The deprecated camelCase aliases, for old programs (not in ``__all__``, as in
# ``threading``).
from threading import activeCount, currentThread  # noqa: E402

del sys
