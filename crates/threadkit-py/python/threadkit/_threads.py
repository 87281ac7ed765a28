"""``threadkit.Thread`` and ``threadkit.Timer``: ``threading.Thread`` started by threadkit.

A ``threadkit.Thread`` *is* a ``threading.Thread`` (a subclass, so ``isinstance``
checks, subclasses that override ``run()``, ``name``/``daemon``/``ident``/
``native_id`` and the deprecated aliases all work unchanged), whose thread is
started by threadkit's core (``_threadkit._ThreadHandle``) rather than by
``_thread``. On top of the stdlib's API it has a read-only ``state`` (new,
runnable, blocked/waiting on which kind of primitive, terminated), and ``join()``
is interruptible by Ctrl-C.

How it fits with the ``threading`` module: the thread registers itself exactly as
the stdlib's threads do, in ``threading._active`` (and ``threading._limbo`` while
starting), so ``threading.current_thread()`` inside it returns the
``threadkit.Thread`` object (not a ``_DummyThread``), and ``threading.enumerate()``
and ``active_count()`` count it. It applies ``threading.settrace``/``setprofile``
hooks and reports an uncaught exception through ``threading.excepthook`` (or
``threadkit.excepthook``, if a program assigned one). At interpreter exit, the
non-daemon threadkit threads are joined before the stdlib's own (a
``threading._register_atexit`` callback), so a program ends when its last
non-daemon thread does, whichever module started it. After ``os.fork()``, the
threads that do not exist in the child are marked finished there.
"""

import sys
import threading as _std

from . import _threadkit

__all__ = ["Thread", "Timer"]

# Non-daemon threadkit threads that have started and not finished: joined at exit.
_non_daemon = set()
_non_daemon_lock = _threadkit.Lock()
# The stdlib's excepthook as imported; a different `threadkit.excepthook` is the
# program's own and takes precedence.
_std_excepthook = _std.excepthook


class Thread(_std.Thread):
    """A thread of control, as ``threading.Thread``, started by threadkit.

    ``Thread(group=None, target=None, name=None, args=(), kwargs=None, *,
    daemon=None)``: subclass it and override ``run()``, or pass a ``target``.
    ``state`` says where the thread is in its lifecycle; ``join()`` can be
    interrupted by Ctrl-C.
    """

    _tk_handle = None

    def start(self):
        """Start the thread's activity: ``run()`` in a new thread."""
        if not self._initialized:
            raise RuntimeError("thread.__init__() not called")
        if self._started.is_set():
            raise RuntimeError("threads can only be started once")
        with _std._active_limbo_lock:
            _std._limbo[self] = self
        try:
            self._tk_handle = _threadkit._ThreadHandle.start(
                self._tk_bootstrap, self.name, self.daemon, _std.stack_size()
            )
        except BaseException:
            with _std._active_limbo_lock:
                _std._limbo.pop(self, None)
            raise
        if not self.daemon:
            with _non_daemon_lock:
                _non_daemon.add(self)
        self._started.wait()

    def _tk_bootstrap(self):
        # The body of the new thread (run by `_ThreadHandle`, with the GIL): the
        # stdlib's `_bootstrap_inner`, over its stable parts.
        try:
            self._set_ident()
            if hasattr(self, "_set_native_id"):
                self._set_native_id()
            self._started.set()
            with _std._active_limbo_lock:
                _std._active[self._ident] = self
                _std._limbo.pop(self, None)
            trace = getattr(_std, "_trace_hook", None)
            if trace:
                sys.settrace(trace)
            profile = getattr(_std, "_profile_hook", None)
            if profile:
                sys.setprofile(profile)
            try:
                self.run()
            except BaseException:
                self._tk_invoke_excepthook()
        finally:
            with _std._active_limbo_lock:
                if _std._active.get(_std.get_ident()) is self:
                    del _std._active[_std.get_ident()]
            if not self.daemon:
                with _non_daemon_lock:
                    _non_daemon.discard(self)

    def _tk_invoke_excepthook(self):
        import threadkit

        hook = getattr(threadkit, "excepthook", _std_excepthook)
        if hook is _std_excepthook or hook is None:
            # The stdlib's machinery: `threading.excepthook` (possibly the program's),
            # with its fallbacks if the hook itself fails.
            self._invoke_excepthook(self)
            return
        try:
            hook(_std.ExceptHookArgs([*sys.exc_info(), self]))
        except BaseException:
            sys.excepthook(*sys.exc_info())

    def join(self, timeout=None):
        """Wait until the thread terminates, at most ``timeout`` seconds (``None``: no
        limit); call ``is_alive()`` afterwards to know whether it timed out."""
        if not self._initialized:
            raise RuntimeError("Thread.__init__() not called")
        if not self._started.is_set():
            raise RuntimeError("cannot join thread before it is started")
        if self is _std.current_thread():
            raise RuntimeError("cannot join current thread")
        if timeout is not None:
            timeout = max(timeout, 0)
        self._tk_handle.join(timeout)

    def is_alive(self):
        """Whether the thread is alive: from just before ``run()`` starts until just
        after it ends."""
        assert self._initialized, "Thread.__init__() not called"
        return self._started.is_set() and not self._tk_handle.is_done()

    @property
    def state(self):
        """Where the thread is in its lifecycle: a ``threadkit.ThreadState``
        (``"new"``, ``"runnable"``, ``"blocked"``, ``"waiting"``, ``"sleeping"`` or
        ``"terminated"``, with ``on`` naming the primitive it is parked on)."""
        handle = self._tk_handle
        if handle is None:
            return _threadkit.ThreadState("new")
        return handle.state

    def __repr__(self):
        assert self._initialized, "Thread.__init__() was not called"
        status = "initial"
        if self._started.is_set():
            status = "started"
        if self._tk_handle is not None and self._tk_handle.is_done():
            status = "stopped"
        if self.daemon:
            status += " daemon"
        if self._ident is not None:
            status += " %s" % self._ident
        return "<%s(%s, %s)>" % (self.__class__.__name__, self.name, status)

    # --- after os.fork(), called by threading's own fork handler ------------------

    def _after_fork(self, new_ident=None):
        # Python 3.13+.
        self._started._at_fork_reinit()
        if new_ident is not None:
            self._ident = new_ident
        else:
            self._tk_forget()

    def _reset_internal_locks(self, is_alive):
        # Python 3.12 and older (followed by `_stop()` for the threads that are gone).
        self._started._at_fork_reinit()
        if not is_alive:
            self._tk_forget()

    def _stop(self):
        self._tk_forget()
        if hasattr(self, "_is_stopped"):
            self._is_stopped = True

    def _tk_forget(self):
        if self._tk_handle is not None:
            self._tk_handle._forget_after_fork()
        _non_daemon.discard(self)


class Timer(Thread):
    """Call a function after a number of seconds, as ``threading.Timer``:
    ``t = Timer(30.0, f, args=None, kwargs=None); t.start(); t.cancel()``."""

    def __init__(self, interval, function, args=None, kwargs=None):
        Thread.__init__(self)
        self.interval = interval
        self.function = function
        self.args = args if args is not None else []
        self.kwargs = kwargs if kwargs is not None else {}
        self.finished = _threadkit.Event()

    def cancel(self):
        """Stop the timer if it hasn't finished yet."""
        self.finished.set()

    def run(self):
        self.finished.wait(self.interval)
        if not self.finished.is_set():
            self.function(*self.args, **self.kwargs)
        self.finished.set()


def _join_non_daemon():
    # At interpreter exit (before the stdlib joins its own non-daemon threads): wait
    # for every non-daemon threadkit thread, including those they start meanwhile.
    me = _std.current_thread()
    while True:
        with _non_daemon_lock:
            pending = [thread for thread in _non_daemon if thread is not me]
        if not pending:
            return
        for thread in pending:
            thread.join()
            with _non_daemon_lock:
                _non_daemon.discard(thread)


def _register_exit_hook():
    register = getattr(_std, "_register_atexit", None)
    if register is not None:
        register(_join_non_daemon)
    else:  # pragma: no cover - every supported CPython has it
        import atexit

        atexit.register(_join_non_daemon)


_register_exit_hook()
