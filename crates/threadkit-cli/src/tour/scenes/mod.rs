pub mod core;
pub mod queues;
