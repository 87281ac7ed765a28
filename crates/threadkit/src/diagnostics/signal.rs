//! `dump_on_signal`: a thread dump on stderr whenever the process receives a signal,
//! as Java prints one on SIGQUIT.

use std::io;

/// Prints a thread dump to stderr each time the process receives `signal` (for
/// example `libc::SIGQUIT`, or `SIGUSR1`), from a background thread.
///
/// # Errors
///
/// If the signal cannot be handled (a forbidden signal such as SIGKILL, or an
/// unsupported platform).
#[cfg(unix)]
pub fn dump_on_signal(signal: i32) -> io::Result<()> {
    let mut signals = signal_hook::iterator::Signals::new([signal])?;
    std::thread::Builder::new()
        .name("threadkit-dump-on-signal".to_owned())
        .spawn(move || {
            for _ in signals.forever() {
                eprintln!("{}", super::dump());
            }
        })?;
    Ok(())
}

/// Prints a thread dump on a signal: not available on this platform.
///
/// # Errors
///
/// Always: signals are a Unix feature.
#[cfg(not(unix))]
pub fn dump_on_signal(_signal: i32) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "signals are a Unix feature",
    ))
}
