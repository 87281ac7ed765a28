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
    pub rows: &'a [Row],
    pub targets: Vec<TargetResult>,
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
    }
}

/// The hooks-off ratio of a workload: threadkit's median over the hooks-compiled-out build's.
pub fn hooks_cost(rows: &[Row]) -> Option<f64> {
    let subject = subject(rows)?;
    let off = rows.iter().find(|row| row.role == Role::HooksOff)?;
    Some(subject.median / off.median)
}

/// Renders one workload as text.
pub fn render(
    workload: &'static str,
    what: &str,
    rows: &[Row],
    targets: &[TargetResult],
) -> String {
    let mut out = String::new();
    let unit = rows.first().map_or("", |row| row.unit);
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

fn figure(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}
