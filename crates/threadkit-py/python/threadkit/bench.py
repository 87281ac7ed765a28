"""``python -m threadkit.bench``: threadkit against the stdlib, in one process.

Each workload runs for threadkit and for ``threading`` interleaved (one sample of
each in turn, the order rotating every repetition), after calibrating how many
operations fill a sample; each row gives the median, min and max over the samples,
in nanoseconds per operation (or per round trip). ``--quick`` takes a few seconds,
``--json PATH`` writes the rows in the format of ``threadkit bench --json``;
names after the options filter workloads by prefix (``python -m threadkit.bench
lock event``).
"""

import argparse
import concurrent.futures
import json
import multiprocessing
import os
import platform
import queue
import statistics
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

import threadkit

# A sampler runs `iters` operations and returns the elapsed nanoseconds.
Sampler = Callable[[int], int]


def lock_pair(module: Any) -> Sampler:
    lock = module.Lock()
    acquire, release = lock.acquire, lock.release

    def sample(iters: int) -> int:
        start = time.perf_counter_ns()
        for _ in range(iters):
            acquire()
            release()
        return time.perf_counter_ns() - start

    return sample


def ipc_lock_pair(module: Any) -> Sampler:
    """A cross-process lock: ``threadkit.ipc.Lock`` or ``multiprocessing.Lock``."""
    if module is threadkit:
        from threadkit import ipc

        name = f"threadkit-bench-{os.getpid()}"
        lock: Any = ipc.Lock(name, create=True)
        ipc.Lock.unlink(name)  # the handle keeps working; nothing is left behind
    else:
        lock = multiprocessing.Lock()
    acquire, release = lock.acquire, lock.release

    def sample(iters: int) -> int:
        start = time.perf_counter_ns()
        for _ in range(iters):
            acquire()
            release()
        return time.perf_counter_ns() - start

    return sample


def rlock_pair(module: Any) -> Sampler:
    lock = module.RLock()
    acquire, release = lock.acquire, lock.release

    def sample(iters: int) -> int:
        start = time.perf_counter_ns()
        for _ in range(iters):
            acquire()
            release()
        return time.perf_counter_ns() - start

    return sample


def semaphore_pair(cls_name: str) -> Callable[[Any], Sampler]:
    def make(module: Any) -> Sampler:
        semaphore = getattr(module, cls_name)(1)
        acquire, release = semaphore.acquire, semaphore.release

        def sample(iters: int) -> int:
            start = time.perf_counter_ns()
            for _ in range(iters):
                acquire()
                release()
            return time.perf_counter_ns() - start

        return sample

    return make


def event_wait_set(module: Any) -> Sampler:
    event = module.Event()
    event.set()
    wait = event.wait

    def sample(iters: int) -> int:
        start = time.perf_counter_ns()
        for _ in range(iters):
            wait()
        return time.perf_counter_ns() - start

    return sample


def pingpong(main_side: Callable[[], None], other_side: Callable[[], None], iters: int) -> int:
    """Runs `iters` round trips between this thread and a second one."""

    def other() -> None:
        for _ in range(iters):
            other_side()

    thread = threading.Thread(target=other)
    thread.start()
    start = time.perf_counter_ns()
    for _ in range(iters):
        main_side()
    elapsed = time.perf_counter_ns() - start
    thread.join()
    return elapsed


def event_pingpong(module: Any) -> Sampler:
    def sample(iters: int) -> int:
        ping, pong = module.Event(), module.Event()

        def main_side() -> None:
            ping.set()
            pong.wait()
            pong.clear()

        def other_side() -> None:
            ping.wait()
            ping.clear()
            pong.set()

        return pingpong(main_side, other_side, iters)

    return sample


def condition_pingpong(module: Any) -> Sampler:
    def sample(iters: int) -> int:
        cond = module.Condition()
        turn = [0]

        def passer(mine: int) -> Callable[[], None]:
            def pass_turn() -> None:
                with cond:
                    while turn[0] != mine:
                        cond.wait()
                    turn[0] = 1 - mine
                    cond.notify()

            return pass_turn

        return pingpong(passer(0), passer(1), iters)

    return sample


def barrier_round(module: Any) -> Sampler:
    def sample(iters: int) -> int:
        barrier = module.Barrier(2)
        return pingpong(barrier.wait, barrier.wait, iters)

    return sample


def queue_module(module: Any) -> Any:
    """Where the queues are: threadkit itself, or the stdlib's ``queue``."""
    return threadkit if module is threadkit else queue


def queue_put_get(cls_name: str) -> Callable[[Any], Sampler]:
    def make(module: Any) -> Sampler:
        q = getattr(queue_module(module), cls_name)()
        put, get = q.put, q.get

        def sample(iters: int) -> int:
            start = time.perf_counter_ns()
            for item in range(iters):
                put(item)
                get()
            return time.perf_counter_ns() - start

        return sample

    return make


def queue_producer_consumer(module: Any) -> Sampler:
    def sample(iters: int) -> int:
        q = queue_module(module).Queue()

        def produce() -> None:
            put = q.put
            for item in range(iters):
                put(item)

        producer = threading.Thread(target=produce)
        get = q.get
        start = time.perf_counter_ns()
        producer.start()
        for _ in range(iters):
            get()
        elapsed = time.perf_counter_ns() - start
        producer.join()
        return elapsed

    return sample


def nothing() -> None:
    """A task that does nothing: what is measured is the pool around it."""


def executor_submit_wait(module: Any) -> Sampler:
    pool_class = (
        threadkit.ThreadPoolExecutor
        if module is threadkit
        else concurrent.futures.ThreadPoolExecutor
    )

    def sample(iters: int) -> int:
        with pool_class(max_workers=4) as pool:
            submit = pool.submit
            start = time.perf_counter_ns()
            futures = [submit(nothing) for _ in range(iters)]
            concurrent.futures.wait(futures)
            elapsed = time.perf_counter_ns() - start
        return elapsed

    return sample


# (name, unit, what, sampler factory, target ratio threadkit / threading)
WORKLOADS: List[Tuple[str, str, str, Callable[[Any], Sampler], float]] = [
    ("lock/acquire-release", "ns/op", "Lock acquire() + release() on one thread", lock_pair, 1.0),
    ("rlock/acquire-release", "ns/op", "RLock acquire() + release() on one thread", rlock_pair, 1.0),
    ("semaphore/acquire-release", "ns/op", "Semaphore acquire() + release() on one thread",
     semaphore_pair("Semaphore"), 0.125),
    ("boundedsemaphore/acquire-release", "ns/op",
     "BoundedSemaphore acquire() + release() on one thread", semaphore_pair("BoundedSemaphore"), 0.125),
    ("event/wait-set", "ns/op", "Event.wait() on an event that is set", event_wait_set, 0.5),
    ("condition/pingpong", "ns/round-trip", "two threads passing a turn under a Condition",
     condition_pingpong, 0.33),
    ("event/pingpong", "ns/round-trip", "two threads handing a turn over with two Events",
     event_pingpong, 0.33),
    ("barrier/2", "ns/round", "two threads meeting at a Barrier(2)", barrier_round, 0.33),
    ("queue/put-get", "ns/op", "Queue put() + get() on one thread", queue_put_get("Queue"), 0.125),
    ("queue/1p1c", "ns/item", "one producer thread, one consumer thread, an unbounded Queue",
     queue_producer_consumer, 0.1),
    ("simplequeue/put-get", "ns/op", "SimpleQueue put() + get() on one thread",
     queue_put_get("SimpleQueue"), 1.0),
    ("executor/submit-wait", "ns/task",
     "ThreadPoolExecutor(max_workers=4): submit a no-op task per item, then wait for all",
     executor_submit_wait, 0.5),
    ("ipc/lock-acquire-release", "ns/op",
     "threadkit.ipc.Lock vs multiprocessing.Lock: acquire() + release() on one thread",
     ipc_lock_pair, 1.0),
]

IMPLEMENTATIONS = [("threadkit", "subject", threadkit), ("threading", "peer", threading)]


def calibrate(sampler: Sampler, sample_ns: int) -> int:
    """An iteration count whose sample takes about `sample_ns`."""
    iters = 16
    while True:
        elapsed = max(sampler(iters), 1)
        if elapsed >= sample_ns // 8 or iters >= 1 << 30:
            return max(1, int(iters * sample_ns / elapsed))
        iters *= 4


def measure(workload: Tuple[str, str, str, Callable[[Any], Sampler], float], sample_ns: int,
            repetitions: int) -> List[Dict[str, Any]]:
    name, unit, _, factory, _ = workload
    samplers = [factory(module) for _, _, module in IMPLEMENTATIONS]
    iters = [calibrate(sampler, sample_ns) for sampler in samplers]
    values: List[List[float]] = [[] for _ in samplers]
    for repetition in range(repetitions):
        for offset in range(len(samplers)):
            index = (repetition + offset) % len(samplers)
            values[index].append(samplers[index](iters[index]) / iters[index])
    return [
        {
            "workload": name,
            "impl": impl,
            "role": role,
            "unit": unit,
            "median": statistics.median(samples),
            "min": min(samples),
            "max": max(samples),
            "samples": len(samples),
        }
        for (impl, role, _), samples in zip(IMPLEMENTATIONS, values)
    ]


def machine() -> Dict[str, Any]:
    cpu = platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count() or 1,
        "os": f"{platform.system().lower()} {platform.machine()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
    }


def figure(value: float) -> str:
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m threadkit.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter samples (a few seconds)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument("--list", action="store_true", help="list the workloads")
    parser.add_argument("filters", nargs="*", metavar="FILTER", help="workload name prefixes")
    args = parser.parse_args(argv)

    selected = [w for w in WORKLOADS if not args.filters or any(w[0].startswith(f) for f in args.filters)]
    if args.list:
        for name, _, what, _, _ in selected:
            print(f"{name:<34} {what}")
        return 0
    if not selected:
        print(f"python -m threadkit.bench: no workload matches {args.filters}", file=sys.stderr)
        return 2
    sample_ms, repetitions = (20, 5) if args.quick else (100, 11)
    info = machine()
    print(f"threadkit.bench — {info['cpu']} · {info['cores']} cores · {info['os']} · {info['python']}")
    print(f"{repetitions} samples of ~{sample_ms} ms per implementation, interleaved; lower is better\n")
    rows: List[Dict[str, Any]] = []
    targets: List[Dict[str, Any]] = []
    for workload in selected:
        name, unit, what, _, target = workload
        measured = measure(workload, sample_ms * 1_000_000, repetitions)
        subject, peer = measured
        ratio = subject["median"] / peer["median"]
        met = ratio <= target
        print(f"{name}  ({unit}; {what})")
        print(f"  {'implementation':<14}  {'median':>10}  {'min':>10}  {'max':>10}  {'/ threading':>11}")
        for row in measured:
            shown = f"{row['median'] / peer['median']:.2f}×" if row is subject else ""
            print(f"  {row['impl']:<14}  {figure(row['median']):>10}  {figure(row['min']):>10}  "
                  f"{figure(row['max']):>10}  {shown:>11}")
        print(f"  target ≤ {target:.3g} × threading: {ratio:.2f}× — {'met' if met else 'NOT met'}\n")
        rows.extend(measured)
        targets.append({"workload": name, "target": f"≤ {target:.3g} × threading",
                        "measured": ratio, "met": met})
    if args.json:
        document = {"machine": info, "quick": args.quick, "repetitions": repetitions,
                    "rows": rows, "targets": targets}
        with open(args.json, "w") as out:
            json.dump(document, out, indent=2)
        print(f"results written to {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
