//! One small trait per workload shape, implemented for threadkit (both builds: with
//! hooks, and with hooks compiled out) and for every peer, so each workload is written
//! once.

use std::time::Duration;

use super::peers::{MonitorEvent, MonitorSemaphore, MonitorTurn, ParkingLotMonitor, StdMonitor};

/// A mutex protecting a counter.
pub trait BenchMutex: Send + Sync + 'static {
    fn create() -> Self;
    /// Acquire, increment, release.
    fn bump(&self);
}

/// A reentrant mutex.
pub trait BenchReentrant: Send + Sync + 'static {
    fn create() -> Self;
    /// A first-level acquire + release, `iters` times.
    fn first(&self, iters: u64) -> Duration;
    /// A nested acquire + release while already held, `iters` times.
    fn nested(&self, iters: u64) -> Duration;
}

/// A counting semaphore.
pub trait BenchSemaphore: Send + Sync + 'static {
    fn create(permits: usize) -> Self;
    fn acquire_release(&self);
}

/// An event.
pub trait BenchEvent: Send + Sync + 'static {
    fn create() -> Self;
    fn set(&self);
    fn clear(&self);
    fn wait(&self);
}

/// A turn passed between two threads through a condition variable.
pub trait BenchTurn: Send + Sync + 'static {
    fn create() -> Self;
    /// Waits for turn `me`, then hands the turn to the other thread.
    fn pass(&self, me: usize);
}

/// A barrier.
pub trait BenchBarrier: Send + Sync + 'static {
    fn create(parties: usize) -> Self;
    fn wait(&self);
}

macro_rules! threadkit_subjects {
    ($module:ident, $krate:ident) => {
        pub mod $module {
            use std::hint::black_box;
            use std::sync::atomic::{AtomicUsize, Ordering};
            use std::time::Duration;

            use super::*;

            pub type Lock = $krate::Lock<u64>;
            pub type RLock = $krate::RLock<()>;
            pub type Semaphore = $krate::Semaphore;
            pub type Event = $krate::Event;
            pub type Barrier = $krate::Barrier;

            impl BenchMutex for $krate::Lock<u64> {
                fn create() -> Self {
                    $krate::Lock::new(0)
                }
                #[inline]
                fn bump(&self) {
                    *self.acquire() += 1;
                }
            }

            impl BenchReentrant for $krate::RLock<()> {
                fn create() -> Self {
                    $krate::RLock::new(())
                }
                fn first(&self, iters: u64) -> Duration {
                    crate::bench::run::single(iters, || drop(black_box(self.acquire())))
                }
                fn nested(&self, iters: u64) -> Duration {
                    let _outer = self.acquire();
                    crate::bench::run::single(iters, || drop(black_box(self.acquire())))
                }
            }

            impl BenchSemaphore for $krate::Semaphore {
                fn create(permits: usize) -> Self {
                    $krate::Semaphore::new(permits)
                }
                #[inline]
                fn acquire_release(&self) {
                    drop(black_box(self.acquire()));
                }
            }

            impl BenchEvent for $krate::Event {
                fn create() -> Self {
                    $krate::Event::new()
                }
                fn set(&self) {
                    $krate::Event::set(self);
                }
                fn clear(&self) {
                    $krate::Event::clear(self);
                }
                #[inline]
                fn wait(&self) {
                    $krate::Event::wait(self);
                }
            }

            /// A Condition over a Lock, with the turn in an atomic read under the lock.
            pub struct Turn {
                condition: $krate::Condition<$krate::Lock<()>>,
                turn: AtomicUsize,
            }

            impl BenchTurn for Turn {
                fn create() -> Self {
                    Self {
                        condition: $krate::Condition::with_lock($krate::Lock::new(())),
                        turn: AtomicUsize::new(0),
                    }
                }
                fn pass(&self, me: usize) {
                    let mut guard = self.condition.acquire();
                    guard.wait_for(|| self.turn.load(Ordering::Relaxed) == me, None);
                    self.turn.store(1 - me, Ordering::Relaxed);
                    guard.notify(1);
                }
            }

            impl BenchBarrier for $krate::Barrier {
                fn create(parties: usize) -> Self {
                    $krate::Barrier::new(parties).expect("parties > 0")
                }
                fn wait(&self) {
                    $krate::Barrier::wait(self).expect("barrier broken");
                }
            }
        }
    };
}

threadkit_subjects!(threadkit_subject, threadkit);
threadkit_subjects!(nohooks_subject, threadkit_nohooks);

impl BenchMutex for std::sync::Mutex<u64> {
    fn create() -> Self {
        std::sync::Mutex::new(0)
    }
    #[inline]
    fn bump(&self) {
        *self.lock().expect("poisoned") += 1;
    }
}

impl BenchMutex for parking_lot::Mutex<u64> {
    fn create() -> Self {
        parking_lot::Mutex::new(0)
    }
    #[inline]
    fn bump(&self) {
        *self.lock() += 1;
    }
}

impl BenchReentrant for parking_lot::ReentrantMutex<()> {
    fn create() -> Self {
        parking_lot::ReentrantMutex::new(())
    }
    fn first(&self, iters: u64) -> Duration {
        super::run::single(iters, || drop(std::hint::black_box(self.lock())))
    }
    fn nested(&self, iters: u64) -> Duration {
        let _outer = self.lock();
        super::run::single(iters, || drop(std::hint::black_box(self.lock())))
    }
}

pub type StdSemaphore = MonitorSemaphore<StdMonitor<usize>>;
pub type ParkingLotSemaphore = MonitorSemaphore<ParkingLotMonitor<usize>>;
pub type StdEvent = MonitorEvent<StdMonitor<bool>>;
pub type ParkingLotEvent = MonitorEvent<ParkingLotMonitor<bool>>;
pub type StdTurn = MonitorTurn<StdMonitor<usize>>;
pub type ParkingLotTurn = MonitorTurn<ParkingLotMonitor<usize>>;

macro_rules! monitor_subjects {
    ($($monitor:ident),*) => {$(
        impl BenchSemaphore for MonitorSemaphore<$monitor<usize>> {
            fn create(permits: usize) -> Self {
                MonitorSemaphore::new(permits)
            }
            #[inline]
            fn acquire_release(&self) {
                self.acquire();
                self.release();
            }
        }

        impl BenchEvent for MonitorEvent<$monitor<bool>> {
            fn create() -> Self {
                MonitorEvent::new()
            }
            fn set(&self) {
                MonitorEvent::set(self);
            }
            fn clear(&self) {
                MonitorEvent::clear(self);
            }
            fn wait(&self) {
                MonitorEvent::wait(self);
            }
        }

        impl BenchTurn for MonitorTurn<$monitor<usize>> {
            fn create() -> Self {
                MonitorTurn::new()
            }
            fn pass(&self, me: usize) {
                MonitorTurn::pass(self, me);
            }
        }
    )*};
}
monitor_subjects!(StdMonitor, ParkingLotMonitor);

impl BenchBarrier for std::sync::Barrier {
    fn create(parties: usize) -> Self {
        std::sync::Barrier::new(parties)
    }
    fn wait(&self) {
        std::sync::Barrier::wait(self);
    }
}
