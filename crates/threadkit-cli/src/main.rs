//! `threadkit`: a tour of the classic threading scenarios, and benchmarks of threadkit
//! against its peers.

#![forbid(unsafe_code)]

mod bench;
mod tour;

use clap::{Parser, Subcommand};

/// threadkit: Python's threading system rebuilt in Rust.
#[derive(Debug, Parser)]
#[command(name = "threadkit", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the classic threading scenarios live, each with what it shows and a verdict.
    Tour(tour::TourArgs),
    /// Measure threadkit against its peers on this machine.
    Bench(bench::BenchArgs),
}

fn main() {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Tour(args) => tour::main(args),
        Command::Bench(args) => bench::main(args),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(message) => {
            eprintln!("threadkit: {message}");
            std::process::exit(1);
        }
    }
}
