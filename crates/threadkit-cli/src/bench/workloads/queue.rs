//! Workloads of the queues: threadkit's Queue, LifoQueue, PriorityQueue and SimpleQueue
//! against crossbeam-channel, flume, std's channels and a hand-rolled parking_lot
//! `Mutex<VecDeque>` + `Condvar` queue.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::bench::Config;
use crate::bench::harness::{Role, Target, Workload};
use crate::bench::run;

/// A channel-shaped queue: put blocks while full, get while empty.
pub trait BenchQueue: Send + Sync + 'static {
    /// A queue of `capacity` items (0 = unbounded).
    fn create(capacity: usize) -> Self;
    fn put(&self, value: u64);
    fn get(&self) -> u64;
}

macro_rules! threadkit_queues {
    ($krate:ident) => {
        impl BenchQueue for $krate::Queue<u64> {
            fn create(capacity: usize) -> Self {
                $krate::Queue::new(capacity)
            }
            #[inline]
            fn put(&self, value: u64) {
                $krate::Queue::put(self, value).expect("not shut down");
            }
            #[inline]
            fn get(&self) -> u64 {
                $krate::Queue::get(self).expect("not shut down")
            }
        }

        impl BenchQueue for $krate::LifoQueue<u64> {
            fn create(capacity: usize) -> Self {
                $krate::LifoQueue::new(capacity)
            }
            #[inline]
            fn put(&self, value: u64) {
                $krate::LifoQueue::put(self, value).expect("not shut down");
            }
            #[inline]
            fn get(&self) -> u64 {
                $krate::LifoQueue::get(self).expect("not shut down")
            }
        }

        impl BenchQueue for $krate::PriorityQueue<u64> {
            fn create(capacity: usize) -> Self {
                $krate::PriorityQueue::new(capacity)
            }
            #[inline]
            fn put(&self, value: u64) {
                $krate::PriorityQueue::put(self, value).expect("not shut down");
            }
            #[inline]
            fn get(&self) -> u64 {
                $krate::PriorityQueue::get(self).expect("not shut down")
            }
        }

        impl BenchQueue for $krate::SimpleQueue<u64> {
            fn create(_capacity: usize) -> Self {
                $krate::SimpleQueue::new()
            }
            #[inline]
            fn put(&self, value: u64) {
                $krate::SimpleQueue::put(self, value);
            }
            #[inline]
            fn get(&self) -> u64 {
                $krate::SimpleQueue::get(self)
            }
        }
    };
}

/// threadkit's queues, in both builds.
mod subjects {
    use super::BenchQueue;
    threadkit_queues!(threadkit);
    /// The same sources with the diagnostics hooks compiled out.
    pub mod nohooks {
        use super::super::BenchQueue;
        threadkit_queues!(threadkit_nohooks);
    }
}

/// crossbeam-channel (bounded when a capacity is given).
pub struct Crossbeam(
    crossbeam_channel::Sender<u64>,
    crossbeam_channel::Receiver<u64>,
);

impl BenchQueue for Crossbeam {
    fn create(capacity: usize) -> Self {
        let (tx, rx) = if capacity == 0 {
            crossbeam_channel::unbounded()
        } else {
            crossbeam_channel::bounded(capacity)
        };
        Self(tx, rx)
    }
    #[inline]
    fn put(&self, value: u64) {
        self.0.send(value).expect("receiver alive");
    }
    #[inline]
    fn get(&self) -> u64 {
        self.1.recv().expect("sender alive")
    }
}

/// flume (bounded when a capacity is given).
pub struct Flume(flume::Sender<u64>, flume::Receiver<u64>);

impl BenchQueue for Flume {
    fn create(capacity: usize) -> Self {
        let (tx, rx) = if capacity == 0 {
            flume::unbounded()
        } else {
            flume::bounded(capacity)
        };
        Self(tx, rx)
    }
    #[inline]
    fn put(&self, value: u64) {
        self.0.send(value).expect("receiver alive");
    }
    #[inline]
    fn get(&self) -> u64 {
        self.1.recv().expect("sender alive")
    }
}

/// std's `sync_channel` / `channel`: one consumer only (the receiver is behind a
/// mutex here only to be shareable; the single-consumer workloads never contend on it).
pub struct StdChannel(StdSender, std::sync::Mutex<std::sync::mpsc::Receiver<u64>>);

/// Either kind of std sender.
pub enum StdSender {
    Bounded(std::sync::mpsc::SyncSender<u64>),
    Unbounded(std::sync::mpsc::Sender<u64>),
}

impl BenchQueue for StdChannel {
    fn create(capacity: usize) -> Self {
        if capacity == 0 {
            let (tx, rx) = std::sync::mpsc::channel();
            Self(StdSender::Unbounded(tx), std::sync::Mutex::new(rx))
        } else {
            let (tx, rx) = std::sync::mpsc::sync_channel(capacity);
            Self(StdSender::Bounded(tx), std::sync::Mutex::new(rx))
        }
    }
    #[inline]
    fn put(&self, value: u64) {
        match &self.0 {
            StdSender::Bounded(tx) => tx.send(value).expect("receiver alive"),
            StdSender::Unbounded(tx) => tx.send(value).expect("receiver alive"),
        }
    }
    #[inline]
    fn get(&self) -> u64 {
        self.1
            .lock()
            .expect("poisoned")
            .recv()
            .expect("sender alive")
    }
}

/// The queue people write by hand: parking_lot Mutex over a container + two Condvars.
pub struct HandRolled<C> {
    items: parking_lot::Mutex<C>,
    not_empty: parking_lot::Condvar,
    not_full: parking_lot::Condvar,
    capacity: usize,
}

/// The containers of the hand-rolled queues.
pub trait Container: Default + Send + 'static {
    fn put(&mut self, value: u64);
    fn take(&mut self) -> Option<u64>;
    fn count(&self) -> usize;
}

impl Container for VecDeque<u64> {
    fn put(&mut self, value: u64) {
        self.push_back(value);
    }
    fn take(&mut self) -> Option<u64> {
        self.pop_front()
    }
    fn count(&self) -> usize {
        self.len()
    }
}

impl Container for Vec<u64> {
    fn put(&mut self, value: u64) {
        self.push(value);
    }
    fn take(&mut self) -> Option<u64> {
        self.pop()
    }
    fn count(&self) -> usize {
        self.len()
    }
}

impl Container for BinaryHeap<Reverse<u64>> {
    fn put(&mut self, value: u64) {
        self.push(Reverse(value));
    }
    fn take(&mut self) -> Option<u64> {
        self.pop().map(|Reverse(v)| v)
    }
    fn count(&self) -> usize {
        self.len()
    }
}

impl<C: Container> BenchQueue for HandRolled<C> {
    fn create(capacity: usize) -> Self {
        Self {
            items: parking_lot::Mutex::new(C::default()),
            not_empty: parking_lot::Condvar::new(),
            not_full: parking_lot::Condvar::new(),
            capacity,
        }
    }
    fn put(&self, value: u64) {
        let mut items = self.items.lock();
        while self.capacity != 0 && items.count() >= self.capacity {
            self.not_full.wait(&mut items);
        }
        items.put(value);
        drop(items);
        self.not_empty.notify_one();
    }
    fn get(&self) -> u64 {
        let mut items = self.items.lock();
        loop {
            if let Some(value) = items.take() {
                drop(items);
                self.not_full.notify_one();
                return value;
            }
            self.not_empty.wait(&mut items);
        }
    }
}

/// `producers` threads put and `consumers` threads get `iters` items in all; the
/// consumers check that every item arrived exactly once (by sum).
fn transfer<Q: BenchQueue>(
    capacity: usize,
    producers: usize,
    consumers: usize,
) -> impl FnMut(u64) -> Duration {
    move |iters| {
        let queue = Q::create(capacity);
        let per_producer = iters.div_ceil(producers as u64);
        let total = per_producer * producers as u64;
        let per_consumer = total / consumers as u64;
        let received = AtomicU64::new(0);
        let elapsed = run::each(producers + consumers, |index| {
            if index < producers {
                for i in 0..per_producer {
                    queue.put(i);
                }
            } else {
                let take = if index == producers + consumers - 1 {
                    total - per_consumer * (consumers as u64 - 1)
                } else {
                    per_consumer
                };
                let mut sum = 0;
                for _ in 0..take {
                    sum += queue.get();
                }
                received.fetch_add(sum, Ordering::Relaxed);
            }
        });
        let expected = producers as u64 * (per_producer * (per_producer - 1) / 2);
        assert_eq!(
            received.load(Ordering::Relaxed),
            expected,
            "an item was lost or duplicated"
        );
        elapsed
    }
}

/// One producer puts; one consumer gets and marks each item done; the producer joins.
fn task_join<Q: TaskQueue>() -> impl FnMut(u64) -> Duration {
    move |iters| {
        let queue = Q::create();
        let start = std::time::Instant::now();
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for _ in 0..iters {
                    queue.take_and_done();
                }
            });
            for i in 0..iters {
                queue.put(i);
            }
            queue.join();
        });
        start.elapsed()
    }
}

/// A queue with task tracking.
pub trait TaskQueue: Send + Sync + 'static {
    fn create() -> Self;
    fn put(&self, value: u64);
    fn take_and_done(&self);
    fn join(&self);
}

impl TaskQueue for threadkit::Queue<u64> {
    fn create() -> Self {
        threadkit::Queue::new(1024)
    }
    fn put(&self, value: u64) {
        threadkit::Queue::put(self, value).expect("not shut down");
    }
    fn take_and_done(&self) {
        std::hint::black_box(threadkit::Queue::get(self).expect("not shut down"));
        threadkit::Queue::task_done(self).expect("one per item");
    }
    fn join(&self) {
        threadkit::Queue::join(self);
    }
}

/// The same queue without task tracking: the reference for the task-join overhead.
pub struct NoTasks(threadkit::Queue<u64>);

impl TaskQueue for NoTasks {
    fn create() -> Self {
        Self(threadkit::Queue::new(1024))
    }
    fn put(&self, value: u64) {
        self.0.put(value).expect("not shut down");
    }
    fn take_and_done(&self) {
        std::hint::black_box(self.0.get().expect("not shut down"));
    }
    fn join(&self) {}
}

pub fn workloads(config: &Config) -> Vec<Workload> {
    type Tk = threadkit::Queue<u64>;
    let spsc_bounded = Workload::new(
        "queue/spsc-bounded",
        "ns/item",
        "1 producer, 1 consumer, capacity 1024",
    )
    .target(Target::Ratio {
        peer: Some("crossbeam bounded"),
        max: 1.0,
    })
    .target(Target::Ratio {
        peer: Some("std sync_channel"),
        max: 1.5,
    })
    .timed("threadkit", Role::Subject, transfer::<Tk>(1024, 1, 1))
    .timed(
        "threadkit (hooks compiled out)",
        Role::HooksOff,
        transfer::<threadkit_nohooks::Queue<u64>>(1024, 1, 1),
    )
    .timed(
        "crossbeam bounded",
        Role::Peer,
        transfer::<Crossbeam>(1024, 1, 1),
    )
    .timed("flume bounded", Role::Peer, transfer::<Flume>(1024, 1, 1))
    .timed(
        "std sync_channel",
        Role::Peer,
        transfer::<StdChannel>(1024, 1, 1),
    )
    .timed(
        "parking_lot Mutex<VecDeque>+Condvar",
        Role::Peer,
        transfer::<HandRolled<VecDeque<u64>>>(1024, 1, 1),
    );
    let spsc_unbounded = Workload::new(
        "queue/spsc-unbounded",
        "ns/item",
        "1 producer, 1 consumer, unbounded",
    )
    .target(Target::Ratio {
        peer: Some("crossbeam unbounded"),
        max: 1.0,
    })
    .timed("threadkit", Role::Subject, transfer::<Tk>(0, 1, 1))
    .timed(
        "crossbeam unbounded",
        Role::Peer,
        transfer::<Crossbeam>(0, 1, 1),
    )
    .timed("flume unbounded", Role::Peer, transfer::<Flume>(0, 1, 1))
    .timed("std channel", Role::Peer, transfer::<StdChannel>(0, 1, 1))
    .timed(
        "parking_lot Mutex<VecDeque>+Condvar",
        Role::Peer,
        transfer::<HandRolled<VecDeque<u64>>>(0, 1, 1),
    );
    let mpmc_bounded = Workload::new(
        "queue/mpmc-2p2c-bounded",
        "ns/item",
        "2 producers, 2 consumers, capacity 1024",
    )
    .target(Target::Ratio {
        peer: Some("crossbeam bounded"),
        max: 1.0,
    })
    .timed("threadkit", Role::Subject, transfer::<Tk>(1024, 2, 2))
    .timed(
        "crossbeam bounded",
        Role::Peer,
        transfer::<Crossbeam>(1024, 2, 2),
    )
    .timed("flume bounded", Role::Peer, transfer::<Flume>(1024, 2, 2))
    .timed(
        "parking_lot Mutex<VecDeque>+Condvar",
        Role::Peer,
        transfer::<HandRolled<VecDeque<u64>>>(1024, 2, 2),
    );
    let mpmc_unbounded = Workload::new(
        "queue/mpmc-2p2c-unbounded",
        "ns/item",
        "2 producers, 2 consumers, unbounded",
    )
    .target(Target::Ratio {
        peer: Some("crossbeam unbounded"),
        max: 1.0,
    })
    .timed("threadkit", Role::Subject, transfer::<Tk>(0, 2, 2))
    .timed(
        "crossbeam unbounded",
        Role::Peer,
        transfer::<Crossbeam>(0, 2, 2),
    )
    .timed("flume unbounded", Role::Peer, transfer::<Flume>(0, 2, 2))
    .timed(
        "parking_lot Mutex<VecDeque>+Condvar",
        Role::Peer,
        transfer::<HandRolled<VecDeque<u64>>>(0, 2, 2),
    );
    let scale = Workload::new(
        "queue/scale-16p16c-bounded",
        "ns/item",
        "16 producers, 16 consumers on this machine's cores, capacity 1024",
    )
    .timed("threadkit", Role::Subject, transfer::<Tk>(1024, 16, 16))
    .timed(
        "crossbeam bounded",
        Role::Peer,
        transfer::<Crossbeam>(1024, 16, 16),
    )
    .timed(
        "parking_lot Mutex<VecDeque>+Condvar",
        Role::Peer,
        transfer::<HandRolled<VecDeque<u64>>>(1024, 16, 16),
    );
    let tasks = Workload::new(
        "queue/task-join",
        "ns/item",
        "spsc-bounded with task_done per item and a final join",
    )
    .target(Target::Ratio {
        peer: Some("threadkit without task_done"),
        max: 1.1,
    })
    .timed("threadkit", Role::Subject, task_join::<Tk>())
    .timed(
        "threadkit without task_done",
        Role::Peer,
        task_join::<NoTasks>(),
    );
    let lifo = Workload::new(
        "lifoqueue/spsc",
        "ns/item",
        "1 producer, 1 consumer, capacity 1024",
    )
    .target(Target::Ratio {
        peer: Some("parking_lot Mutex<Vec>+Condvar"),
        max: 1.0,
    })
    .timed(
        "threadkit",
        Role::Subject,
        transfer::<threadkit::LifoQueue<u64>>(1024, 1, 1),
    )
    .timed(
        "threadkit (hooks compiled out)",
        Role::HooksOff,
        transfer::<threadkit_nohooks::LifoQueue<u64>>(1024, 1, 1),
    )
    .timed(
        "parking_lot Mutex<Vec>+Condvar",
        Role::Peer,
        transfer::<HandRolled<Vec<u64>>>(1024, 1, 1),
    );
    let priority = Workload::new(
        "priorityqueue/spsc",
        "ns/item",
        "1 producer, 1 consumer, capacity 1024",
    )
    .target(Target::Ratio {
        peer: Some("parking_lot Mutex<BinaryHeap>+Condvar"),
        max: 1.0,
    })
    .timed(
        "threadkit",
        Role::Subject,
        transfer::<threadkit::PriorityQueue<u64>>(1024, 1, 1),
    )
    .timed(
        "threadkit (hooks compiled out)",
        Role::HooksOff,
        transfer::<threadkit_nohooks::PriorityQueue<u64>>(1024, 1, 1),
    )
    .timed(
        "parking_lot Mutex<BinaryHeap>+Condvar",
        Role::Peer,
        transfer::<HandRolled<BinaryHeap<Reverse<u64>>>>(1024, 1, 1),
    );
    let simple = Workload::new(
        "simplequeue/spsc",
        "ns/item",
        "1 producer, 1 consumer, unbounded",
    )
    .timed(
        "threadkit",
        Role::Subject,
        transfer::<threadkit::SimpleQueue<u64>>(0, 1, 1),
    )
    .timed(
        "threadkit (hooks compiled out)",
        Role::HooksOff,
        transfer::<threadkit_nohooks::SimpleQueue<u64>>(0, 1, 1),
    )
    .timed(
        "crossbeam unbounded",
        Role::Peer,
        transfer::<Crossbeam>(0, 1, 1),
    )
    .timed("std channel", Role::Peer, transfer::<StdChannel>(0, 1, 1));
    let mut all = vec![
        spsc_bounded,
        spsc_unbounded,
        mpmc_bounded,
        mpmc_unbounded,
        scale,
        tasks,
        lifo,
        priority,
        simple,
    ];
    if let Some(threads) = config.threads {
        let name = super::core::leak(format!("queue/mpmc-{threads}p{threads}c-bounded"));
        all.push(
            Workload::new(name, "ns/item", "producers and consumers, capacity 1024")
                .timed(
                    "threadkit",
                    Role::Subject,
                    transfer::<Tk>(1024, threads, threads),
                )
                .timed(
                    "crossbeam bounded",
                    Role::Peer,
                    transfer::<Crossbeam>(1024, threads, threads),
                )
                .timed(
                    "flume bounded",
                    Role::Peer,
                    transfer::<Flume>(1024, threads, threads),
                ),
        );
    }
    all
}
