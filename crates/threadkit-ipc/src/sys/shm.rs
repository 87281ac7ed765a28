//! Named shared-memory objects: `shm_open` + `mmap`, a header that says what the
//! object is, and the create / open / unlink protocol.
//!
//! Layout of every object (offsets in bytes):
//!
//! ```text
//!   0   header (64 bytes): magic, layout version, kind, ABI, ready, body size, layout word
//!  64   body: the primitive's state (see layout.rs), 64-byte aligned
//! ```
//!
//! Creation is exclusive (`O_CREAT | O_EXCL`), then: set the mode (not left to the
//! umask), size the object, map it, write the magic, initialize the body, write the
//! rest of the header, and last set `ready` (release) and wake openers. An opener
//! first checks who owns the object (another user's is refused unless allowed), then
//! maps what it finds and waits (bounded) for `ready` before checking the header, so
//! it never sees a half-made object; a creator that dies half-way leaves an object
//! that opens as `Incomplete`.
//!
//! Until the header has been checked, a mapping is a `Mapping` that only reads the
//! header; a `Shared<B>`, which hands out `&B`, is only ever made of a mapping large
//! enough for a `B`, and only for a `B` aligned to at most 64 (a compile-time check
//! in its one constructor and in `body`).

use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::error::{Kind, OpenError};
use crate::name::Name;
use crate::options::Options;
use crate::sys::futex;

/// "tkipc\0v1" as a native-endian number: a byte-swapped reading does not match.
/// (Not a version: objects of every layout version share it; see [`LAYOUT_VERSION`].)
const MAGIC: u64 = u64::from_ne_bytes(*b"tkipc\0v1");
/// The layout version this build reads and writes.
///
/// 1: a lock's body was a robust pthread mutex with an owner word, then the data.
/// 2: a lock's body is a lock word of its own, a mode, the data, a robust pthread
///    mutex (priority-inheritance mode) and a table of per-thread liveness slots.
pub(crate) const LAYOUT_VERSION: u32 = 2;
/// Where the body starts.
const HEADER_SIZE: usize = 64;
/// `Header::ready` once the object is complete.
const READY: u32 = 1;
/// How long an opener waits for a creator to finish.
const INIT_WAIT: Duration = Duration::from_secs(1);

/// What must agree between all processes sharing an object besides the layout
/// version: the C library (its pthread types), their size, and the pointer width.
const ABI: u32 = {
    let libc_flavour: u32 = if cfg!(target_env = "gnu") {
        1
    } else if cfg!(target_env = "musl") {
        2
    } else {
        3
    };
    (libc_flavour << 24)
        | ((size_of::<usize>() as u32) << 16)
        | (size_of::<libc::pthread_mutex_t>() as u32)
};

/// The first 64 bytes of every object. Atomics: openers read while a creator writes.
#[repr(C)]
struct Header {
    magic: AtomicU64,
    version: AtomicU32,
    kind: AtomicU32,
    abi: AtomicU32,
    /// 0 while the creator initializes, [`READY`] after; openers futex-wait on it.
    ready: AtomicU32,
    body_size: AtomicU64,
    /// Kind-specific (a lock's data size and alignment).
    layout: AtomicU64,
}

const _: () = assert!(size_of::<Header>() <= HEADER_SIZE);

/// The state of a shared object, after its header.
///
/// # Safety
///
/// Implementors are `#[repr(C)]`, aligned to at most 64 bytes, and valid for every bit
/// pattern (atomics, and `UnsafeCell`s of C mutexes and of plain data), so that a
/// reference to a mapped body is sound whatever the other processes wrote into it.
/// (The alignment is also checked at compile time wherever a `Shared<B>` is made.)
pub(crate) unsafe trait Body: Sync + Sized {
    /// What `init` needs.
    type Init: Copy;

    /// A kind-specific word that openers check (say, the data's size and alignment).
    fn layout() -> u64 {
        0
    }

    /// The error for an object whose layout word is `found`.
    fn layout_error(name: &Name, _found: u64) -> OpenError {
        OpenError::Corrupt {
            name: name.as_str().to_owned(),
            what: "its layout word does not match its kind",
        }
    }

    /// Initializes a zeroed body; an error is an errno.
    ///
    /// # Safety
    ///
    /// Nobody else uses the body yet.
    unsafe fn init(&self, init: Self::Init) -> Result<(), i32>;
}

/// How many holds of a lock in a handle's body threads of this process took through
/// that handle and may not have released yet (a forgotten or detached guard, or one
/// left by a thread that exited). While there are any, the C library may keep the
/// mutex in a thread's robust list, which it and the kernel follow by address, so
/// the handle's mapping must outlive the handle.
///
/// It lives in the handle, in this process's memory: no other process can make it
/// read zero. It may overcount (a hold released through another handle of the same
/// object, a holder thread that exited), which leaks a mapping; it never undercounts.
#[derive(Debug, Default)]
pub(crate) struct Pins(AtomicUsize);

impl Pins {
    /// A hold was taken through the handle.
    pub(crate) fn add(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// A hold taken through the handle (or through another handle of the same object:
    /// the overcount above) was released.
    pub(crate) fn remove(&self) {
        // Never below zero, whatever the order of releases through several handles.
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
    }

    /// Whether the handle's mapping must stay. (`Relaxed`: the handle is being dropped,
    /// so whatever released a hold through it happened-before, like all its uses.)
    fn any(&self) -> bool {
        self.0.load(Ordering::Relaxed) != 0
    }
}

/// Which object a mapping shows, within this process: the shared memory file's device
/// and inode. Two handles of one object (two `open`s) have the same key; while either
/// is mapped the object exists, so its inode cannot name another object meanwhile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ObjectKey {
    dev: u64,
    ino: u64,
}

/// Handle ids: process-unique, never reused (0 is never one).
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A mapping of a named object, of `len` bytes (at least a header), whose contents are
/// not known yet. Unmapped on drop.
struct Mapping {
    base: NonNull<u8>,
    len: usize,
    name: Name,
    key: ObjectKey,
    /// Names this mapping (so, the handle made of it) in this process; never reused.
    id: u64,
    /// Set when the handle made of this mapping is dropped (the mapping itself may
    /// outlive it, kept by threads' liveness claims: see [`KeepMapped`]).
    closed: AtomicBool,
}

// SAFETY: a Mapping is the address and length of a shared mapping (valid until it is
// dropped, which unmaps it), a name, and atomics; any thread may use and unmap it.
unsafe impl Send for Mapping {}
// SAFETY: as above; `&Mapping` only reads the header through atomics.
unsafe impl Sync for Mapping {}

impl Mapping {
    fn new(fd: &OwnedFd, len: usize, name: &Name, key: ObjectKey) -> Result<Self, OpenError> {
        debug_assert!(len >= HEADER_SIZE);
        // SAFETY: a fresh shared mapping of an open descriptor; the kernel picks the
        // address. Nothing is aliased until we hand out references into it.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(os_error(name, "mmap", last_errno()));
        }
        Ok(Self {
            base: NonNull::new(base.cast()).expect("mmap does not return null"),
            len,
            name: name.clone(),
            key,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            closed: AtomicBool::new(false),
        })
    }

    fn header(&self) -> &Header {
        // SAFETY: the mapping is at least HEADER_SIZE bytes (see `new`), page-aligned,
        // mapped while `self` lives, and a Header is atomics, valid for any bits.
        unsafe { &*self.base.as_ptr().cast::<Header>() }
    }

    fn wait_ready(&self, deadline: Instant) -> Result<(), OpenError> {
        let header = self.header();
        let name = || self.name.as_str().to_owned();
        loop {
            match header.magic.load(Ordering::Relaxed) {
                MAGIC => {
                    if header.ready.load(Ordering::Acquire) == READY {
                        return Ok(());
                    }
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    futex::wait(&header.ready, 0, Some(left));
                }
                // Sized but the magic not written yet: the creator is a step behind.
                0 => {
                    if Instant::now() >= deadline {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
                _ => return Err(OpenError::NotThreadkit { name: name() }),
            }
        }
        Err(OpenError::Incomplete { name: name() })
    }

    /// Checks that the header describes a complete `kind` object whose body is a `B`,
    /// and that the mapping is large enough for it.
    fn validate<B: Body>(&self, kind: Kind) -> Result<(), OpenError> {
        let header = self.header();
        let name = || self.name.as_str().to_owned();
        let version = header.version.load(Ordering::Relaxed);
        if version != LAYOUT_VERSION {
            return Err(OpenError::IncompatibleVersion {
                name: name(),
                found: version,
                expected: LAYOUT_VERSION,
            });
        }
        if header.abi.load(Ordering::Relaxed) != ABI {
            return Err(OpenError::IncompatibleAbi { name: name() });
        }
        let found = Kind::from_code(header.kind.load(Ordering::Relaxed)).ok_or_else(|| {
            OpenError::Corrupt {
                name: name(),
                what: "its kind is unknown",
            }
        })?;
        if found != kind {
            return Err(OpenError::WrongKind {
                name: name(),
                expected: kind,
                found,
            });
        }
        let body_size = header.body_size.load(Ordering::Relaxed);
        if body_size != size_of::<B>() as u64 || self.len < HEADER_SIZE + size_of::<B>() {
            return Err(OpenError::Corrupt {
                name: name(),
                what: "its size does not match its kind",
            });
        }
        let layout = header.layout.load(Ordering::Relaxed);
        if layout != B::layout() {
            return Err(B::layout_error(&self.name, layout));
        }
        Ok(())
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `base`/`len` are our mapping; nothing borrows it any more (`&mut self`).
        unsafe { libc::munmap(self.base.as_ptr().cast(), self.len) };
    }
}

/// A mapped shared object whose body is a `B`: the mapping holds at least a header and
/// a `B` (made so by `create`, checked by `open`: a handle is only ever made of such a
/// mapping). Unmapped when the handle and every [`KeepMapped`] of it are dropped,
/// unless pinned (see [`Pins`]).
pub(crate) struct Shared<B: Body> {
    /// `mapping.base`, so that reaching the body takes no extra load.
    base: NonNull<u8>,
    /// Not dropped (so left mapped) while `pins` says a hold may outlive the handle.
    mapping: ManuallyDrop<Arc<Mapping>>,
    pins: Pins,
    _body: PhantomData<B>,
}

/// Keeps a handle's mapping mapped after the handle is dropped: what a thread holds
/// while a robust mutex in the mapping may be in its robust list (the C library and
/// the kernel follow that list by address).
#[derive(Clone)]
pub(crate) struct KeepMapped(Arc<Mapping>);

impl KeepMapped {
    /// Whether the handle this mapping was made for has been dropped.
    pub(crate) fn is_closed(&self) -> bool {
        self.0.closed.load(Ordering::Relaxed)
    }

    /// Keeps the mapping mapped for the rest of the process (a leak, never an unmap
    /// too early).
    pub(crate) fn keep_forever(self) {
        std::mem::forget(self);
    }
}

impl std::fmt::Debug for KeepMapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeepMapped")
            .field("name", &self.0.name.as_str())
            .field("id", &self.0.id)
            .finish()
    }
}

// SAFETY: the mapping is plain memory, valid until this handle unmaps it on drop; the
// body is made for sharing between threads (B: Sync) and processes; `pins` is atomic.
unsafe impl<B: Body> Send for Shared<B> {}
// SAFETY: as above: `&Shared` only gives `&B` (B is Sync), the name and the pins.
unsafe impl<B: Body> Sync for Shared<B> {}

impl<B: Body> Shared<B> {
    /// Creates a new object named `name` (it must not exist yet), with `options.mode`.
    pub(crate) fn create(
        name: &Name,
        kind: Kind,
        options: &Options,
        init: B::Init,
    ) -> Result<Self, OpenError> {
        let mode = options.mode;
        if mode & !0o777 != 0 {
            return Err(OpenError::InvalidMode { mode });
        }
        let fd = shm_open(
            name,
            libc::O_RDWR | libc::O_CREAT | libc::O_EXCL | libc::O_CLOEXEC,
            mode,
        )?;
        let created = Self::initialize(fd, name, kind, mode, init);
        if created.is_err() {
            // SAFETY: the name is a valid C string; we made the object, so we remove it.
            unsafe { libc::shm_unlink(name.c_name().as_ptr()) };
        }
        created
    }

    fn initialize(
        fd: OwnedFd,
        name: &Name,
        kind: Kind,
        mode: u32,
        init: B::Init,
    ) -> Result<Self, OpenError> {
        let len = HEADER_SIZE + size_of::<B>();
        // SAFETY: `fd` is an open descriptor; fchmod sets the permission bits exactly
        // (shm_open's mode is filtered by the umask).
        if unsafe { libc::fchmod(fd.as_raw_fd(), mode as libc::mode_t) } != 0 {
            return Err(os_error(name, "fchmod", last_errno()));
        }
        let size = libc::off_t::try_from(len).expect("object sizes are small");
        // SAFETY: `fd` is an open descriptor for a shared memory object we created.
        if unsafe { libc::ftruncate(fd.as_raw_fd(), size) } != 0 {
            return Err(os_error(name, "ftruncate", last_errno()));
        }
        let key = file_info(&fd, name)?.key;
        // Sized for a B just above; zeroed, which is a valid (if uninitialized) B.
        let shared = Self::from_mapping(Mapping::new(&fd, len, name, key)?);
        let header = shared.mapping.header();
        header.magic.store(MAGIC, Ordering::Relaxed);
        // SAFETY: the object was created exclusively a moment ago and is not ready, so
        // no other process uses its body (openers wait for `ready`).
        unsafe { shared.body().init(init) }
            .map_err(|errno| os_error(name, "pthread_mutex_init", errno))?;
        header.version.store(LAYOUT_VERSION, Ordering::Relaxed);
        header.kind.store(kind.code(), Ordering::Relaxed);
        header.abi.store(ABI, Ordering::Relaxed);
        header
            .body_size
            .store(size_of::<B>() as u64, Ordering::Relaxed);
        header.layout.store(B::layout(), Ordering::Relaxed);
        header.ready.store(READY, Ordering::Release);
        futex::wake_all(&header.ready);
        Ok(shared)
    }

    /// Opens the existing object named `name`, which must be a `kind` (and, unless
    /// `options` allow otherwise, belong to this process's effective user).
    pub(crate) fn open(name: &Name, kind: Kind, options: &Options) -> Result<Self, OpenError> {
        let fd = shm_open(name, libc::O_RDWR | libc::O_CLOEXEC, 0)?;
        let mut info = file_info(&fd, name)?;
        // Before anything of the object is read: its contents steer what this process
        // does (with a mutex, even where the C library writes), so only the user's own
        // objects are trusted unless the caller says otherwise.
        // SAFETY: geteuid has no preconditions and cannot fail.
        check_owner(name, info.uid, unsafe { libc::geteuid() }, options)?;
        let deadline = Instant::now() + INIT_WAIT;
        // A creator sizes the object right after creating it.
        while info.size < HEADER_SIZE {
            if Instant::now() >= deadline {
                return Err(OpenError::Incomplete {
                    name: name.as_str().to_owned(),
                });
            }
            std::thread::sleep(Duration::from_millis(1));
            info = file_info(&fd, name)?;
        }
        let mapping = Mapping::new(&fd, info.size, name, info.key)?;
        mapping.wait_ready(deadline)?;
        mapping.validate::<B>(kind)?;
        Ok(Self::from_mapping(mapping))
    }

    /// Opens the object named `name`, creating it if it does not exist; also says
    /// whether this call created it.
    pub(crate) fn open_or_create(
        name: &Name,
        kind: Kind,
        options: &Options,
        init: B::Init,
    ) -> Result<(Self, bool), OpenError> {
        // Another process may create or unlink the name between our attempts; a few
        // rounds settle any realistic race.
        let mut last = None;
        for _ in 0..16 {
            match Self::create(name, kind, options, init) {
                Ok(shared) => return Ok((shared, true)),
                Err(OpenError::AlreadyExists { .. }) => {}
                Err(error) => return Err(error),
            }
            match Self::open(name, kind, options) {
                Ok(shared) => return Ok((shared, false)),
                Err(error @ OpenError::NotFound { .. }) => last = Some(error),
                Err(error) => return Err(error),
            }
        }
        Err(last.expect("the loop ran"))
    }

    /// Removes `name` if it is a `kind` (checked first, so that no other kind of
    /// object, nor one not made by threadkit-ipc, is removed by mistake). The object
    /// may belong to another user: it is only looked at, never used, and the system
    /// decides whether this process may remove the name.
    pub(crate) fn unlink(name: &Name, kind: Kind) -> Result<(), OpenError> {
        drop(Self::open(
            name,
            kind,
            &Options::new().allow_foreign_owner(true),
        )?);
        unlink(name)
    }

    /// The one way to make a handle.
    ///
    /// # Panics
    ///
    /// If `mapping` is too small for a header and a `B` (an internal invariant: `create`
    /// sizes it so, `open` checks).
    fn from_mapping(mapping: Mapping) -> Self {
        const {
            assert!(
                align_of::<B>() <= HEADER_SIZE,
                "bodies are aligned to at most 64"
            )
        };
        assert!(
            mapping.len >= HEADER_SIZE + size_of::<B>(),
            "threadkit-ipc: a handle made of a mapping too small for its body"
        );
        Self {
            base: mapping.base,
            mapping: ManuallyDrop::new(Arc::new(mapping)),
            pins: Pins::default(),
            _body: PhantomData,
        }
    }

    /// The object's body.
    #[inline]
    pub(crate) fn body(&self) -> &B {
        const {
            assert!(
                align_of::<B>() <= HEADER_SIZE,
                "bodies are aligned to at most 64"
            )
        };
        // SAFETY: the mapping holds HEADER_SIZE + size_of::<B>() bytes (checked when the
        // handle was made), is page-aligned so the body is aligned (B's alignment is at
        // most HEADER_SIZE, checked at compile time above), stays mapped while `self`
        // lives, and every bit pattern is a valid B (the `Body` contract).
        unsafe { &*self.base.as_ptr().add(HEADER_SIZE).cast::<B>() }
    }

    /// Something that keeps this handle's mapping mapped, even after the handle is
    /// dropped, for as long as it lives.
    pub(crate) fn keep_mapped(&self) -> KeepMapped {
        KeepMapped(Arc::clone(&self.mapping))
    }

    /// The handle's id: unique in this process, never reused.
    pub(crate) fn id(&self) -> u64 {
        self.mapping.id
    }

    /// Which object the handle shows (handles of one object have the same key).
    pub(crate) fn key(&self) -> ObjectKey {
        self.mapping.key
    }

    /// The holds taken through this handle that may outlive it.
    pub(crate) fn pins(&self) -> &Pins {
        &self.pins
    }

    /// The object's name (without the leading `/`).
    pub(crate) fn name(&self) -> &str {
        self.mapping.name.as_str()
    }
}

impl<B: Body> Drop for Shared<B> {
    fn drop(&mut self) {
        // A thread of this process may still hold a lock in the body through this
        // handle (a forgotten or detached guard): the C library keeps such a lock in
        // the thread's robust list and will write through it, so the memory must stay
        // mapped. Leaking a few KiB of address space is the safe choice. The decision
        // uses this handle's own count, never a word other processes can write.
        self.mapping.closed.store(true, Ordering::Relaxed);
        if self.pins.any() {
            return;
        }
        // SAFETY: `mapping` is dropped once, here, and not used afterwards. (Threads
        // that keep it mapped hold clones of the Arc: it is unmapped after the last.)
        unsafe { ManuallyDrop::drop(&mut self.mapping) };
    }
}

impl<B: Body> std::fmt::Debug for Shared<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("name", &self.name())
            .field("len", &self.mapping.len)
            .finish()
    }
}

/// Removes the name `name`, whatever object it holds. Processes that have the object
/// open keep using it; the memory is freed when the last one unmaps it.
pub(crate) fn unlink(name: &Name) -> Result<(), OpenError> {
    // SAFETY: the name is a valid C string.
    if unsafe { libc::shm_unlink(name.c_name().as_ptr()) } == 0 {
        Ok(())
    } else {
        Err(os_error(name, "shm_unlink", last_errno()))
    }
}

fn shm_open(name: &Name, flags: libc::c_int, mode: u32) -> Result<OwnedFd, OpenError> {
    // SAFETY: the name is a valid C string; the result is checked.
    let fd = unsafe { libc::shm_open(name.c_name().as_ptr(), flags, mode as libc::mode_t) };
    if fd < 0 {
        return Err(os_error(name, "shm_open", last_errno()));
    }
    // SAFETY: `fd` was just opened and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// What `fstat` says about an object.
struct FileInfo {
    size: usize,
    uid: u32,
    key: ObjectKey,
}

fn file_info(fd: &OwnedFd, name: &Name) -> Result<FileInfo, OpenError> {
    let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `fd` is open and `stat` is valid memory for fstat to fill.
    if unsafe { libc::fstat(fd.as_raw_fd(), stat.as_mut_ptr()) } != 0 {
        return Err(os_error(name, "fstat", last_errno()));
    }
    // SAFETY: fstat succeeded, so it filled `stat`.
    let stat = unsafe { stat.assume_init() };
    Ok(FileInfo {
        size: usize::try_from(stat.st_size).unwrap_or(0),
        uid: stat.st_uid,
        key: ObjectKey {
            // dev_t and ino_t are 64 bits wide on 64-bit Linux, not everywhere.
            #[allow(clippy::unnecessary_cast)]
            dev: stat.st_dev as u64,
            #[allow(clippy::unnecessary_cast)]
            ino: stat.st_ino as u64,
        },
    })
}

/// An object owned by user `owner` may be opened by a process of effective user `me`
/// if they are the same, or if `options` allow foreign owners.
fn check_owner(name: &Name, owner: u32, me: u32, options: &Options) -> Result<(), OpenError> {
    if owner == me || options.allow_foreign_owner {
        Ok(())
    } else {
        Err(OpenError::ForeignOwner {
            name: name.as_str().to_owned(),
            uid: owner,
        })
    }
}

fn last_errno() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

fn os_error(name: &Name, operation: &'static str, errno: i32) -> OpenError {
    let name = name.as_str().to_owned();
    match errno {
        libc::ENOENT => OpenError::NotFound { name },
        libc::EEXIST => OpenError::AlreadyExists { name },
        libc::EACCES | libc::EPERM => OpenError::PermissionDenied { name },
        errno => OpenError::Os {
            name,
            operation,
            errno,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::layout::{EventBody, SemaphoreBody};

    fn unique(what: &str) -> Name {
        use std::sync::atomic::AtomicUsize;
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        Name::new(&format!("tk-shm-unit-{}-{n}-{what}", std::process::id())).unwrap()
    }

    /// Writes a fake object with `fill` applied to its header.
    fn fake(name: &Name, fill: impl FnOnce(&Header)) {
        let shared = Shared::<EventBody>::create(name, Kind::Event, &Options::new(), ()).unwrap();
        fill(shared.mapping.header());
    }

    #[test]
    fn foreign_objects_and_other_versions_are_refused() {
        let name = unique("magic");
        fake(&name, |h| h.magic.store(0x1234, Ordering::Relaxed));
        let error = Shared::<EventBody>::open(&name, Kind::Event, &Options::new()).unwrap_err();
        assert!(matches!(error, OpenError::NotThreadkit { .. }), "{error}");
        unlink(&name).unwrap();

        // Made by the previous layout (a lock was a bare robust pthread mutex then):
        // refused, never misread.
        let name = unique("version-1");
        fake(&name, |h| h.version.store(1, Ordering::Relaxed));
        let error = Shared::<EventBody>::open(&name, Kind::Event, &Options::new()).unwrap_err();
        assert_eq!(
            error,
            OpenError::IncompatibleVersion {
                name: name.as_str().to_owned(),
                found: 1,
                expected: 2
            }
        );
        unlink(&name).unwrap();

        let name = unique("version");
        fake(&name, |h| h.version.store(999, Ordering::Relaxed));
        let error = Shared::<EventBody>::open(&name, Kind::Event, &Options::new()).unwrap_err();
        assert_eq!(
            error,
            OpenError::IncompatibleVersion {
                name: name.as_str().to_owned(),
                found: 999,
                expected: LAYOUT_VERSION
            }
        );
        unlink(&name).unwrap();

        let name = unique("abi");
        fake(&name, |h| h.abi.store(ABI ^ 1, Ordering::Relaxed));
        let error = Shared::<EventBody>::open(&name, Kind::Event, &Options::new()).unwrap_err();
        assert!(
            matches!(error, OpenError::IncompatibleAbi { .. }),
            "{error}"
        );
        unlink(&name).unwrap();

        let name = unique("size");
        fake(&name, |h| h.body_size.store(1 << 40, Ordering::Relaxed));
        let error = Shared::<EventBody>::open(&name, Kind::Event, &Options::new()).unwrap_err();
        assert!(matches!(error, OpenError::Corrupt { .. }), "{error}");
        unlink(&name).unwrap();
    }

    #[test]
    fn an_object_left_half_made_is_incomplete() {
        let name = unique("incomplete");
        fake(&name, |h| h.ready.store(0, Ordering::Relaxed));
        let started = Instant::now();
        let error = Shared::<EventBody>::open(&name, Kind::Event, &Options::new()).unwrap_err();
        assert!(matches!(error, OpenError::Incomplete { .. }), "{error}");
        assert!(started.elapsed() >= INIT_WAIT);
        unlink(&name).unwrap();
    }

    #[test]
    fn modes_are_applied_exactly_and_checked() {
        let name = unique("mode");
        let shared =
            Shared::<EventBody>::create(&name, Kind::Event, &Options::new().mode(0o640), ())
                .unwrap();
        let path = format!("/dev/shm/{}", name.as_str());
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(path).unwrap().permissions(),
        );
        assert_eq!(mode & 0o777, 0o640);
        drop(shared);
        unlink(&name).unwrap();
        let error =
            Shared::<EventBody>::create(&name, Kind::Event, &Options::new().mode(0o1777), ())
                .unwrap_err();
        assert_eq!(error, OpenError::InvalidMode { mode: 0o1777 });
        assert!(matches!(
            Shared::<EventBody>::open(&name, Kind::Event, &Options::new()),
            Err(OpenError::NotFound { .. })
        ));
    }

    #[test]
    fn opening_a_small_object_as_a_larger_kind_never_touches_a_body() {
        // An event's mapping is one page; a semaphore's body is larger than that. The
        // refused handle must not form a reference to a semaphore body, even to drop.
        let name = unique("small");
        let _event = Shared::<EventBody>::create(&name, Kind::Event, &Options::new(), ()).unwrap();
        assert!(size_of::<SemaphoreBody>() > 4096);
        let error =
            Shared::<SemaphoreBody>::open(&name, Kind::Semaphore, &Options::new()).unwrap_err();
        assert!(matches!(error, OpenError::WrongKind { .. }), "{error}");
        unlink(&name).unwrap();
    }

    #[test]
    fn objects_of_other_users_are_refused_unless_allowed() {
        let name = unique("owner");
        let allow = Options::new().allow_foreign_owner(true);
        assert_eq!(check_owner(&name, 1000, 1000, &Options::new()), Ok(()));
        assert_eq!(
            check_owner(&name, 1000, 1001, &Options::new()),
            Err(OpenError::ForeignOwner {
                name: name.as_str().to_owned(),
                uid: 1000
            })
        );
        assert!(check_owner(&name, 0, 1001, &Options::new()).is_err());
        assert!(
            check_owner(&name, 1000, 0, &Options::new()).is_err(),
            "root too"
        );
        assert_eq!(check_owner(&name, 1000, 1001, &allow), Ok(()));
    }
}
