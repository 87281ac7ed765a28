pub mod core;
pub mod diagnostics;
#[cfg(target_os = "linux")]
pub mod ipc;
pub mod pool;
pub mod queue;
