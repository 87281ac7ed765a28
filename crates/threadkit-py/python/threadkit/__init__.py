"""Python's threading primitives, rebuilt in Rust: ``import threadkit as threading``.

``Lock``, ``RLock``, ``Condition``, ``Semaphore``, ``BoundedSemaphore``, ``Event`` and
``Barrier`` are threadkit's own (``threadkit._threadkit``, over the Rust core), with the
stdlib's API and behaviour: they pass CPython's own ``test.lock_tests``. Every blocking
call releases the GIL, and Ctrl-C interrupts it on the main thread.

The other names of ``threading`` (``Thread``, ``Timer``, ``current_thread``, ``local``,
``excepthook``, ``BrokenBarrierError`` …) are, for now, the stdlib's own objects,
re-exported so that ``import threadkit as threading`` runs ordinary programs.
``BrokenBarrierError`` is and stays ``threading.BrokenBarrierError`` itself, so
existing ``except`` clauses keep working.
"""

import sys

from threading import (
    TIMEOUT_MAX,
    BrokenBarrierError,
    ExceptHookArgs,
    Thread,
    ThreadError,
    Timer,
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
    Event,
    Lock,
    RLock,
    Semaphore,
)

__all__ = [
    "Barrier",
    "BoundedSemaphore",
    "BrokenBarrierError",
    "Condition",
    "Event",
    "ExceptHookArgs",
    "Lock",
    "RLock",
    "Semaphore",
    "TIMEOUT_MAX",
    "Thread",
    "ThreadError",
    "Timer",
    "active_count",
    "current_thread",
    "enumerate",
    "excepthook",
    "get_ident",
    "get_native_id",
    "local",
    "main_thread",
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
