//! Where a primitive comes from, for reports: the name it was given, or the place in
//! the source where it was created.
//!
//! An [`Origin`] is one pointer, so that it fits in the spare bits of a state word
//! (see [`crate::flag_word`]): it points either to the `Location` of the creating call
//! (`#[track_caller]` constructors; free, and `const`), or to a [`Named`] record for a
//! primitive created with a name. Named records are interned for the life of the
//! program (one per distinct name and creation site), so names should come from a
//! bounded set (`"accounts"`, `"worker-pool"`), not be made up per object.

use std::collections::HashMap;
use std::fmt;
use std::panic::Location;
use std::sync::{Mutex, PoisonError};

/// A primitive's name or creation site (or neither, for `lock_api`'s `INIT`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Origin(*const ());

// SAFETY: an Origin only points to immutable data that lives for the whole program
// (a `Location<'static>` or a leaked, never-mutated `Named`).
unsafe impl Send for Origin {}
// SAFETY: as above; nothing behind the pointer is ever mutated.
unsafe impl Sync for Origin {}

/// A named primitive's record (aligned like a `Location` on 64-bit targets, so both
/// leave the three low bits of a pointer free).
#[repr(align(8))]
struct Named {
    name: Box<str>,
    site: &'static Location<'static>,
}

/// Interned names: by (name, site) to share records, and the set of record addresses
/// to tell a `Named` pointer from a `Location` one.
#[derive(Default)]
struct Interned {
    by_key: HashMap<(Box<str>, usize), &'static Named>,
    by_address: HashMap<usize, &'static Named>,
}

static INTERNED: Mutex<Option<Interned>> = Mutex::new(None);

impl Origin {
    /// No name and no site.
    pub(crate) const NONE: Origin = Origin(std::ptr::null());

    /// The creation site `location`. On targets where a `Location` is aligned to less
    /// than 8 bytes (32-bit ones), creation sites are not recorded (names still are).
    pub(crate) const fn site(location: &'static Location<'static>) -> Self {
        if align_of::<Location<'static>>() >= 8 {
            Origin(std::ptr::from_ref(location).cast())
        } else {
            Origin::NONE
        }
    }

    /// A name, given at `location`.
    pub(crate) fn named(name: &str, location: &'static Location<'static>) -> Self {
        let key = (Box::<str>::from(name), std::ptr::from_ref(location).addr());
        let mut guard = INTERNED.lock().unwrap_or_else(PoisonError::into_inner);
        let interned = guard.get_or_insert_with(Interned::default);
        let record = *interned.by_key.entry(key).or_insert_with(|| {
            Box::leak(Box::new(Named {
                name: name.into(),
                site: location,
            }))
        });
        interned
            .by_address
            .insert(std::ptr::from_ref(record).addr(), record);
        Origin(std::ptr::from_ref(record).cast())
    }

    /// The pointer, for storing in a state word.
    pub(crate) const fn as_ptr(self) -> *const () {
        self.0
    }

    /// Rebuilds an origin from a pointer made by [`Origin::as_ptr`].
    pub(crate) const fn from_ptr(ptr: *const ()) -> Self {
        Origin(ptr)
    }

    /// The name given at creation, if any.
    pub(crate) fn name(self) -> Option<&'static str> {
        self.record().map(|named| &*named.name)
    }

    /// Where the primitive was created, if known.
    pub(crate) fn location(self) -> Option<&'static Location<'static>> {
        if self.0.is_null() {
            return None;
        }
        if let Some(named) = self.record() {
            return Some(named.site);
        }
        // SAFETY: a non-null origin that is not an interned `Named` was made by
        // `Origin::site` from a `&'static Location`.
        Some(unsafe { &*self.0.cast::<Location<'static>>() })
    }

    fn record(self) -> Option<&'static Named> {
        if self.0.is_null() {
            return None;
        }
        let guard = INTERNED.lock().unwrap_or_else(PoisonError::into_inner);
        guard.as_ref()?.by_address.get(&self.0.addr()).copied()
    }
}

impl fmt::Display for Origin {
    /// `'accounts'`, `created at src/main.rs:12:5`, or `of unknown origin`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.name(), self.location()) {
            (Some(name), _) => write!(f, "'{name}'"),
            (None, Some(site)) => write!(f, "created at {site}"),
            (None, None) => f.write_str("of unknown origin"),
        }
    }
}

impl fmt::Debug for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn site_and_name() {
        let here = Location::caller();
        let site = Origin::site(here);
        assert_eq!(site.name(), None);
        assert_eq!(site.location(), Some(here));
        assert!(site.to_string().starts_with("created at "));

        let named = Origin::named("accounts", here);
        assert_eq!(named.name(), Some("accounts"));
        assert_eq!(named.location(), Some(here));
        assert_eq!(named.to_string(), "'accounts'");
        assert_eq!(Origin::named("accounts", here), named, "names are interned");

        assert_eq!(Origin::NONE.to_string(), "of unknown origin");
    }
}
