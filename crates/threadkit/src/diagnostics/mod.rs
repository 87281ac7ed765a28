//! Diagnostics: which thread holds which lock and waits for what.
//!
//! Off by default. While off, every hook in the primitives is one relaxed load of a
//! global flag and a branch (measured by `threadkit bench` against a build with the
//! hooks compiled out). Switched on with [`enable`]:
//!
//! * every acquisition and release of an owned lock (`Lock`, `RLock`, and a
//!   `Condition`'s lock) is recorded against the acquiring thread, with the source
//!   location of the acquiring call;
//! * every blocking wait (the slow path of any primitive, right before the thread
//!   parks) is recorded with what the thread waits for;
//! * [`snapshot`] returns the picture for every thread in the thread registry
//!   ([`crate::thread::enumerate`]: threads threadkit started, and threads that
//!   touched a primitive's slow path, a hook or the thread API).
//!
//! Locks are identified by their name (`Lock::named`) or else by their creation site.
//! Locks acquired before diagnostics were switched on are not in the picture (and
//! their releases are ignored).

mod hooks;
mod object;
mod record;
mod snapshot;
mod switch;

pub(crate) use hooks::{Blocking, acquired, block, released};
pub(crate) use object::Object;
pub use object::{Primitive, PrimitiveKind};
pub(crate) use record::ThreadDiag;
pub use snapshot::{HeldLock, ThreadSnapshot, WaitingOn, snapshot};
pub use switch::{disable, enable, is_enabled};
