"""``threadkit.ThreadPoolExecutor``: ``concurrent.futures.ThreadPoolExecutor`` on threadkit's pool.

The executor subclasses ``concurrent.futures.Executor`` (so it is accepted wherever
an executor is expected, and inherits ``map`` and the context manager), and its
futures are ``concurrent.futures.Future`` objects (a subclass, ``threadkit.Future``),
so ``concurrent.futures.wait`` and ``as_completed`` work on them unchanged. The
tasks run on the workers of threadkit's core pool (``_threadkit._Pool``), which
completes the futures with the GIL held.

What it adds: **an exception nobody retrieved is reported.** When a future whose
task raised is collected without anyone having called ``result()`` or
``exception()`` on it, the exception (type, message and traceback) is printed to
stderr — where the stdlib's pool hides it and the program just goes on.

What differs: a worker's Python thread state is not kept between its batches of
tasks (until threadkit's core offers a hook around a worker's whole life), so
``threading.local`` values set by the ``initializer`` or by a task are not seen by
later tasks on the same worker.
"""

import itertools
import os
import sys
import threading as _std
import weakref
from concurrent import futures as _futures
from concurrent.futures import _base
from concurrent.futures.thread import BrokenThreadPool

from . import _threadkit

__all__ = ["Future", "ThreadPoolExecutor", "BrokenThreadPool"]

_FINISHED = _base.FINISHED
_Condition = _threadkit.Condition


class Future(_futures.Future):
    """A ``concurrent.futures.Future`` whose condition is threadkit's, and which reports
    an exception nobody retrieved when it is collected."""

    def __init__(self):
        # The attributes of `concurrent.futures.Future.__init__`, with threadkit's
        # Condition (the module-level functions `wait` and `as_completed` use them).
        self._condition = _Condition()
        self._state = _base.PENDING
        self._result = None
        self._exception = None
        self._waiters = []
        self._done_callbacks = []
        # The task, for the report of an exception nobody retrieved; None once
        # someone looked.
        self._tk_task = None

    def result(self, timeout=None):
        self._tk_task = None
        return super().result(timeout)

    def exception(self, timeout=None):
        self._tk_task = None
        return super().exception(timeout)

    def __del__(self):
        task = self._tk_task
        if task is None or self._state != _FINISHED or self._exception is None:
            return
        if isinstance(self._exception, BrokenThreadPool):
            return  # the broken pool was reported when it broke
        try:
            _report_unretrieved(task, self._exception)
        except BaseException:
            pass


def _report_unretrieved(task, exception):
    import traceback

    stderr = sys.stderr
    if stderr is None:
        return
    lines = [
        f"threadkit: the exception of a task nobody retrieved "
        f"(ThreadPoolExecutor future of {task!r}):\n"
    ]
    lines += traceback.format_exception(type(exception), exception, exception.__traceback__)
    stderr.write("".join(lines))
    stderr.flush()


class ThreadPoolExecutor(_futures.Executor):
    """An executor that runs calls on a pool of at most ``max_workers`` threads, as
    ``concurrent.futures.ThreadPoolExecutor(max_workers=None, thread_name_prefix='',
    initializer=None, initargs=())``, on threadkit's core pool.

    ``submit(fn, /, *args, **kwargs)`` returns a ``concurrent.futures.Future``;
    ``map``, ``shutdown(wait=True, *, cancel_futures=False)`` and ``with`` work as in
    the stdlib. A task's exception that nobody retrieves is reported on stderr when
    its future is collected.
    """

    # Used to assign unique thread names when thread_name_prefix is not supplied.
    _counter = itertools.count().__next__

    def __init__(self, max_workers=None, thread_name_prefix="", initializer=None, initargs=()):
        if max_workers is None:
            cpus = getattr(os, "process_cpu_count", os.cpu_count)()
            max_workers = min(32, (cpus or 1) + 4)
        if max_workers <= 0:
            raise ValueError("max_workers must be greater than 0")
        if initializer is not None and not callable(initializer):
            raise TypeError("initializer must be a callable")
        self._max_workers = max_workers
        self._thread_name_prefix = thread_name_prefix or (
            "ThreadPoolExecutor-%d" % self._counter()
        )
        self._initializer = initializer
        self._initargs = initargs
        self._broken = False
        self._shutdown = False
        run_initializer = None
        if initializer is not None:
            run_initializer = _initializer_runner(weakref.ref(self), initializer, initargs)
        self._pool = _threadkit._Pool(max_workers, self._thread_name_prefix, run_initializer)
        _live_executors.add(self)

    def submit(self, fn, /, *args, **kwargs):
        """Schedule ``fn(*args, **kwargs)`` and return a Future for its outcome."""
        future = Future()
        future._tk_task = fn
        self._pool.submit(future, fn, args, kwargs or None)
        return future

    submit.__doc__ = _futures.Executor.submit.__doc__

    def shutdown(self, wait=True, *, cancel_futures=False):
        """Stop taking tasks; with ``cancel_futures``, cancel the ones not started; with
        ``wait``, return once every task has finished (Ctrl-C interrupts the wait)."""
        self._shutdown = True
        self._pool.shutdown(wait, cancel_futures)

    shutdown.__doc__ = _futures.Executor.shutdown.__doc__

    def _initializer_failed(self):
        self._broken = (
            "A thread initializer failed, the thread pool is not usable anymore"
        )
        self._pool._break(self._broken)


def _initializer_runner(executor_ref, initializer, initargs):
    # Runs on each worker before its first task; a failure breaks the pool, as in
    # the stdlib (logged the same way).
    def run_initializer():
        try:
            initializer(*initargs)
        except BaseException:
            _base.LOGGER.critical("Exception in initializer:", exc_info=True)
            executor = executor_ref()
            if executor is not None:
                executor._initializer_failed()

    return run_initializer


# Executors not collected yet: shut down (waiting for their tasks) at interpreter
# exit, as the stdlib does with its own.
_live_executors = weakref.WeakSet()


def _python_exit():
    _threadkit._interpreter_shutdown()
    for executor in list(_live_executors):
        executor._pool.shutdown(True, False)


_register = getattr(_std, "_register_atexit", None)
if _register is not None:
    _register(_python_exit)
else:  # pragma: no cover - every supported CPython has it
    import atexit

    atexit.register(_python_exit)
