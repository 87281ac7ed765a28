"""``threadkit.ThreadPoolExecutor``: a ``concurrent.futures.Executor`` whose futures work
with ``concurrent.futures.wait`` and ``as_completed``; shutdown, cancellation, a
broken initializer; and the report of a failed future nobody looked at.

Tasks that must still be running while the test looks are held on an Event, never
timed.
"""

import concurrent.futures as cf
import gc
import subprocess
import sys
import textwrap
import threading

import pytest

import threadkit


def fail(message):
    raise ValueError(message)


def test_an_executor_with_stdlib_futures():
    with threadkit.ThreadPoolExecutor(max_workers=2) as pool:
        assert isinstance(pool, cf.Executor)
        future = pool.submit(pow, 2, 10)
        assert isinstance(future, cf.Future)
        assert future.result(timeout=60) == 1024
        assert future.done() and not future.running() and not future.cancelled()
        assert list(pool.map(lambda x: x * x, range(20))) == [x * x for x in range(20)]
        keywords = pool.submit(lambda a, *, b: a - b, 5, b=3)
        assert keywords.result() == 2


def test_wait_first_completed_and_all_completed():
    gate = threadkit.Event()
    with threadkit.ThreadPoolExecutor(max_workers=2) as pool:
        slow = pool.submit(gate.wait)
        quick = pool.submit(lambda: "quick")
        done, not_done = cf.wait([slow, quick], return_when=cf.FIRST_COMPLETED, timeout=60)
        assert done == {quick} and not_done == {slow}
        done, not_done = cf.wait([slow, quick], timeout=0.01)
        assert not_done == {slow}
        gate.set()
        done, not_done = cf.wait([slow, quick], return_when=cf.ALL_COMPLETED, timeout=60)
        assert done == {slow, quick} and not not_done
        assert slow.result() is True


def test_wait_first_exception():
    gate = threadkit.Event()
    with threadkit.ThreadPoolExecutor(max_workers=2) as pool:
        blocked = pool.submit(gate.wait)
        failing = pool.submit(fail, "first")
        done, not_done = cf.wait([blocked, failing], return_when=cf.FIRST_EXCEPTION, timeout=60)
        assert done == {failing} and not_done == {blocked}
        assert isinstance(failing.exception(), ValueError)
        gate.set()


def test_as_completed_in_completion_order():
    gates = [threadkit.Event() for _ in range(3)]
    with threadkit.ThreadPoolExecutor(max_workers=3) as pool:
        futures = [pool.submit(lambda n=n: gates[n].wait() and n) for n in range(3)]
        order = []
        iterator = cf.as_completed(futures, timeout=60)
        for n in (2, 0, 1):
            gates[n].set()
            order.append(next(iterator).result())
        assert order == [2, 0, 1]
        with pytest.raises(StopIteration):
            next(iterator)


def test_a_task_exception_is_its_futures():
    with threadkit.ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(fail, "boom")
        with pytest.raises(ValueError, match="boom"):
            future.result(timeout=60)
        assert str(future.exception()) == "boom"


def test_callbacks_and_cancel():
    gate = threadkit.Event()
    seen = []
    with threadkit.ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(gate.wait)
        queued = pool.submit(lambda: "never")
        queued.add_done_callback(lambda f: seen.append(f.cancelled()))
        assert queued.cancel()  # not started: the single worker is busy
        gate.set()
        assert running.result(timeout=60) is True
    assert seen == [True] and queued.cancelled()


def test_shutdown_cancel_futures_and_submit_after():
    started, gate = threadkit.Event(), threadkit.Event()
    pool = threadkit.ThreadPoolExecutor(max_workers=1)
    running = pool.submit(lambda: started.set() or gate.wait())
    started.wait()
    pending = [pool.submit(lambda: None) for _ in range(3)]
    pool.shutdown(wait=False, cancel_futures=True)  # the worker is still held
    gate.set()
    pool.shutdown(wait=True)
    assert running.result() is True
    assert all(future.cancelled() for future in pending)
    with pytest.raises(RuntimeError, match="cannot schedule new futures after shutdown"):
        pool.submit(lambda: None)
    pool.shutdown()  # again: nothing to do


def test_arguments_like_the_stdlib():
    for make in (cf.ThreadPoolExecutor, threadkit.ThreadPoolExecutor):
        with pytest.raises(ValueError, match="max_workers must be greater than 0"):
            make(max_workers=0)
        with pytest.raises(TypeError):
            make(initializer=3)


def test_worker_names_and_initializer():
    names = []
    with threadkit.ThreadPoolExecutor(max_workers=1, thread_name_prefix="crunch",
                                      initializer=names.append, initargs=("init",)) as pool:
        pool.submit(lambda: names.append(threading.current_thread().name)).result(timeout=60)
    assert names[0] == "init" and names[1].startswith("crunch")


def test_a_failing_initializer_breaks_the_pool():
    def broken():
        raise OSError("no database")

    pool = threadkit.ThreadPoolExecutor(max_workers=1, initializer=broken)
    future = pool.submit(lambda: "never")
    with pytest.raises(cf.BrokenExecutor):
        future.result(timeout=60)
    with pytest.raises(cf.BrokenExecutor):
        pool.submit(lambda: None)
    pool.shutdown()


def test_an_unretrieved_failure_is_reported_on_stderr(capsys):
    pool = threadkit.ThreadPoolExecutor(max_workers=1)
    forgotten = pool.submit(fail, "nobody looked at me")
    looked_at = pool.submit(fail, "somebody looked")
    succeeded = pool.submit(lambda: 1)
    assert isinstance(looked_at.exception(timeout=60), ValueError)
    # Once shut down with wait, the workers no longer refer to the futures.
    pool.shutdown(wait=True)
    assert forgotten.done() and succeeded.done()
    del forgotten, looked_at, succeeded
    gc.collect()
    err = capsys.readouterr().err
    assert err.count("the exception of a task nobody retrieved") == 1
    assert "ValueError: nobody looked at me" in err
    assert "somebody looked" not in err


def test_the_stdlib_hides_what_threadkit_reports():
    # The same program, with each executor: only threadkit's says something.
    program = textwrap.dedent(
        """
        import sys
        import concurrent.futures, threadkit
        cls = threadkit.ThreadPoolExecutor if sys.argv[1] == "threadkit" else concurrent.futures.ThreadPoolExecutor
        with cls(max_workers=2) as pool:
            pool.submit(int, "not a number")
        """
    )
    outputs = {}
    for which in ("stdlib", "threadkit"):
        result = subprocess.run([sys.executable, "-c", program, which], capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stderr
        outputs[which] = result.stderr
    assert outputs["stdlib"] == ""
    assert "invalid literal for int() with base 10: 'not a number'" in outputs["threadkit"]


def test_exit_waits_for_the_tasks():
    program = textwrap.dedent(
        """
        import threadkit
        main_done = threadkit.Event()
        pool = threadkit.ThreadPoolExecutor(max_workers=1)
        pool.submit(lambda: (main_done.wait(), print("task done", flush=True)))
        print("main done", flush=True)
        main_done.set()  # the task finishes only after the main thread's last line
        """
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["main done", "task done"]
