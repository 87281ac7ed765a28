use loom::sync::Arc;
use loom::thread;

use crate::Barrier;

/// Two parties, two rounds: distinct indices every round, and the second round cannot
/// start before the first has drained.
#[test]
fn two_parties_two_rounds() {
    loom::model(|| {
        let barrier = Arc::new(Barrier::new(2).unwrap());
        let other = {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || [barrier.wait().unwrap(), barrier.wait().unwrap()])
        };
        let mine = [barrier.wait().unwrap(), barrier.wait().unwrap()];
        let theirs = other.join().unwrap();
        assert_eq!(mine[0] + theirs[0], 1);
        assert_eq!(mine[1] + theirs[1], 1);
    });
}
