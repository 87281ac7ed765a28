"""CPython's own lock and queue tests, run against threadkit and against the stdlib.

The threadkit suites subclass the interpreter's ``test.lock_tests`` base classes
exactly as CPython's ``test/test_threading.py`` does (the same class names, the
same one-line bodies, the same skip), with threadkit's types, and
``test.test_queue``'s mixins exactly as ``test/test_queue.py`` does (with the module
under test set to ``threadkit``); no test body is edited or copied. The stdlib's
reference run is ``test.test_threading``'s and ``test.test_queue``'s own classes
(for the queues, the C ``_queue`` variants first, as the total counts one run).

Run it as ``python tests/conformance.py``: it prints, per suite, how many tests
passed, were skipped and failed for threadkit and for the stdlib, and exits with 1
if threadkit fails a test that is not in ``KNOWN_DIVERGENCES`` (or passes one that
is: the list must stay exact), or passes fewer tests than the stdlib minus those.
"""

import io
import sys
import unittest

from test import lock_tests, test_queue

import threadkit

# --- threadkit, subclassed as CPython's test_threading.py subclasses the stdlib -----


class LockTests(lock_tests.LockTests):
    locktype = staticmethod(threadkit.Lock)


class RLockTests(lock_tests.RLockTests):
    locktype = staticmethod(threadkit.RLock)


class EventTests(lock_tests.EventTests):
    eventtype = staticmethod(threadkit.Event)


class ConditionAsRLockTests(lock_tests.RLockTests):
    # Condition uses an RLock by default and exports its API.
    locktype = staticmethod(threadkit.Condition)

    def test_recursion_count(self):
        self.skipTest("Condition does not expose _recursion_count()")


class ConditionTests(lock_tests.ConditionTests):
    condtype = staticmethod(threadkit.Condition)


class SemaphoreTests(lock_tests.SemaphoreTests):
    semtype = staticmethod(threadkit.Semaphore)


class BoundedSemaphoreTests(lock_tests.BoundedSemaphoreTests):
    semtype = staticmethod(threadkit.BoundedSemaphore)


class BarrierTests(lock_tests.BarrierTests):
    barriertype = staticmethod(threadkit.Barrier)


# --- and as CPython's test_queue.py subclasses its mixins ---------------------------


class QueueTest(test_queue.QueueTest, unittest.TestCase):
    queue = threadkit


class LifoQueueTest(test_queue.LifoQueueTest, unittest.TestCase):
    queue = threadkit


class PriorityQueueTest(test_queue.PriorityQueueTest, unittest.TestCase):
    queue = threadkit


class FailingQueueTest(test_queue.FailingQueueTest, unittest.TestCase):
    queue = threadkit


class SimpleQueueTest(test_queue.CSimpleQueueTest):
    # CPython's C SimpleQueue suite (with test_is_default and test_reentrancy).
    queue = threadkit


THREADKIT_SUITES = [
    LockTests,
    RLockTests,
    EventTests,
    ConditionAsRLockTests,
    ConditionTests,
    SemaphoreTests,
    BoundedSemaphoreTests,
    BarrierTests,
    QueueTest,
    LifoQueueTest,
    PriorityQueueTest,
    FailingQueueTest,
    SimpleQueueTest,
]

# Tests threadkit fails on purpose, with the reason. Keep this list exact: it is empty
# (EventTests.test_at_fork_reinit, once listed, passes since Event has CPython's
# private `_cond`).
KNOWN_DIVERGENCES = {}


def stdlib_suites():
    """The stdlib's run: test_threading's own classes (the same base classes)."""
    from test import test_threading as std

    suites = [
        ("LockTests", std.LockTests),
        ("RLockTests", std.PyRLockTests),
        ("RLockTests", std.CRLockTests),
        ("EventTests", std.EventTests),
        ("ConditionAsRLockTests", std.ConditionAsRLockTests),
        ("ConditionTests", std.ConditionTests),
        ("SemaphoreTests", std.SemaphoreTests),
        ("BoundedSemaphoreTests", std.BoundedSemaphoreTests),
        ("BarrierTests", std.BarrierTests),
        ("QueueTest", test_queue.CQueueTest),
        ("QueueTest", test_queue.PyQueueTest),
        ("LifoQueueTest", test_queue.CLifoQueueTest),
        ("LifoQueueTest", test_queue.PyLifoQueueTest),
        ("PriorityQueueTest", test_queue.CPriorityQueueTest),
        ("PriorityQueueTest", test_queue.PyPriorityQueueTest),
        ("FailingQueueTest", test_queue.CFailingQueueTest),
        ("FailingQueueTest", test_queue.PyFailingQueueTest),
        ("SimpleQueueTest", test_queue.CSimpleQueueTest),
        ("SimpleQueueTest", test_queue.PySimpleQueueTest),
    ]
    return suites


class Counts(unittest.TextTestResult):
    """Remembers which tests passed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.passed = []

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed.append(test)


def short_id(test):
    """`Class.test_name` of a test."""
    return ".".join(test.id().rsplit(".", 2)[-2:])


def run(case):
    """Runs one TestCase class; returns (passed, skipped, failed ids). The tracebacks
    of failures not listed in KNOWN_DIVERGENCES are printed."""
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(case)
    runner = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0, resultclass=Counts)
    result = runner.run(suite)
    failed = []
    for test, trace in result.failures + result.errors:
        failed.append(short_id(test))
        if short_id(test) not in KNOWN_DIVERGENCES:
            print(f"FAIL: {test.id()}\n{trace}", file=sys.stderr)
    failed += [short_id(test) for test in result.unexpectedSuccesses]
    return len(result.passed), len(result.skipped), failed


def main():
    rows = []
    problems = []
    total = {"tk": [0, 0, 0], "std": [0, 0, 0]}
    std = {}
    for name, case in stdlib_suites():
        label = name if case.__name__ == name else f"{name} ({case.__name__})"
        std[label] = run(case)
    for case in THREADKIT_SUITES:
        passed, skipped, failed = run(case)
        for test in failed:
            if test not in KNOWN_DIVERGENCES:
                problems.append(f"threadkit fails {test}")
        for test in KNOWN_DIVERGENCES:
            if test.startswith(case.__name__ + ".") and test not in failed:
                problems.append(f"{test} is listed as a divergence but did not fail")
        references = [(label, r) for label, r in std.items() if label.split(" ")[0] == case.__name__]
        for label, (s_passed, s_skipped, s_failed) in references:
            rows.append((label, (passed, skipped, len(failed)), (s_passed, s_skipped, len(s_failed))))
            if s_failed:
                problems.append(f"the stdlib itself fails {s_failed} here")
        for index, value in enumerate((passed, skipped, len(failed))):
            total["tk"][index] += value
        for label, (s_passed, s_skipped, s_failed) in references[:1]:
            for index, value in enumerate((s_passed, s_skipped, len(s_failed))):
                total["std"][index] += value
        # Against the first reference run, the one the totals count: for the queues the
        # C variant, whose tests are a superset of the Python one's (SimpleQueue adds
        # test_is_default and test_reentrancy); for RLock the Python one, as CPython's
        # CRLockTests adds tests of `_thread.RLock` itself that no subclass inherits.
        expected = references[0][1][0] - sum(
            1 for t in KNOWN_DIVERGENCES if t.startswith(case.__name__ + "."))
        if passed < expected:
            problems.append(f"{case.__name__}: threadkit passed {passed}, expected {expected}")

    width = max(len(row[0]) for row in rows + [("total (stdlib: first run of each)",)])
    print(f"\nCPython {sys.version.split()[0]} test.lock_tests + test.test_queue: "
          "passed / skipped / failed")
    print(f"  {'suite':<{width}}  {'threadkit':>12}  {'stdlib':>12}")
    for label, tk, st in rows:
        print(f"  {label:<{width}}  {'%d / %d / %d' % tk:>12}  {'%d / %d / %d' % st:>12}")
    print(f"  {'total (stdlib: first run of each)':<{width}}  "
          f"{'%d / %d / %d' % tuple(total['tk']):>12}  {'%d / %d / %d' % tuple(total['std']):>12}")
    for test, reason in KNOWN_DIVERGENCES.items():
        print(f"  known divergence: {test}: {reason}")
    for problem in problems:
        print(f"  PROBLEM: {problem}")
    print(f"\nconformance: {total['tk'][0]} passed, {total['tk'][2]} failed, {total['tk'][1]} skipped")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
