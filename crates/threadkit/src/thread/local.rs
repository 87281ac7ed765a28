//! [`Local`]: Python's `threading.local`, a value per thread and per object.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use super::registry::{self, LocalValues};

/// A value per thread, held by an object (not by a `static`): Python's
/// `threading.local`.
///
/// Each thread that calls [`with`](Self::with) gets its own value, made by the
/// initializer on its first access. A thread's value is dropped (on that thread) when
/// the thread ends, or when the `Local` is dropped, whichever comes first.
///
/// Unlike `std::thread_local!`, any number of `Local`s can be created at run time,
/// each with its own set of values (one connection per thread *per pool*, say).
///
/// # Differences from Python's threading
///
/// * The value is one `T` made by an initializer (Python's `local` subclass
///   `__init__`), reached through a closure; for per-thread mutation, make `T` a
///   `Cell` or `RefCell`.
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::sync::Arc;
/// use threadkit::thread::{self, Local};
///
/// let calls = Arc::new(Local::new(|| Cell::new(0)));
/// calls.with(|n| n.set(n.get() + 1));
/// calls.with(|n| n.set(n.get() + 1));
/// let other = {
///     let calls = Arc::clone(&calls);
///     thread::spawn(move || calls.with(|n| { n.set(n.get() + 1); n.get() })).unwrap()
/// };
/// assert_eq!(other.join().unwrap(), 1); // the other thread had its own value
/// assert_eq!(calls.with(Cell::get), 2);
/// ```
pub struct Local<T: Send + 'static> {
    inner: Arc<Inner<T>>,
}

struct Inner<T> {
    init: Box<dyn Fn() -> T + Send + Sync>,
    // Each thread's value, by thread ident. A value is only ever read by its own
    // thread; it is removed by that thread's exit, or dropped with the `Local`.
    values: Mutex<HashMap<u64, Box<T>>>,
}

impl<T> Inner<T> {
    fn values(&self) -> MutexGuard<'_, HashMap<u64, Box<T>>> {
        self.values.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T: Send + 'static> LocalValues for Inner<T> {
    fn remove_thread(&self, ident: u64) {
        let value = self.values().remove(&ident);
        // Dropped here, outside the lock: the value's drop may use this `Local`.
        drop(value);
    }
}

impl<T: Send + 'static> Local<T> {
    /// A `Local` whose value for each thread is made by `init`, on the thread's first
    /// access.
    pub fn new(init: impl Fn() -> T + Send + Sync + 'static) -> Self {
        Self {
            inner: Arc::new(Inner {
                init: Box::new(init),
                values: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Calls `f` with the calling thread's value, making it first if this thread has
    /// none yet.
    ///
    /// # Panics
    ///
    /// If the initializer panics (nothing is stored then), or, like
    /// `std::thread_local!`, if the initializer itself calls `with` on the same
    /// `Local` for a value that is not there yet (it would recurse forever).
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        let ident = crate::thread_id::current().get();
        let found = self
            .inner
            .values()
            .get(&ident)
            .map(|value| &raw const **value);
        let value = match found {
            Some(value) => value,
            None => self.insert(ident),
        };
        // SAFETY: the value is boxed, so its address is stable while the map changes.
        // It is removed only by this thread's exit (which cannot happen while this
        // thread is inside `with`) or dropped with `Inner`, which `self` keeps alive.
        // Only this thread ever reads it, so a shared reference is fine for any `T`.
        f(unsafe { &*value })
    }

    /// Whether the calling thread has a value yet.
    pub fn is_initialized(&self) -> bool {
        let ident = crate::thread_id::current().get();
        self.inner.values().contains_key(&ident)
    }

    #[cold]
    fn insert(&self, ident: u64) -> *const T {
        let value = Box::new((self.inner.init)());
        let weak: Weak<Inner<T>> = Arc::downgrade(&self.inner);
        registry::with_current(|entry| entry.register_local(weak));
        let mut values = self.inner.values();
        let stored = values.entry(ident).or_insert(value);
        &raw const **stored
    }
}

impl<T: Send + Default + 'static> Default for Local<T> {
    fn default() -> Self {
        Self::new(T::default)
    }
}

impl<T: Send + 'static> fmt::Debug for Local<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let threads = self.inner.values.try_lock().map(|values| values.len());
        let mut d = f.debug_struct("Local");
        match threads {
            Ok(threads) => d.field("threads", &threads),
            Err(_) => d.field("threads", &format_args!("<locked>")),
        };
        d.finish()
    }
}
