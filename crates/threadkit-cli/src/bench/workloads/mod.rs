pub mod core;
pub mod queue;
