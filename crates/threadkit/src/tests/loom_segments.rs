//! The lock-free block list under unbounded queues and the pool's job queue: pushes
//! and pops racing across a block boundary (blocks hold three values under loom), and
//! closing racing a push.

use loom::sync::Arc;
use loom::thread;

use crate::queue::segments::Segments;

/// Two producers and a consumer: every value comes out once, each producer's in order.
#[test]
fn no_value_lost_or_duplicated() {
    loom::model(|| {
        let queue = Arc::new(Segments::new());
        let producers: Vec<_> = (0..2)
            .map(|p| {
                let queue = Arc::clone(&queue);
                thread::spawn(move || {
                    queue.push(p * 10).unwrap();
                    queue.push(p * 10 + 1).unwrap();
                })
            })
            .collect();
        // Pop while they push (a few tries, so that the model stays finite).
        let mut seen: Vec<_> = (0..2).filter_map(|_| queue.pop()).collect();
        for producer in producers {
            producer.join().unwrap();
        }
        while let Some(value) = queue.pop() {
            seen.push(value);
        }
        let mut sorted = seen.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, [0, 1, 10, 11]);
        for p in [0, 10] {
            let first = seen.iter().position(|&v| v == p).unwrap();
            let second = seen.iter().position(|&v| v == p + 1).unwrap();
            assert!(first < second, "{seen:?}");
        }
    });
}

/// Two consumers racing for values pushed across a block boundary, while the block
/// behind them is freed by whichever reads last.
#[test]
fn consumers_share_without_loss() {
    loom::model(|| {
        let queue = Arc::new(Segments::new());
        for value in 0..4 {
            queue.push(value).unwrap();
        }
        let other = {
            let queue = Arc::clone(&queue);
            thread::spawn(move || {
                let mut mine = Vec::new();
                while let Some(value) = queue.pop() {
                    mine.push(value);
                }
                mine
            })
        };
        let mut mine = Vec::new();
        while let Some(value) = queue.pop() {
            mine.push(value);
        }
        mine.extend(other.join().unwrap());
        mine.sort_unstable();
        assert_eq!(mine, [0, 1, 2, 3]);
    });
}

/// A push racing `close` either lands (and is popped) or is handed back.
#[test]
fn close_races_push() {
    loom::model(|| {
        let queue = Arc::new(Segments::new());
        let pusher = {
            let queue = Arc::clone(&queue);
            thread::spawn(move || queue.push(5).is_ok())
        };
        queue.close();
        let landed = pusher.join().unwrap();
        assert_eq!(queue.pop().is_some(), landed);
        assert!(queue.push(6).is_err());
    });
}
