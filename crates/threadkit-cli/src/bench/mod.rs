//! `threadkit bench`: threadkit against its peers, measured in one process.

mod baseline;
pub mod harness;
mod peers;
pub mod report;
mod run;
mod subjects;
mod svg;
mod workloads;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use harness::{Settings, Workload};
use report::{Document, Machine, WorkloadResult};

/// Options of `threadkit bench`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  threadkit bench --quick                      one-minute run of everything
  threadkit bench lock event/pingpong          only workloads starting with these names
  threadkit bench --json run.json --svg run.svg
  threadkit bench --quick --baseline run.json  compare with a saved run
  threadkit bench --threads 8 lock/contended   add 8-thread variants of the contended workloads

Lower is better. Ratios compare threadkit with the best peer measured in the same run.")]
pub struct BenchArgs {
    /// A shorter run (fewer, shorter samples): the whole run takes seconds (about 10 s on 2 cores).
    #[arg(long)]
    pub quick: bool,
    /// Also write the results as JSON to this file (rows of workload, impl, unit,
    /// median, min, max).
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Also draw an SVG chart of every ratio to the best peer (log scale, targets marked).
    #[arg(long, value_name = "PATH")]
    pub svg: Option<PathBuf>,
    /// Also write the whole report as Markdown (how BENCHMARKS.md is made); notes are
    /// taken from docs/benchmark-notes.md if it exists.
    #[arg(long, value_name = "PATH")]
    pub markdown: Option<PathBuf>,
    /// Compare with a run saved by --json and flag changes beyond the noise seen between
    /// repetitions.
    #[arg(long, value_name = "PATH")]
    pub baseline: Option<PathBuf>,
    /// Also run the contended workloads with this many threads.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(2..=256))]
    pub threads: Option<u16>,
    /// List the workloads instead of running them.
    #[arg(long)]
    pub list: bool,
    /// Only run workloads whose names start with one of these prefixes.
    #[arg(value_name = "FILTER")]
    pub filters: Vec<String>,
}

/// What shapes the workloads.
#[derive(Debug, Clone, Copy, Default)]
pub struct Config {
    /// Extra thread count for the contended workloads (`--threads`).
    pub threads: Option<usize>,
}

/// Every workload, in report order.
pub fn all_workloads(config: &Config) -> Vec<Workload> {
    let mut all = workloads::core::workloads(config);
    all.extend(workloads::queue::workloads(config));
    all.extend(workloads::pool::workloads());
    all.extend(workloads::diagnostics::workloads());
    #[cfg(target_os = "linux")]
    all.extend(workloads::ipc::workloads());
    all
}

/// Runs the benchmarks; returns the process exit code.
pub fn main(args: &BenchArgs) -> anyhow_free::Result {
    // The second process of the cross-process workloads.
    #[cfg(target_os = "linux")]
    if let Some(code) = workloads::ipc::child_main() {
        return Ok(code);
    }
    let config = Config {
        threads: args.threads.map(usize::from),
    };
    let mut selected: Vec<Workload> = all_workloads(&config)
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
            "threadkit bench: no workload matches {:?}; `threadkit bench --list` shows them",
            args.filters
        );
        return Ok(2);
    }
    // Read the baseline first: a bad path should fail before minutes of measuring.
    let baseline = args.baseline.as_deref().map(baseline::load).transpose()?;
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
    let results = measure_all(&mut selected, settings);
    for result in &results {
        println!("{}", report::render(result));
    }
    if let Some(baseline) = &baseline {
        print_comparison(&results, baseline);
    }
    write_outputs(args, &machine, settings, &results)?;
    Ok(0)
}

/// Measures every workload, with a progress bar on stderr when it is a terminal.
fn measure_all(selected: &mut [Workload], settings: Settings) -> Vec<WorkloadResult> {
    let steps: usize = selected
        .iter()
        .map(|w| w.impls.len() * settings.repetitions)
        .sum();
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(steps as u64),
        if std::io::stderr().is_terminal() {
            indicatif::ProgressDrawTarget::stderr()
        } else {
            indicatif::ProgressDrawTarget::hidden()
        },
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] [{bar:32}] {pos}/{len} samples, about {eta} left · {msg}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    let mut results = Vec::new();
    for workload in selected.iter_mut() {
        bar.set_message(workload.name);
        let rows = harness::measure(workload, settings, || bar.inc(1));
        results.push(WorkloadResult::new(
            workload.name,
            workload.what,
            rows,
            &workload.targets,
        ));
    }
    bar.finish_and_clear();
    results
}

fn print_comparison(results: &[WorkloadResult], baseline: &[baseline::SavedRow]) {
    let rows: Vec<_> = results
        .iter()
        .flat_map(|r| r.rows.iter().cloned())
        .collect();
    let comparisons = baseline::compare(&rows, baseline);
    println!(
        "compared with the baseline (a change counts only beyond the noise between repetitions):"
    );
    let mut flagged = 0;
    for c in &comparisons {
        let mark = match c.verdict {
            baseline::Verdict::Regression => {
                flagged += 1;
                "REGRESSION"
            }
            baseline::Verdict::Improvement => "improved",
            baseline::Verdict::Unchanged => "",
        };
        println!(
            "  {:<34} {:<38} {:>10} → {:>10}  {:>6.2}× (noise ±{:>4.0} %)  {mark}",
            c.workload,
            c.implementation,
            format!("{:.1}", c.before),
            format!("{:.1}", c.after),
            c.ratio,
            c.noise * 100.0
        );
    }
    println!(
        "{} of {} compared rows regressed beyond the noise\n",
        flagged,
        comparisons.len()
    );
}

fn write_outputs(
    args: &BenchArgs,
    machine: &Machine,
    settings: Settings,
    results: &[WorkloadResult],
) -> Result<(), String> {
    if let Some(path) = &args.json {
        let document = Document {
            machine,
            quick: args.quick,
            repetitions: settings.repetitions,
            rows: results.iter().flat_map(|r| &r.rows).collect(),
            targets: results.iter().flat_map(|r| &r.targets).collect(),
        };
        let json = serde_json::to_string_pretty(&document).map_err(|e| e.to_string())?;
        write(path, &json)?;
    }
    if let Some(path) = &args.svg {
        write(path, &svg::render(machine, results))?;
    }
    if let Some(path) = &args.markdown {
        let notes = std::fs::read_to_string("docs/benchmark-notes.md").unwrap_or_default();
        let svg = args
            .svg
            .as_deref()
            .map(|p| p.to_string_lossy().into_owned());
        write(
            path,
            &report::markdown(machine, args.quick, svg.as_deref(), results, &notes),
        )?;
    }
    Ok(())
}

fn write(path: &std::path::Path, contents: &str) -> Result<(), String> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// Errors of the CLI are messages.
pub mod anyhow_free {
    /// An exit code, or a message for stderr.
    pub type Result = std::result::Result<i32, String>;
}
