use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use threadkit::queue::{
    GetError, GetTimeoutError, JoinTimeoutError, MaxsizeError, PutError, PutTimeoutError,
    TaskDoneError, TryGetError, TryPutError,
};
use threadkit::{LifoQueue, PriorityQueue, Queue, SimpleQueue};

use crate::support::{spawn_named, wait_until, wait_until_blocked};

/// Every constructor of a FIFO queue: ring (bounded), segments (unbounded), and
/// segments with a limit (created unbounded, then limited).
fn fifo_queues(maxsize: usize) -> Vec<Queue<u32>> {
    let limited = Queue::unbounded();
    limited.set_maxsize(maxsize).unwrap();
    vec![Queue::new(maxsize), limited]
}

#[test]
fn fifo_order_and_sizes() {
    for q in fifo_queues(3).into_iter().chain([Queue::new(0)]) {
        assert!(q.is_empty());
        for n in 1..=3 {
            q.put(n).unwrap();
        }
        assert_eq!(q.qsize(), 3);
        assert_eq!(q.is_full(), q.maxsize() == 3);
        assert_eq!(
            (1..=3).map(|_| q.get().unwrap()).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert!(q.is_empty() && !q.is_full());
    }
}

#[test]
fn many_items_cross_blocks_and_laps() {
    // More items than a block (31) and several laps of a small ring.
    for q in [Queue::new(5), Queue::new(0), Queue::new(64)] {
        let mut model = std::collections::VecDeque::new();
        for round in 0..200u32 {
            for i in 0..(round % 5 + 1) {
                let value = round * 10 + i;
                if q.try_put(value).is_ok() {
                    model.push_back(value);
                }
            }
            for _ in 0..(round % 3 + 1) {
                assert_eq!(q.try_get().ok(), model.pop_front());
            }
            assert_eq!(q.qsize(), model.len());
        }
        while let Some(expected) = model.pop_front() {
            assert_eq!(q.try_get(), Ok(expected));
        }
        assert_eq!(q.try_get(), Err(TryGetError::Empty));
    }
}

#[test]
fn lifo_and_priority_orders() {
    let stack = LifoQueue::new(0);
    for n in [1, 2, 3] {
        stack.put(n).unwrap();
    }
    assert_eq!(
        (0..3).map(|_| stack.get().unwrap()).collect::<Vec<_>>(),
        [3, 2, 1]
    );

    let heap = PriorityQueue::new(0);
    for n in [5, 1, 4, 2, 3] {
        heap.put(n).unwrap();
    }
    assert_eq!(
        (0..5).map(|_| heap.get().unwrap()).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
}

#[test]
fn full_queue_hands_the_value_back() {
    for q in fifo_queues(1) {
        q.put(1).unwrap();
        assert_eq!(q.try_put(2), Err(TryPutError::Full(2)));
        assert_eq!(q.try_put(2).unwrap_err().into_inner(), 2);
        let start = Instant::now();
        let error = q.put_timeout(3, Duration::from_millis(20)).unwrap_err();
        assert!(start.elapsed() >= Duration::from_millis(20));
        assert!(error.is_timeout());
        assert_eq!(error.into_inner(), 3);
        assert_eq!(
            q.put_deadline(4, Instant::now()),
            Err(PutTimeoutError::Timeout(4))
        );
        assert_eq!(q.qsize(), 1, "nothing was lost or added");
    }
    let stack = LifoQueue::new(1);
    stack.put("a").unwrap();
    assert_eq!(stack.try_put("b"), Err(TryPutError::Full("b")));
}

#[test]
fn empty_queue_gets_time_out() {
    let q: Queue<u8> = Queue::new(0);
    assert_eq!(q.try_get(), Err(TryGetError::Empty));
    let start = Instant::now();
    assert_eq!(
        q.get_timeout(Duration::from_millis(20)),
        Err(GetTimeoutError::Timeout)
    );
    assert!(start.elapsed() >= Duration::from_millis(20));
    assert_eq!(
        q.get_deadline(Instant::now()),
        Err(GetTimeoutError::Timeout)
    );
    let heap: PriorityQueue<u8> = PriorityQueue::new(0);
    assert_eq!(
        heap.get_timeout(Duration::from_millis(1)),
        Err(GetTimeoutError::Timeout)
    );
}

#[test]
fn blocked_put_wakes_when_room_appears() {
    for (i, q) in fifo_queues(1).into_iter().enumerate() {
        let q = Arc::new(q);
        q.put(1).unwrap();
        let name = format!("queue-putter-{i}");
        let putter = {
            let q = Arc::clone(&q);
            spawn_named(&name, move || q.put(2))
        };
        wait_until_blocked(&name);
        assert_eq!(q.get().unwrap(), 1);
        putter.join().unwrap().unwrap();
        assert_eq!(q.get().unwrap(), 2);
    }
}

#[test]
fn blocked_get_wakes_when_an_item_arrives() {
    let q = Arc::new(Queue::new(4));
    let getters: Vec<_> = (0..3)
        .map(|i| {
            let q = Arc::clone(&q);
            spawn_named(&format!("queue-getter-{i}"), move || q.get().unwrap())
        })
        .collect();
    for i in 0..3 {
        wait_until_blocked(&format!("queue-getter-{i}"));
    }
    for n in [10, 20, 30] {
        q.put(n).unwrap();
    }
    let mut got: Vec<i32> = getters.into_iter().map(|g| g.join().unwrap()).collect();
    got.sort_unstable();
    assert_eq!(got, [10, 20, 30]);
}

#[test]
fn task_done_and_join() {
    let q = Arc::new(Queue::new(0));
    q.join(); // nothing put: returns at once
    assert_eq!(q.task_done(), Err(TaskDoneError));
    for n in 0..5 {
        q.put(n).unwrap();
    }
    assert_eq!(q.unfinished_tasks(), 5);
    assert_eq!(
        q.join_timeout(Duration::from_millis(5)),
        Err(JoinTimeoutError)
    );
    let worker = {
        let q = Arc::clone(&q);
        std::thread::spawn(move || {
            for _ in 0..5 {
                q.get().unwrap();
                q.task_done().unwrap();
            }
        })
    };
    q.join();
    worker.join().unwrap();
    assert_eq!(q.unfinished_tasks(), 0);
    assert_eq!(q.task_done(), Err(TaskDoneError), "too many");
    assert_eq!(q.unfinished_tasks(), 0, "unchanged by the failed call");
    assert_eq!(q.join_deadline(Instant::now()), Ok(()));
}

#[test]
fn task_done_too_often_on_every_kind() {
    let stack = LifoQueue::new(0);
    stack.put(1).unwrap();
    stack.get().unwrap();
    assert_eq!(stack.task_done(), Ok(()));
    assert_eq!(stack.task_done(), Err(TaskDoneError));
    let heap: PriorityQueue<u8> = PriorityQueue::new(0);
    assert_eq!(heap.task_done(), Err(TaskDoneError));
    assert_eq!(
        TaskDoneError.to_string(),
        "task_done() called too many times"
    );
}

#[test]
fn shutdown_drains_then_fails() {
    for q in fifo_queues(4) {
        q.put(1).unwrap();
        q.put(2).unwrap();
        q.shutdown(false);
        assert!(q.is_shutdown());
        assert_eq!(q.put(3), Err(PutError(3)));
        assert_eq!(q.try_put(3), Err(TryPutError::ShutDown(3)));
        assert_eq!(
            q.put_timeout(3, Duration::ZERO),
            Err(PutTimeoutError::ShutDown(3))
        );
        assert_eq!(q.get(), Ok(1));
        assert_eq!(q.get(), Ok(2));
        assert_eq!(q.get(), Err(GetError));
        assert_eq!(q.try_get(), Err(TryGetError::ShutDown));
        assert_eq!(
            q.get_timeout(Duration::from_secs(5)),
            Err(GetTimeoutError::ShutDown)
        );
    }
}

#[test]
fn immediate_shutdown_discards_and_counts_as_done() {
    let q = Queue::new(0);
    for n in 0..4 {
        q.put(n).unwrap();
    }
    q.get().unwrap(); // taken, not yet done
    q.shutdown(true);
    assert_eq!(q.qsize(), 0);
    assert_eq!(q.get(), Err(GetError));
    assert_eq!(
        q.unfinished_tasks(),
        1,
        "only the item taken and not done remains"
    );
    q.task_done().unwrap();
    q.join();

    let stack = LifoQueue::new(0);
    stack.put(1).unwrap();
    stack.put(2).unwrap();
    stack.shutdown(true);
    assert_eq!(stack.get(), Err(GetError));
    assert_eq!(stack.unfinished_tasks(), 0);
}

#[test]
fn shutdown_wakes_blocked_getters_putters_and_joiners() {
    let q = Arc::new(Queue::new(1));
    let getter = {
        let q: Arc<Queue<u32>> = Arc::clone(&q);
        spawn_named("shutdown-getter", move || q.get())
    };
    wait_until_blocked("shutdown-getter");
    q.put(7).unwrap(); // the getter takes it
    assert_eq!(getter.join().unwrap(), Ok(7));
    q.put(8).unwrap(); // now full
    let putter = {
        let q = Arc::clone(&q);
        spawn_named("shutdown-putter", move || q.put(9))
    };
    let joiner = {
        let q = Arc::clone(&q);
        spawn_named("shutdown-joiner", move || q.join())
    };
    wait_until_blocked("shutdown-putter");
    wait_until_blocked("shutdown-joiner");
    q.shutdown(true);
    assert_eq!(
        putter.join().unwrap(),
        Err(PutError(9)),
        "the value comes back"
    );
    // 8 was discarded (and counted done); the joiner still waits for 7 (taken, not done).
    assert_eq!(q.get(), Err(GetError));
    assert_eq!(q.unfinished_tasks(), 1);
    q.task_done().unwrap();
    joiner.join().unwrap();
}

#[test]
fn maxsize_can_change_on_a_live_queue() {
    // A queue created unbounded: any limit, any time.
    let q = Arc::new(Queue::unbounded());
    assert_eq!(q.maxsize(), 0);
    q.set_maxsize(1).unwrap();
    q.put(1).unwrap();
    let putter = {
        let q = Arc::clone(&q);
        spawn_named("maxsize-putter", move || q.put(2))
    };
    wait_until_blocked("maxsize-putter");
    q.set_maxsize(2).unwrap(); // growing lets the blocked putter in
    putter.join().unwrap().unwrap();
    assert_eq!(q.qsize(), 2);
    q.set_maxsize(1).unwrap(); // shrinking below the length: full until drained
    assert!(q.is_full());
    assert!(q.try_put(3).is_err());
    q.get().unwrap();
    assert!(q.try_put(3).is_err(), "still at the limit");
    q.get().unwrap();
    q.try_put(3).unwrap();
    q.set_maxsize(0).unwrap();
    for n in 0..100 {
        q.try_put(n).unwrap();
    }

    // A queue created bounded: up to its capacity.
    let ring = Queue::new(4);
    ring.set_maxsize(2).unwrap();
    ring.put(1).unwrap();
    ring.put(2).unwrap();
    assert!(ring.try_put(3).is_err());
    ring.set_maxsize(4).unwrap();
    ring.try_put(3).unwrap();
    assert_eq!(
        ring.set_maxsize(5),
        Err(MaxsizeError {
            requested: 5,
            capacity: 4
        })
    );
    assert_eq!(
        ring.set_maxsize(0),
        Err(MaxsizeError {
            requested: 0,
            capacity: 4
        })
    );
    assert_eq!(ring.maxsize(), 4);

    let stack = LifoQueue::new(1);
    stack.put(1).unwrap();
    stack.set_maxsize(2).unwrap();
    stack.try_put(2).unwrap();
}

#[test]
fn iterator_drains_until_shutdown() {
    let q = Arc::new(Queue::new(0));
    let consumer = {
        let q = Arc::clone(&q);
        std::thread::spawn(move || q.iter().collect::<Vec<u32>>())
    };
    for n in 0..100 {
        q.put(n).unwrap();
    }
    q.shutdown(false);
    assert_eq!(consumer.join().unwrap(), (0..100).collect::<Vec<_>>());
    let stack = LifoQueue::new(0);
    stack.put(1).unwrap();
    stack.shutdown(false);
    assert_eq!((&stack).into_iter().collect::<Vec<_>>(), [1]);
}

#[test]
fn simple_queue_never_blocks_a_put() {
    let q = Arc::new(SimpleQueue::named("results"));
    assert_eq!(q.name(), Some("results"));
    assert_eq!(q.try_get(), None);
    assert_eq!(q.get_timeout(Duration::from_millis(5)), None);
    let getter = {
        let q = Arc::clone(&q);
        spawn_named("simple-getter", move || q.get())
    };
    wait_until_blocked("simple-getter");
    q.put(42);
    assert_eq!(getter.join().unwrap(), 42);
    for n in 0..1000 {
        q.put(n);
    }
    assert_eq!(q.qsize(), 1000);
    assert_eq!(q.get_deadline(Instant::now()), Some(0));
}

#[test]
fn items_are_dropped_exactly_once() {
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    {
        let ring = Queue::new(8);
        let list = Queue::new(0);
        let stack = LifoQueue::new(0);
        for _ in 0..5 {
            ring.put(Counted(Arc::clone(&drops))).unwrap();
            list.put(Counted(Arc::clone(&drops))).unwrap();
            stack.put(Counted(Arc::clone(&drops))).unwrap();
        }
        for _ in 0..40 {
            list.put(Counted(Arc::clone(&drops))).unwrap();
        }
        drop(ring.get().unwrap());
        drop(list.get().unwrap());
        assert_eq!(drops.load(Ordering::SeqCst), 2);
        // A refused value comes back and is dropped by the caller, once.
        let full = Queue::new(1);
        full.put(Counted(Arc::clone(&drops))).unwrap();
        drop(
            full.try_put(Counted(Arc::clone(&drops)))
                .unwrap_err()
                .into_inner(),
        );
        assert_eq!(drops.load(Ordering::SeqCst), 3);
        full.shutdown(true);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            4,
            "immediate shutdown drops what it discards"
        );
    }
    assert_eq!(
        drops.load(Ordering::SeqCst),
        4 + 4 + 44 + 5,
        "the rest drop with their queues"
    );
}

#[test]
fn debug_shows_sizes_without_blocking() {
    let q = Queue::named("jobs", 5);
    q.put(1).unwrap();
    assert_eq!(q.name(), Some("jobs"));
    let shown = format!("{q:?}");
    assert!(
        shown.contains("qsize: 1") && shown.contains("maxsize: 5"),
        "{shown}"
    );
    assert!(format!("{:?}", LifoQueue::<u8>::new(0)).contains("LifoQueue"));
    assert!(format!("{:?}", PriorityQueue::<u8>::new(0)).contains("PriorityQueue"));
    assert!(format!("{:?}", TryPutError::Full(String::new())).contains("Full"));
}

#[test]
fn errors_read_well() {
    assert_eq!(TryPutError::Full(1).to_string(), "queue is full");
    assert_eq!(PutError(1).to_string(), "queue is shut down");
    assert_eq!(
        PutTimeoutError::Timeout(1).to_string(),
        "timed out waiting on a full queue"
    );
    assert_eq!(TryGetError::Empty.to_string(), "queue is empty");
    assert_eq!(
        GetTimeoutError::Timeout.to_string(),
        "timed out waiting on an empty queue"
    );
    assert!(
        MaxsizeError {
            requested: 9,
            capacity: 4
        }
        .to_string()
        .starts_with("maxsize 9")
    );
}

#[test]
fn diagnostics_see_a_thread_blocked_on_a_queue() {
    let q: Arc<Queue<u8>> = Arc::new(Queue::named("diag-queue", 0));
    let getter = {
        let q = Arc::clone(&q);
        spawn_named("diag-queue-getter", move || q.get())
    };
    wait_until_blocked("diag-queue-getter");
    let snapshot = threadkit::diagnostics::snapshot();
    let waiting = snapshot
        .iter()
        .find(|t| t.name == "diag-queue-getter")
        .unwrap();
    let on = waiting.waiting_on.as_ref().unwrap();
    assert_eq!(on.primitive.to_string(), "Queue 'diag-queue'");
    assert!(!on.for_lock);
    q.put(1).unwrap();
    assert_eq!(getter.join().unwrap(), Ok(1));
    wait_until("the getter is gone", || {
        !threadkit::diagnostics::snapshot()
            .iter()
            .any(|t| t.name == "diag-queue-getter")
    });
}

#[test]
fn concurrent_transfer_through_every_storage() {
    // Small enough for Miri to check the lock-free storages' raw-pointer protocols
    // (block installation and destruction, ring laps) under real concurrency.
    let per_producer: u32 = if cfg!(miri) { 40 } else { 5_000 };
    for q in [Queue::new(3), Queue::new(0), Queue::unbounded()] {
        let q = Arc::new(q);
        let producers: Vec<_> = (0..2u32)
            .map(|p| {
                let q = Arc::clone(&q);
                std::thread::spawn(move || {
                    for s in 0..per_producer {
                        q.put(p * 1_000_000 + s).unwrap();
                    }
                })
            })
            .collect();
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let q = Arc::clone(&q);
                std::thread::spawn(move || q.iter().map(u64::from).sum::<u64>())
            })
            .collect();
        for p in producers {
            p.join().unwrap();
        }
        q.shutdown(false);
        let total: u64 = consumers.into_iter().map(|c| c.join().unwrap()).sum();
        let n = u64::from(per_producer);
        assert_eq!(total, (n * (n - 1) / 2) * 2 + 1_000_000 * n);
    }
}

/// CPython's FailingQueueTest, in Rust: hooks that fail leave the queue unchanged.
#[test]
fn failing_hooks_leave_the_queue_intact() {
    use std::collections::VecDeque;
    use threadkit::CustomQueue;
    use threadkit::queue::{CustomGetError, CustomPutError, QueueHooks};

    #[derive(Default)]
    struct Failing {
        items: VecDeque<u32>,
        fail_next_put: bool,
        fail_next_get: bool,
    }

    impl QueueHooks<u32> for Failing {
        type Error = &'static str;
        fn qsize(&mut self) -> Result<usize, &'static str> {
            Ok(self.items.len())
        }
        fn put(&mut self, value: u32) -> Result<(), &'static str> {
            if std::mem::take(&mut self.fail_next_put) {
                return Err("You Lose");
            }
            self.items.push_back(value);
            Ok(())
        }
        fn get(&mut self) -> Result<Option<u32>, &'static str> {
            if std::mem::take(&mut self.fail_next_get) {
                return Err("You Lose");
            }
            Ok(self.items.pop_front())
        }
    }

    // The hooks are reached through a shared handle so the test can arm them.
    struct Shared(Arc<threadkit::Lock<Failing>>);
    impl QueueHooks<u32> for Shared {
        type Error = &'static str;
        fn qsize(&mut self) -> Result<usize, &'static str> {
            self.0.acquire().qsize()
        }
        fn put(&mut self, value: u32) -> Result<(), &'static str> {
            self.0.acquire().put(value)
        }
        fn get(&mut self) -> Result<Option<u32>, &'static str> {
            self.0.acquire().get()
        }
    }

    let hooks = Arc::new(threadkit::Lock::new(Failing::default()));
    let q = Arc::new(CustomQueue::new(Shared(Arc::clone(&hooks)), 3));
    q.put(1).unwrap();
    q.put(2).unwrap();
    hooks.acquire().fail_next_put = true;
    assert_eq!(q.try_put(9), Err(CustomPutError::Hook("You Lose")));
    hooks.acquire().fail_next_put = true;
    assert_eq!(
        q.put_timeout(9, Duration::from_millis(100)),
        Err(CustomPutError::Hook("You Lose"))
    );
    assert_eq!(q.qsize(), Ok(2));
    assert_eq!(q.unfinished_tasks(), 2, "failed puts are not tasks");
    q.put(3).unwrap();
    assert_eq!(q.is_full(), Ok(true));
    // A failing blocking put, woken by a get.
    hooks.acquire().fail_next_put = true;
    let putter = {
        let q = Arc::clone(&q);
        spawn_named("failing-putter", move || q.put(4))
    };
    wait_until_blocked("failing-putter");
    assert_eq!(q.get(), Ok(1));
    assert_eq!(
        putter.join().unwrap(),
        Err(CustomPutError::Hook("You Lose"))
    );
    assert_eq!(q.qsize(), Ok(2));
    // A failing get leaves the item where it was.
    hooks.acquire().fail_next_get = true;
    assert_eq!(q.get(), Err(CustomGetError::Hook("You Lose")));
    assert_eq!(q.qsize(), Ok(2));
    hooks.acquire().fail_next_get = true;
    assert_eq!(
        q.get_timeout(Duration::from_millis(100)),
        Err(CustomGetError::Hook("You Lose"))
    );
    assert_eq!(q.get(), Ok(2));
    assert_eq!(q.get(), Ok(3));
    assert_eq!(q.try_get(), Err(CustomGetError::Empty));
    for _ in 0..3 {
        q.task_done().unwrap();
    }
    q.join();
    q.put(5).unwrap();
    assert_eq!(q.shutdown(true), Ok(()));
    assert_eq!(q.unfinished_tasks(), 0);
    assert_eq!(q.put(6), Err(CustomPutError::ShutDown(6)));
    assert_eq!(q.get(), Err(CustomGetError::ShutDown));
}
