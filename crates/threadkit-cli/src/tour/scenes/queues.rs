//! Queues: the way the tutorials recommend threads talk to each other.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use threadkit::{Barrier, Event, Lock, PriorityQueue, Queue};

use crate::tour::scene::{PATIENCE, Report, Scene};

pub fn scenes() -> Vec<Scene> {
    vec![
        Scene {
            name: "queue-workers",
            title: "Workers, task_done and join",
            lesson: "Three workers take 50 jobs from a Queue and call task_done() after each; the producer's \
                     join() returns exactly when the last job is done.",
            run: workers,
        },
        Scene {
            name: "back-pressure",
            title: "A bounded queue applies back-pressure",
            lesson: "A fast producer feeds a slow consumer through Queue(maxsize=5): put() blocks while the \
                     queue is full, so the producer is held to the consumer's pace and memory stays bounded.",
            run: back_pressure,
        },
        Scene {
            name: "priority-jobs",
            title: "A PriorityQueue of jobs",
            lesson: "Jobs arrive in any order as (priority, name); a worker always takes the most urgent \
                     (smallest) first.",
            run: priority_jobs,
        },
        Scene {
            name: "queue-shutdown",
            title: "shutdown() ends a queue cleanly",
            lesson: "Python 3.13's shutdown(): puts fail at once, workers drain what is left and then stop; \
                     shutdown(immediate=True) discards the rest instead. The refused item comes back to the \
                     caller, never lost.",
            run: shutdown,
        },
    ]
}

fn workers(report: &mut Report) {
    let jobs = Arc::new(Queue::named("jobs", 0));
    let done = Arc::new(AtomicUsize::new(0));
    let per_worker = Arc::new(Lock::new(vec![0usize; 3]));
    // Each worker holds its first job until all three have one, so that a worker the
    // scheduler starts late still takes part (50 jobs leave plenty for everyone).
    let everyone_started = Arc::new(Barrier::new(3).expect("3 parties"));
    let workers: Vec<_> = (0..3)
        .map(|id| {
            let (jobs, done, per_worker, everyone_started) = (
                Arc::clone(&jobs),
                Arc::clone(&done),
                Arc::clone(&per_worker),
                Arc::clone(&everyone_started),
            );
            std::thread::spawn(move || {
                for (n, job) in jobs.iter().enumerate() {
                    if n == 0 {
                        // A broken barrier (a worker stuck for 5 s) shows in the verdict.
                        let _ = everyone_started.wait_timeout(PATIENCE);
                    }
                    std::thread::sleep(Duration::from_micros(200 + 37 * (job % 7)));
                    done.fetch_add(1, Ordering::SeqCst);
                    per_worker.acquire()[id] += 1;
                    jobs.task_done().expect("one task_done per job");
                }
            })
        })
        .collect();
    let started = Instant::now();
    for job in 0..50u64 {
        jobs.put(job).expect("queue open");
    }
    jobs.join();
    let done_at_join = done.load(Ordering::SeqCst);
    let waited = started.elapsed();
    jobs.shutdown(false);
    for worker in workers {
        worker.join().expect("worker");
    }
    let split = per_worker.acquire().clone();
    report.say(format!(
        "join() returned after {:.0} ms with {done_at_join} of 50 jobs done; workers did {split:?}",
        waited.as_secs_f64() * 1000.0
    ));
    report.figure("done_at_join", done_at_join);
    report.figure("per_worker", split.clone());
    report.check(
        "join() returned only when all 50 jobs were done",
        done_at_join == 50,
    );
    report.check("every worker took part", split.iter().all(|&n| n > 0));
    report.check("no task is left unfinished", jobs.unfinished_tasks() == 0);
}

fn back_pressure(report: &mut Report) {
    let queue = Arc::new(Queue::named("bounded", 5));
    let largest = Arc::new(AtomicUsize::new(0));
    // The consumer starts once the queue has filled, so the producer meets a full
    // queue at least once whatever the scheduler does; after that, the consumer's
    // 2 ms per item keeps it full.
    let filled = Arc::new(Event::new());
    let consumer = {
        let (queue, largest, filled) = (
            Arc::clone(&queue),
            Arc::clone(&largest),
            Arc::clone(&filled),
        );
        std::thread::spawn(move || {
            filled.wait();
            let mut received = 0;
            for _ in queue.iter() {
                largest.fetch_max(queue.qsize(), Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(2));
                received += 1;
            }
            received
        })
    };
    let started = Instant::now();
    let mut blocked = 0;
    for item in 0..40 {
        if queue.is_full() {
            blocked += 1;
            filled.set();
        }
        queue.put(item).expect("queue open");
        largest.fetch_max(queue.qsize(), Ordering::SeqCst);
    }
    let producing = started.elapsed();
    queue.shutdown(false);
    let received = consumer.join().expect("consumer");
    let largest = largest.load(Ordering::SeqCst);
    report.say(format!(
        "the producer put 40 items in {:.0} ms (the consumer needs ~2 ms each); it found the queue full {blocked} times",
        producing.as_secs_f64() * 1000.0
    ));
    report.say(format!(
        "the queue never held more than {largest} items; the consumer received {received}"
    ));
    report.figure("max_qsize", largest);
    report.figure("producer_ms", producing.as_secs_f64() * 1000.0);
    report.check("the queue never exceeded maxsize 5", largest <= 5);
    report.check(
        "the producer was held back (blocked on a full queue)",
        blocked > 0,
    );
    report.check("every item arrived", received == 40);
}

fn priority_jobs(report: &mut Report) {
    let jobs = PriorityQueue::named("jobs", 0);
    for job in [
        (3, "write the report"),
        (1, "fix the outage"),
        (4, "water the plants"),
        (2, "review the patch"),
        (1, "page the on-call"),
    ] {
        jobs.put(job).expect("queue open");
    }
    let order: Vec<(i32, &str)> = std::iter::from_fn(|| jobs.try_get().ok()).collect();
    for (priority, name) in &order {
        report.say(format!("priority {priority}: {name}"));
    }
    let priorities: Vec<i32> = order.iter().map(|(p, _)| *p).collect();
    report.figure("priorities", priorities.clone());
    report.check(
        "jobs came out most urgent first",
        priorities.windows(2).all(|w| w[0] <= w[1]),
    );
    report.check("all five jobs came out", order.len() == 5);
}

fn shutdown(report: &mut Report) {
    // Graceful: the workers drain what is left.
    let queue = Arc::new(Queue::named("graceful", 0));
    for item in 0..20 {
        queue.put(item).expect("queue open");
    }
    let drained = {
        let queue = Arc::clone(&queue);
        std::thread::spawn(move || queue.iter().count())
    };
    queue.shutdown(false);
    let refused = queue.put(99).map_err(|e| e.into_inner());
    let drained = drained.join().expect("worker");
    report.say(format!(
        "shutdown(): the worker drained {drained} items and stopped; a later put was refused and handed back: {refused:?}"
    ));

    // Immediate: the rest is discarded, and counted as done for join().
    let queue = Queue::named("immediate", 0);
    for item in 0..20 {
        queue.put(item).expect("queue open");
    }
    queue.get().expect("an item");
    queue.task_done().expect("one task");
    queue.shutdown(true);
    let left = queue.qsize();
    let joined = queue.join_timeout(Duration::from_secs(1)).is_ok();
    report.say(format!(
        "shutdown(immediate=true): {left} items left, join() returned: {joined}; get() now fails: {:?}",
        queue.get().map_err(|e| e.to_string())
    ));
    report.figure("drained", drained);
    report.check(
        "the graceful shutdown delivered all 20 items",
        drained == 20,
    );
    report.check("the refused item came back", refused == Err(99));
    report.check(
        "the immediate shutdown emptied the queue and released join()",
        left == 0 && joined,
    );
}
