//! The hand-rolled peers: the Mutex + Condvar versions of a semaphore, an event and a
//! turn (condition ping-pong) that people write without threadkit, once over
//! `std::sync` and once over `parking_lot`.

/// What to notify after an update.
#[derive(Debug, Clone, Copy)]
pub enum Notify {
    None,
    One,
    All,
}

/// A Mutex + Condvar pair over a value.
pub trait Monitor<T>: Send + Sync + 'static {
    fn new(value: T) -> Self;
    /// Locks, waits until `ready`, applies `update`, notifies, unlocks.
    fn wait_then<R>(
        &self,
        ready: impl FnMut(&T) -> bool,
        update: impl FnOnce(&mut T) -> R,
        notify: Notify,
    ) -> R;
}

/// `std::sync::Mutex` + `std::sync::Condvar`.
pub struct StdMonitor<T> {
    value: std::sync::Mutex<T>,
    condvar: std::sync::Condvar,
}

impl<T: Send + 'static> Monitor<T> for StdMonitor<T> {
    fn new(value: T) -> Self {
        Self {
            value: std::sync::Mutex::new(value),
            condvar: std::sync::Condvar::new(),
        }
    }

    fn wait_then<R>(
        &self,
        mut ready: impl FnMut(&T) -> bool,
        update: impl FnOnce(&mut T) -> R,
        notify: Notify,
    ) -> R {
        let guard = self.value.lock().expect("poisoned");
        let mut guard = self
            .condvar
            .wait_while(guard, |value| !ready(value))
            .expect("poisoned");
        let result = update(&mut guard);
        match notify {
            Notify::None => {}
            Notify::One => self.condvar.notify_one(),
            Notify::All => self.condvar.notify_all(),
        }
        result
    }
}

/// `parking_lot::Mutex` + `parking_lot::Condvar`.
pub struct ParkingLotMonitor<T> {
    value: parking_lot::Mutex<T>,
    condvar: parking_lot::Condvar,
}

impl<T: Send + 'static> Monitor<T> for ParkingLotMonitor<T> {
    fn new(value: T) -> Self {
        Self {
            value: parking_lot::Mutex::new(value),
            condvar: parking_lot::Condvar::new(),
        }
    }

    fn wait_then<R>(
        &self,
        mut ready: impl FnMut(&T) -> bool,
        update: impl FnOnce(&mut T) -> R,
        notify: Notify,
    ) -> R {
        let mut guard = self.value.lock();
        while !ready(&guard) {
            self.condvar.wait(&mut guard);
        }
        let result = update(&mut guard);
        match notify {
            Notify::None => {}
            Notify::One => {
                self.condvar.notify_one();
            }
            Notify::All => {
                self.condvar.notify_all();
            }
        }
        result
    }
}

/// A counting semaphore as a `Mutex<usize>` + `Condvar`.
pub struct MonitorSemaphore<M>(M);

impl<M: Monitor<usize>> MonitorSemaphore<M> {
    pub fn new(permits: usize) -> Self {
        Self(M::new(permits))
    }

    pub fn acquire(&self) {
        self.0.wait_then(
            |permits| *permits > 0,
            |permits| *permits -= 1,
            Notify::None,
        );
    }

    pub fn release(&self) {
        self.0
            .wait_then(|_| true, |permits| *permits += 1, Notify::One);
    }
}

/// An event as a `Mutex<bool>` + `Condvar`.
pub struct MonitorEvent<M>(M);

impl<M: Monitor<bool>> MonitorEvent<M> {
    pub fn new() -> Self {
        Self(M::new(false))
    }

    pub fn set(&self) {
        self.0.wait_then(|_| true, |flag| *flag = true, Notify::All);
    }

    pub fn clear(&self) {
        self.0
            .wait_then(|_| true, |flag| *flag = false, Notify::None);
    }

    pub fn wait(&self) {
        self.0.wait_then(|flag| *flag, |_| (), Notify::None);
    }
}

/// A turn passed between two threads: wait until it is mine, give it to the other.
pub struct MonitorTurn<M>(M);

impl<M: Monitor<usize>> MonitorTurn<M> {
    pub fn new() -> Self {
        Self(M::new(0))
    }

    pub fn pass(&self, me: usize) {
        self.0
            .wait_then(|turn| *turn == me, |turn| *turn = 1 - me, Notify::One);
    }
}
