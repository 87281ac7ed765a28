pub mod core;
pub mod deadlock;
#[cfg(target_os = "linux")]
pub mod ipc;
pub mod queues;
pub mod threads;
