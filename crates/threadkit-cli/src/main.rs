//! `threadkit`: a tour of the classic threading scenarios, and benchmarks of threadkit
//! against its peers.

#![forbid(unsafe_code)]

mod bench;
mod tour;

use clap::{CommandFactory, Parser, Subcommand};

/// threadkit: Python's threading system rebuilt in Rust.
#[derive(Debug, Parser)]
#[command(
    name = "threadkit",
    version,
    about,
    long_about = "threadkit: Python's threading system rebuilt in Rust.\n\n\
        `tour` runs the classic threading scenarios live, each with its lesson and a verdict \
        computed from what happened; `bench` measures threadkit against std, parking_lot, \
        crossbeam, flume and hand-rolled peers on this machine.",
    after_help = "Examples:
  threadkit tour                       every scene, with colour on a terminal
  threadkit tour --list                the scene names
  threadkit bench --quick              a one-minute benchmark run
  threadkit completions bash > ~/.local/share/bash-completion/completions/threadkit

Exit codes: 0 success, 1 a scene's verdict failed, 2 bad usage."
)]
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
    /// Print a shell completion script (bash, zsh, fish, elvish or powershell).
    #[command(after_help = "Example:\n  threadkit completions zsh > ~/.zfunc/_threadkit")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

fn main() {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Tour(args) => tour::main(args),
        Command::Bench(args) => bench::main(args),
        Command::Completions { shell } => {
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "threadkit",
                &mut std::io::stdout(),
            );
            Ok(0)
        }
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(message) => {
            eprintln!("threadkit: {message}");
            std::process::exit(1);
        }
    }
}
