//! The low layer: everything that talks to the C library and the kernel (shared
//! memory, robust pthread mutexes, futexes, process identity), the layouts of the
//! shared objects, and the only place in the crate with `unsafe`.

pub(crate) mod futex;
pub(crate) mod layout;
pub(crate) mod lock;
pub(crate) mod process;
pub(crate) mod registry;
pub(crate) mod robust;
pub(crate) mod shm;
pub(crate) mod slots;
