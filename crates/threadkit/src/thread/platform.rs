//! What the operating system knows about the calling thread: its native id, and
//! whether it is the process's main thread.

/// The calling thread's id as the kernel knows it (Linux: `gettid`), or threadkit's
/// own number where the platform has no such id that threadkit can read.
pub(crate) fn native_id() -> u64 {
    #[cfg(all(target_os = "linux", not(miri)))]
    {
        // SAFETY: `gettid` has no preconditions and cannot fail.
        let tid = unsafe { libc::gettid() };
        u64::try_from(tid).unwrap_or_default()
    }
    #[cfg(not(all(target_os = "linux", not(miri))))]
    {
        crate::thread_id::current().get()
    }
}

/// Whether the calling thread is the process's main thread.
pub(crate) fn is_main_thread() -> bool {
    #[cfg(all(target_os = "linux", not(miri)))]
    {
        // SAFETY: `gettid` and `getpid` have no preconditions and cannot fail; the
        // main thread's id is the process id.
        unsafe { libc::gettid() == libc::getpid() }
    }
    #[cfg(not(all(target_os = "linux", not(miri))))]
    {
        // The Rust runtime names the main thread "main".
        std::thread::current().name() == Some("main")
    }
}

/// The main thread's native id, if it can be known from another thread.
pub(crate) fn main_native_id() -> Option<u64> {
    #[cfg(all(target_os = "linux", not(miri)))]
    {
        // SAFETY: `getpid` has no preconditions and cannot fail.
        u64::try_from(unsafe { libc::getpid() }).ok()
    }
    #[cfg(not(all(target_os = "linux", not(miri))))]
    {
        None
    }
}
