//! `threadkit bench`: threadkit against its peers, measured in one process.

pub mod harness;
mod peers;
pub mod report;
mod run;
mod subjects;
mod workloads;

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use harness::{Settings, Workload};
use report::{Document, Machine};

/// Options of `threadkit bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// A shorter run (fewer, shorter samples): the whole run takes about a minute.
    #[arg(long)]
    pub quick: bool,
    /// Also write the results as JSON to this file.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// List the workloads instead of running them.
    #[arg(long)]
    pub list: bool,
    /// Only run workloads whose names start with one of these prefixes (e.g. `lock`
    /// `event/pingpong`).
    #[arg(value_name = "FILTER")]
    pub filters: Vec<String>,
}

/// Every workload, in report order.
pub fn all_workloads() -> Vec<Workload> {
    let mut all = workloads::core::workloads();
    all.extend(workloads::queue::workloads());
    all
}

/// Runs the benchmarks; returns the process exit code.
pub fn main(args: &BenchArgs) -> anyhow_free::Result {
    let mut selected: Vec<Workload> = all_workloads()
        .into_iter()
        .filter(|w| {
            args.filters.is_empty() || args.filters.iter().any(|f| w.name.starts_with(f.as_str()))
        })
        .collect();
    if args.list {
        for workload in &selected {
            println!("{:<32} {}", workload.name, workload.what);
        }
        return Ok(0);
    }
    if selected.is_empty() {
        eprintln!(
            "threadkit bench: no workload matches {:?} (see `threadkit bench --list`)",
            args.filters
        );
        return Ok(2);
    }
    let settings = if args.quick {
        Settings {
            sample: Duration::from_millis(20),
            repetitions: 5,
        }
    } else {
        Settings {
            sample: Duration::from_millis(100),
            repetitions: 11,
        }
    };
    let machine = Machine::detect();
    println!("threadkit bench — {machine}");
    println!(
        "{} samples of ~{} ms per implementation, interleaved; lower is better\n",
        settings.repetitions,
        settings.sample.as_millis()
    );
    let mut rows = Vec::new();
    let mut targets = Vec::new();
    for workload in &mut selected {
        eprint!("measuring {} …\r", workload.name);
        let _ = std::io::stderr().flush();
        let measured = harness::measure(workload, settings, || {});
        let evaluated: Vec<_> = workload
            .targets
            .iter()
            .filter_map(|&target| report::evaluate(workload.name, &measured, target))
            .collect();
        print!(
            "{}",
            report::render(workload.name, workload.what, &measured, &evaluated)
        );
        println!();
        rows.extend(measured);
        targets.extend(evaluated);
    }
    if let Some(path) = &args.json {
        let document = Document {
            machine: &machine,
            quick: args.quick,
            repetitions: settings.repetitions,
            rows: &rows,
            targets,
        };
        let json = serde_json::to_string_pretty(&document).map_err(|e| e.to_string())?;
        std::fs::write(path, json).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("results written to {}", path.display());
    }
    Ok(0)
}

/// Errors of the CLI are messages.
pub mod anyhow_free {
    /// An exit code, or a message for stderr.
    pub type Result = std::result::Result<i32, String>;
}
