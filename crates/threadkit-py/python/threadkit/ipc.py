"""threadkit across processes: named ``Lock``, ``Semaphore``, ``BoundedSemaphore`` and
``Event`` in shared memory, for ``multiprocessing`` children and unrelated processes
alike (Linux only).

Every object lives under a name (``/dev/shm/NAME``: an optional leading ``/``, then up
to ``MAX_NAME_LEN`` bytes without ``/``); any process of the same user that knows the
name shares it::

    from threadkit import ipc

    lock = ipc.Lock("jobs.lock")        # opens it, or creates it if it does not exist
    with lock:
        ...                             # one process at a time
    ipc.Lock.unlink("jobs.lock")        # removes the name; open handles keep working

Constructors: ``Lock(name, *, create=None, mode=0o600, priority_inheritance=False,
allow_foreign_owner=False)``, ``Semaphore(name, value=1, *, create=None, ...)``,
``BoundedSemaphore(name, value=1, *, ...)``, ``Event(name, *, ...)``. ``create=None``
opens the name or creates it, ``create=True`` only creates (``FileExistsError`` if the
name is taken), ``create=False`` only opens (``FileNotFoundError`` if it is missing).
``mode`` (and a lock's ``priority_inheritance``) apply when the object is created.
Objects of another user are refused (``PermissionError``) unless
``allow_foreign_owner=True``. ``Cls.unlink(name)`` removes a name holding that kind of
object; ``unlink(name)`` removes any name.

The methods and timeouts are those of ``threading``: ``acquire(blocking=True,
timeout=-1)`` / ``release()`` / ``locked()`` / ``with`` for a lock,
``acquire(blocking=True, timeout=None)`` / ``release(n=1)`` / ``get_value()`` for
semaphores, ``set()`` / ``clear()`` / ``is_set()`` / ``wait(timeout=None)`` for events.
Blocking calls release the GIL, and Ctrl-C interrupts them on the main thread.

**A lock survives its holder's death.** Python's ``multiprocessing.Lock`` stays locked
forever when the process holding it is killed; here the next ``acquire()`` gets the
lock, sets ``lock.owner_died`` to ``True`` and issues an ``OwnerDiedWarning`` (a
``RuntimeWarning``): the data the lock protects may be half-updated. Filter the warning
once you check ``owner_died`` yourself. (If warnings are turned into errors, the lock
is released again and the warning raised.)

Differences from ``threading`` and ``multiprocessing``:

* a lock belongs to the thread that acquired it: ``release()`` from another thread is a
  ``RuntimeError``, and a blocking ``acquire()`` by its holder raises
  ``threadkit.DeadlockError`` instead of hanging (``acquire(blocking=False)`` returns
  ``False``);
* a permit taken by ``acquire()`` is a count, as in ``multiprocessing``: a process that
  dies holding one does not give it back (a consumer that dies keeps what it took); a
  permit taken by a ``with`` block is a lease of the process, given back at the end of
  the block — or when the process dies inside it;
* a plain and a bounded semaphore are different kinds of objects.

Errors: a bad name or mode is a ``ValueError`` (with the message of threadkit's core); a
missing name ``FileNotFoundError``, a taken one ``FileExistsError``; a name that holds
another kind of object (an event opened as a lock) is a ``TypeError``; an object that is
not threadkit's, of another version or left half-created is an ``OSError``.

Objects pickle as their name: unpickled — in a ``multiprocessing`` child started with
``spawn`` or ``forkserver``, say — they open the same object, which must still exist
(unlink it only when every process has it open).
"""

import sys

if not sys.platform.startswith("linux"):
    raise ImportError("threadkit.ipc is only available on Linux")

from ._threadkit import ipc as _native  # noqa: E402

Lock = _native.Lock
Semaphore = _native.Semaphore
BoundedSemaphore = _native.BoundedSemaphore
Event = _native.Event
OwnerDiedWarning = _native.OwnerDiedWarning
unlink = _native.unlink
MAX_NAME_LEN = _native.MAX_NAME_LEN

__all__ = [
    "BoundedSemaphore",
    "Event",
    "Lock",
    "MAX_NAME_LEN",
    "OwnerDiedWarning",
    "Semaphore",
    "unlink",
]
