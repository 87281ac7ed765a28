//! The bench report: a table per workload with ratios and targets, and the JSON file.

use std::fmt::Write as _;

use serde::Serialize;

use super::harness::{Role, Row, Target};

/// The machine a run was made on.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub os: String,
    pub rustc: &'static str,
}

impl Machine {
    pub fn detect() -> Self {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find(|line| line.starts_with("model name"))
                    .and_then(|line| line.split_once(':'))
                    .map(|(_, model)| model.trim().to_owned())
            })
            .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
        Self {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
            rustc: env!("THREADKIT_RUSTC_VERSION"),
        }
    }
}

impl std::fmt::Display for Machine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} · {} cores · {} · {}",
            self.cpu, self.cores, self.os, self.rustc
        )
    }
}

/// The whole JSON document.
#[derive(Debug, Serialize)]
pub struct Document<'a> {
    pub machine: &'a Machine,
    pub quick: bool,
    pub repetitions: usize,
    pub rows: Vec<&'a Row>,
    pub targets: Vec<&'a TargetResult>,
}

/// One measured workload: its rows, evaluated targets, and where the targets sit on
/// the chart's ratio-to-best-peer axis.
#[derive(Debug, Clone)]
pub struct WorkloadResult {
    pub name: &'static str,
    pub what: &'static str,
    pub rows: Vec<Row>,
    pub targets: Vec<TargetResult>,
    pub target_markers: Vec<f64>,
}

impl WorkloadResult {
    /// Evaluates `targets` on `rows`.
    pub fn new(name: &'static str, what: &'static str, rows: Vec<Row>, targets: &[Target]) -> Self {
        let evaluated = targets
            .iter()
            .filter_map(|&t| evaluate(name, &rows, t))
            .collect();
        let target_markers = targets.iter().filter_map(|&t| marker(&rows, t)).collect();
        Self {
            name,
            what,
            rows,
            targets: evaluated,
            target_markers,
        }
    }

    /// The unit of the workload's figures.
    pub fn unit(&self) -> &'static str {
        self.rows.first().map_or("", |row| row.unit)
    }
}

/// Where a target sits as a ratio to the best peer.
fn marker(rows: &[Row], target: Target) -> Option<f64> {
    let best = best_peer(rows)?.median;
    if best <= 0.0 {
        return None;
    }
    match target {
        Target::Ratio { peer: None, max } => Some(max),
        Target::Ratio {
            peer: Some(name),
            max,
        } => {
            let reference = rows.iter().find(|row| row.implementation == name)?;
            Some(max * reference.median / best)
        }
        Target::Absolute { max } => Some(max / best),
        Target::Overhead { max, .. } => Some(max * subject(rows)?.median / best),
    }
}

/// A target evaluated against a run.
#[derive(Debug, Clone, Serialize)]
pub struct TargetResult {
    pub workload: &'static str,
    pub target: String,
    pub measured: f64,
    pub met: bool,
}

/// The best (lowest) peer median of a workload's rows, with the peer's name.
pub fn best_peer(rows: &[Row]) -> Option<&Row> {
    rows.iter()
        .filter(|row| row.role == Role::Peer)
        .min_by(|a, b| a.median.total_cmp(&b.median))
}

fn subject(rows: &[Row]) -> Option<&Row> {
    rows.iter().find(|row| row.role == Role::Subject)
}

/// Evaluates `target` on a workload's rows.
pub fn evaluate(workload: &'static str, rows: &[Row], target: Target) -> Option<TargetResult> {
    let subject = subject(rows)?;
    match target {
        Target::Ratio { peer, max } => {
            let reference = match peer {
                Some(name) => rows.iter().find(|row| row.implementation == name)?,
                None => best_peer(rows)?,
            };
            let ratio = subject.median / reference.median;
            Some(TargetResult {
                workload,
                target: format!("≤ {max:.2} × {}", reference.implementation),
                measured: ratio,
                met: ratio <= max,
            })
        }
        Target::Absolute { max } => Some(TargetResult {
            workload,
            target: format!("≤ {max} {}", subject.unit),
            measured: subject.median,
            met: subject.median <= max,
        }),
        Target::Overhead { row, max } => {
            let costly = rows
                .iter()
                .find(|candidate| candidate.implementation == row)?;
            let ratio = costly.median / subject.median;
            Some(TargetResult {
                workload,
                target: format!("{row} ≤ {max:.2} × {}", subject.implementation),
                measured: ratio,
                met: ratio <= max,
            })
        }
    }
}

/// The hooks-off ratio of a workload: threadkit's median over the hooks-compiled-out build's.
pub fn hooks_cost(rows: &[Row]) -> Option<f64> {
    let subject = subject(rows)?;
    let off = rows.iter().find(|row| row.role == Role::HooksOff)?;
    Some(subject.median / off.median)
}

/// Renders one workload as text.
pub fn render(result: &WorkloadResult) -> String {
    let (workload, what, rows, targets) = (result.name, result.what, &result.rows, &result.targets);
    let mut out = String::new();
    let unit = result.unit();
    let _ = writeln!(out, "{workload}  ({unit}; {what})");
    let best = best_peer(rows).map(|row| row.median);
    let width = rows
        .iter()
        .map(|row| row.implementation.len())
        .max()
        .unwrap_or(10)
        .max(10);
    let _ = writeln!(
        out,
        "  {:<width$}  {:>10}  {:>10}  {:>10}  {:>10}",
        "implementation", "median", "min", "max", "/ best peer"
    );
    for row in rows {
        let ratio = match (row.role, best) {
            (Role::Peer, _) | (_, None) => String::new(),
            (_, Some(best)) => format!("{:.2}×", row.median / best),
        };
        let _ = writeln!(
            out,
            "  {:<width$}  {:>10}  {:>10}  {:>10}  {:>10}",
            row.implementation,
            figure(row.median),
            figure(row.min),
            figure(row.max),
            ratio
        );
    }
    if let Some(cost) = hooks_cost(rows) {
        let _ = writeln!(
            out,
            "  diagnostics hooks (off) cost: {cost:.3}× the build without them"
        );
    }
    for target in targets {
        let measured = if target.target.contains('×') {
            format!("{:.2}×", target.measured)
        } else {
            figure(target.measured)
        };
        let verdict = if target.met { "met" } else { "NOT met" };
        let _ = writeln!(out, "  target {}: {measured} — {verdict}", target.target);
    }
    out
}

/// Renders a whole run as BENCHMARKS.md: how to regenerate it, the chart, every
/// target with its verdict, the cost of the diagnostics hooks, every workload's table,
/// and the notes kept in `notes` (hand-written explanations).
pub fn markdown(
    machine: &Machine,
    quick: bool,
    svg_path: Option<&str>,
    results: &[WorkloadResult],
    notes: &str,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Benchmarks\n");
    let _ = writeln!(
        out,
        "One {} run of `threadkit bench` on {machine}: every implementation of a workload runs in \
         the same process, interleaved, and is summarized by the median of its samples (lower is \
         better). Regenerate this file with:\n",
        if quick { "quick" } else { "full" }
    );
    let _ = writeln!(
        out,
        "```sh\ncargo run --release --bin threadkit -- bench --json target/bench.json --svg docs/bench.svg --markdown BENCHMARKS.md\n```\n"
    );
    if let Some(svg) = svg_path {
        let _ = writeln!(
            out,
            "![Ratio of each implementation to the best peer, per workload]({svg})\n"
        );
    }
    let _ = writeln!(out, "## Targets\n");
    let _ = writeln!(
        out,
        "| workload | target | measured | verdict |\n|---|---|---|---|"
    );
    for target in results.iter().flat_map(|r| &r.targets) {
        let measured = if target.target.contains('×') {
            format!("{:.2}×", target.measured)
        } else {
            figure(target.measured)
        };
        let _ = writeln!(
            out,
            "| {} | {} | {measured} | {} |",
            target.workload,
            target.target.replace('|', "\\|"),
            if target.met { "met" } else { "**not met**" }
        );
    }
    let hooks: Vec<_> = results
        .iter()
        .filter_map(|r| Some((r.name, hooks_cost(&r.rows)?)))
        .collect();
    if !hooks.is_empty() {
        let _ = writeln!(
            out,
            "\n## Cost of the diagnostics hooks while off\n\nthreadkit's median over the same sources \
             compiled without the hooks (`crates/threadkit-nohooks`), measured in the same run; target ≤ 1.05.\n"
        );
        let _ = writeln!(out, "| workload | hooks off / compiled out |\n|---|---|");
        for (name, cost) in hooks {
            let _ = writeln!(out, "| {name} | {cost:.3} |");
        }
    }
    if !notes.trim().is_empty() {
        let _ = writeln!(out, "\n{}", notes.trim());
    }
    let _ = writeln!(out, "\n## Every workload\n");
    for result in results {
        let _ = writeln!(
            out,
            "### {} ({}; {})\n",
            result.name,
            result.unit(),
            result.what
        );
        let best = best_peer(&result.rows).map(|row| row.median);
        let _ = writeln!(
            out,
            "| implementation | median | min | max | / best peer |\n|---|---|---|---|---|"
        );
        for row in &result.rows {
            let ratio = match (row.role, best) {
                (Role::Peer, _) | (_, None) => String::new(),
                (_, Some(best)) => format!("{:.2}×", row.median / best),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {ratio} |",
                row.implementation.replace('|', "\\|"),
                figure(row.median),
                figure(row.min),
                figure(row.max)
            );
        }
        let _ = writeln!(out);
    }
    out
}

fn figure(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}
