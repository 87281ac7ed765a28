//! `threadkit tour`.

/// Options of `threadkit tour`.
#[derive(Debug, clap::Args)]
pub struct TourArgs {
    /// List the scenes instead of running them.
    #[arg(long)]
    pub list: bool,
}

pub fn main(_args: &TourArgs) -> crate::bench::anyhow_free::Result {
    Ok(0)
}
