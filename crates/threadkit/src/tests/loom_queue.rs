use loom::sync::Arc;
use loom::thread;

use crate::queue::GetError;
use crate::{LifoQueue, Queue};

/// A bounded ring of one slot: the second put blocks until the consumer takes the
/// first; both arrive, in order (no lost wake-up on either side).
#[test]
fn ring_put_blocks_until_room() {
    loom::model(|| {
        let q = Arc::new(Queue::new(1));
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                q.put(1).unwrap();
                q.put(2).unwrap();
            })
        };
        assert_eq!(q.get(), Ok(1));
        assert_eq!(q.get(), Ok(2));
        producer.join().unwrap();
    });
}

/// Two producers into the unbounded list (blocks of 3 slots under loom): four items
/// cross a block boundary; every item arrives once, in order per producer.
#[test]
fn segments_two_producers_cross_a_block() {
    loom::model(|| {
        let q = Arc::new(Queue::new(0));
        let producers: Vec<_> = [10, 20]
            .into_iter()
            .map(|base| {
                let q = Arc::clone(&q);
                thread::spawn(move || {
                    q.put(base).unwrap();
                    q.put(base + 1).unwrap();
                })
            })
            .collect();
        let mut got: Vec<i32> = (0..4).map(|_| q.get().unwrap()).collect();
        for p in producers {
            p.join().unwrap();
        }
        assert!(got.iter().position(|&v| v == 10) < got.iter().position(|&v| v == 11));
        assert!(got.iter().position(|&v| v == 20) < got.iter().position(|&v| v == 21));
        got.sort_unstable();
        assert_eq!(got, [10, 11, 20, 21]);
    });
}

/// A getter blocked on an empty queue is woken by shutdown and told so.
#[test]
fn shutdown_wakes_a_blocked_getter() {
    loom::model(|| {
        let q: Arc<Queue<u8>> = Arc::new(Queue::new(0));
        let getter = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get())
        };
        q.shutdown(false);
        assert_eq!(getter.join().unwrap(), Err(GetError));
    });
}

/// join returns once the consumer marks the item done, whatever the interleaving.
#[test]
fn join_waits_for_task_done() {
    loom::model(|| {
        let q = Arc::new(Queue::new(2));
        q.put(7).unwrap();
        let consumer = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                assert_eq!(q.get(), Ok(7));
                q.task_done().unwrap();
            })
        };
        q.join();
        assert_eq!(q.unfinished_tasks(), 0);
        consumer.join().unwrap();
    });
}

/// The locked core (LIFO): a blocked put and a get meet under the lock.
#[test]
fn lifo_put_blocks_until_room() {
    loom::model(|| {
        let q = Arc::new(LifoQueue::new(1));
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                q.put(1).unwrap();
                q.put(2).unwrap();
            })
        };
        let first = q.get().unwrap();
        let second = q.get().unwrap();
        producer.join().unwrap();
        assert_eq!(first + second, 3);
    });
}

/// Put, then shutdown (in program order), against a consumer draining with get: the
/// consumer always receives the item before ShutDown (CPython's get raises ShutDown
/// only on an empty queue). Found by review: a get could see SHUTDOWN after an empty
/// pop while the item was landing.
#[test]
fn put_then_shutdown_reaches_the_consumer() {
    loom::model(|| {
        let q = Arc::new(Queue::new(0));
        let consumer = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                let mut got = Vec::new();
                while let Ok(v) = q.get() {
                    got.push(v);
                }
                got
            })
        };
        q.put(1u8).unwrap();
        q.shutdown(false);
        assert_eq!(consumer.join().unwrap(), [1]);
    });
}

/// A put racing shutdown(immediate=true): if it succeeds, its item is discarded and
/// counted done too, so join is released as Python promises.
#[test]
fn put_racing_an_immediate_shutdown_never_blocks_join() {
    loom::model(|| {
        let q = Arc::new(Queue::new(0));
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.put(1u8).is_ok())
        };
        q.shutdown(true);
        producer.join().unwrap();
        assert_eq!(q.unfinished_tasks(), 0, "qsize {}", q.qsize());
        q.join();
    });
}

/// A superfluous task_done racing a put and a legitimate task_done: only the
/// superfluous one may fail, and the count ends at zero.
#[test]
fn a_superfluous_task_done_fails_alone() {
    loom::model(|| {
        let q = Arc::new(Queue::new(0));
        q.put(1u8).unwrap();
        q.get().unwrap();
        q.task_done().unwrap();
        let extra = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.task_done().is_ok())
        };
        q.put(2).unwrap();
        let legit = q.task_done().is_ok();
        let extra_ok = extra.join().unwrap();
        assert!(legit || extra_ok, "both failed");
        assert_eq!(q.unfinished_tasks(), 0);
    });
}
