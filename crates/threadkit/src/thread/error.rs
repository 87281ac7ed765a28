//! The errors of spawning and joining threads.

use std::fmt;

use super::builder::Thread;
use super::excepthook::Panicked;

/// The operating system refused to start a thread (Python: `RuntimeError: can't
/// start new thread`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed to spawn a thread: {message}")]
pub struct SpawnError {
    /// The kind of the OS error.
    pub kind: std::io::ErrorKind,
    /// The OS error's message.
    pub message: String,
}

impl From<std::io::Error> for SpawnError {
    fn from(error: std::io::Error) -> Self {
        Self {
            kind: error.kind(),
            message: error.to_string(),
        }
    }
}

/// Why joining a thread gave no value. The variants that did not consume the thread
/// hand its handle back.
#[non_exhaustive]
pub enum JoinError<T> {
    /// The thread's closure panicked.
    Panicked(Panicked),
    /// The timeout passed first (only from `join_timeout`/`join_deadline`); the thread
    /// is still running, and here is its handle.
    TimedOut(Thread<T>),
    /// The calling thread tried to join itself, which would never return (Python:
    /// `RuntimeError: cannot join current thread`); here is the handle.
    CurrentThread(Thread<T>),
}

impl<T> JoinError<T> {
    /// The panic, if the thread panicked.
    pub fn into_panicked(self) -> Option<Panicked> {
        match self {
            JoinError::Panicked(panicked) => Some(panicked),
            JoinError::TimedOut(_) | JoinError::CurrentThread(_) => None,
        }
    }

    /// The handle, if the error handed it back.
    pub fn into_thread(self) -> Option<Thread<T>> {
        match self {
            JoinError::Panicked(_) => None,
            JoinError::TimedOut(thread) | JoinError::CurrentThread(thread) => Some(thread),
        }
    }

    /// Whether the join timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, JoinError::TimedOut(_))
    }
}

impl<T> fmt::Debug for JoinError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked(panicked) => f.debug_tuple("Panicked").field(panicked).finish(),
            JoinError::TimedOut(thread) => f.debug_tuple("TimedOut").field(thread).finish(),
            JoinError::CurrentThread(thread) => {
                f.debug_tuple("CurrentThread").field(thread).finish()
            }
        }
    }
}

impl<T> fmt::Display for JoinError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked(panicked) => fmt::Display::fmt(panicked, f),
            JoinError::TimedOut(_) => f.write_str("timed out waiting for the thread to finish"),
            JoinError::CurrentThread(_) => f.write_str("cannot join current thread"),
        }
    }
}

impl<T> std::error::Error for JoinError<T> {}
