//! Model-based property test: random single-threaded sequences of queue operations,
//! checked step by step against a plain `VecDeque` / `Vec` / `BinaryHeap` model of
//! Python's queue semantics (maxsize, task tracking, 3.13 shutdown).

#![cfg(not(miri))]

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use proptest::prelude::*;
use threadkit::queue::{TaskDoneError, TryGetError, TryPutError};
use threadkit::{LifoQueue, PriorityQueue, Queue};

#[derive(Debug, Clone)]
enum Op {
    Put(u8),
    Get,
    SetMaxsize(usize),
    TaskDone,
    Shutdown(bool),
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        6 => any::<u8>().prop_map(Op::Put),
        5 => Just(Op::Get),
        1 => (0usize..6).prop_map(Op::SetMaxsize),
        2 => Just(Op::TaskDone),
        1 => any::<bool>().prop_map(Op::Shutdown),
    ];
    proptest::collection::vec(op, 0..120)
}

/// The order a model container gives.
trait Order: Default {
    fn push(&mut self, value: u8);
    fn pop(&mut self) -> Option<u8>;
    fn len(&self) -> usize;
    fn clear(&mut self);
}

impl Order for VecDeque<u8> {
    fn push(&mut self, value: u8) {
        self.push_back(value);
    }
    fn pop(&mut self) -> Option<u8> {
        self.pop_front()
    }
    fn len(&self) -> usize {
        VecDeque::len(self)
    }
    fn clear(&mut self) {
        VecDeque::clear(self);
    }
}

impl Order for Vec<u8> {
    fn push(&mut self, value: u8) {
        Vec::push(self, value);
    }
    fn pop(&mut self) -> Option<u8> {
        Vec::pop(self)
    }
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn clear(&mut self) {
        Vec::clear(self);
    }
}

impl Order for BinaryHeap<Reverse<u8>> {
    fn push(&mut self, value: u8) {
        BinaryHeap::push(self, Reverse(value));
    }
    fn pop(&mut self) -> Option<u8> {
        BinaryHeap::pop(self).map(|Reverse(v)| v)
    }
    fn len(&self) -> usize {
        BinaryHeap::len(self)
    }
    fn clear(&mut self) {
        BinaryHeap::clear(self);
    }
}

/// Python's semantics, spelled out.
#[derive(Default)]
struct Model<O> {
    items: O,
    maxsize: usize,
    /// For a queue created bounded: maxsize may only be set within 1..=capacity.
    capacity: Option<usize>,
    unfinished: u64,
    shutdown: bool,
}

impl<O: Order> Model<O> {
    fn put(&mut self, value: u8) -> Result<(), TryPutError<u8>> {
        if self.shutdown {
            return Err(TryPutError::ShutDown(value));
        }
        if self.maxsize > 0 && self.items.len() >= self.maxsize {
            return Err(TryPutError::Full(value));
        }
        self.items.push(value);
        self.unfinished += 1;
        Ok(())
    }

    fn get(&mut self) -> Result<u8, TryGetError> {
        match self.items.pop() {
            Some(value) => Ok(value),
            None if self.shutdown => Err(TryGetError::ShutDown),
            None => Err(TryGetError::Empty),
        }
    }

    fn set_maxsize(&mut self, maxsize: usize) -> bool {
        if let Some(capacity) = self.capacity
            && (maxsize == 0 || maxsize > capacity)
        {
            return false;
        }
        self.maxsize = maxsize;
        true
    }

    fn task_done(&mut self) -> Result<(), TaskDoneError> {
        if self.unfinished == 0 {
            return Err(TaskDoneError);
        }
        self.unfinished -= 1;
        Ok(())
    }

    fn shutdown(&mut self, immediate: bool) {
        self.shutdown = true;
        if immediate {
            let discarded = self.items.len() as u64;
            self.unfinished -= discarded.min(self.unfinished);
            self.items.clear();
        }
    }

    fn is_full(&self) -> bool {
        self.maxsize > 0 && self.items.len() >= self.maxsize
    }
}

/// The operations of a threadkit queue, under one name.
macro_rules! check_against_model {
    ($queue:expr, $model:expr, $ops:expr) => {{
        let (queue, mut model, ops) = ($queue, $model, $ops);
        for (step, op) in ops.into_iter().enumerate() {
            match op {
                Op::Put(v) => {
                    prop_assert_eq!(queue.try_put(v), model.put(v), "step {} {:?}", step, op)
                }
                Op::Get => prop_assert_eq!(queue.try_get(), model.get(), "step {} {:?}", step, op),
                Op::SetMaxsize(n) => {
                    prop_assert_eq!(
                        queue.set_maxsize(n).is_ok(),
                        model.set_maxsize(n),
                        "step {} {:?}",
                        step,
                        op
                    )
                }
                Op::TaskDone => prop_assert_eq!(
                    queue.task_done(),
                    model.task_done(),
                    "step {} {:?}",
                    step,
                    op
                ),
                Op::Shutdown(immediate) => {
                    queue.shutdown(immediate);
                    model.shutdown(immediate);
                }
            }
            prop_assert_eq!(
                queue.qsize(),
                model.items.len(),
                "qsize after step {}",
                step
            );
            prop_assert_eq!(
                queue.unfinished_tasks(),
                model.unfinished,
                "unfinished after step {}",
                step
            );
            prop_assert_eq!(
                queue.is_full(),
                model.is_full(),
                "is_full after step {}",
                step
            );
            prop_assert_eq!(
                queue.maxsize(),
                model.maxsize,
                "maxsize after step {}",
                step
            );
            prop_assert_eq!(queue.is_shutdown(), model.shutdown);
        }
    }};
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn fifo_created_bounded(capacity in 1usize..6, ops in ops()) {
        let model = Model::<VecDeque<u8>> { maxsize: capacity, capacity: Some(capacity), ..Model::default() };
        check_against_model!(Queue::new(capacity), model, ops);
    }

    #[test]
    fn fifo_created_unbounded(ops in ops()) {
        check_against_model!(Queue::new(0), Model::<VecDeque<u8>>::default(), ops);
    }

    #[test]
    fn lifo(maxsize in 0usize..6, ops in ops()) {
        let model = Model::<Vec<u8>> { maxsize, ..Model::default() };
        check_against_model!(LifoQueue::new(maxsize), model, ops);
    }

    #[test]
    fn priority(maxsize in 0usize..6, ops in ops()) {
        let model = Model::<BinaryHeap<Reverse<u8>>> { maxsize, ..Model::default() };
        check_against_model!(PriorityQueue::new(maxsize), model, ops);
    }
}
