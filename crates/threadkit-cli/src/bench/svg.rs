//! `--svg PATH`: a chart of each implementation's ratio to the best peer, per workload,
//! on a log scale, with the workload's target marked.
//!
//! Bars grow from the 1× line: to the left for faster than the best peer, to the right
//! for slower. Drawn by hand: a few dozen rectangles and labels, which is simpler than
//! bending a plotting library to diverging log-scale bars with per-group targets.

use std::fmt::Write as _;

use super::harness::{Role, Row};
use super::report::{Machine, WorkloadResult};

const WIDTH: f64 = 980.0;
const LABEL: f64 = 330.0;
const CHART: f64 = WIDTH - LABEL - 110.0;
const BAR: f64 = 13.0;
const GAP: f64 = 3.0;
const GROUP_GAP: f64 = 12.0;
const TOP: f64 = 74.0;
/// The axis spans these ratios.
const LOW: f64 = 0.01;
const HIGH: f64 = 100.0;

/// The x position of a ratio.
fn x(ratio: f64) -> f64 {
    let clamped = ratio.clamp(LOW, HIGH);
    LABEL + (clamped.log10() - LOW.log10()) / (HIGH.log10() - LOW.log10()) * CHART
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn colour(role: Role) -> &'static str {
    match role {
        Role::Subject => "#1f6feb",
        Role::HooksOff => "#8cb4f5",
        Role::DiagnosticsOn => "#bf8700",
        Role::Peer => "#8b949e",
    }
}

/// Renders the chart of `results`.
pub fn render(machine: &Machine, results: &[WorkloadResult]) -> String {
    let rows: usize = results.iter().map(|r| r.rows.len()).sum();
    let height = TOP + results.len() as f64 * (GROUP_GAP + 18.0) + rows as f64 * (BAR + GAP) + 40.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0}" viewBox="0 0 {WIDTH} {height:.0}" font-family="sans-serif" font-size="11">"##
    );
    let _ = writeln!(svg, r##"<rect width="100%" height="100%" fill="white"/>"##);
    let _ = writeln!(
        svg,
        r##"<text x="10" y="20" font-size="15" font-weight="bold">threadkit bench: median / best peer's median (log scale; left of 1× is faster)</text>"##
    );
    let _ = writeln!(
        svg,
        r##"<text x="10" y="38" fill="#57606a">{}</text>"##,
        escape(&machine.to_string())
    );
    legend(&mut svg);
    // Axis: decade lines and labels.
    for ratio in [0.01, 0.1, 1.0, 10.0, 100.0] {
        let at = x(ratio);
        let (stroke, width) = if ratio == 1.0 {
            ("#24292f", 1.2)
        } else {
            ("#d0d7de", 0.8)
        };
        let _ = writeln!(
            svg,
            r##"<line x1="{at:.1}" y1="{TOP:.0}" x2="{at:.1}" y2="{:.0}" stroke="{stroke}" stroke-width="{width}"/>"##,
            height - 30.0
        );
        let _ = writeln!(
            svg,
            r##"<text x="{at:.1}" y="{:.0}" text-anchor="middle" fill="#57606a">{ratio}×</text>"##,
            TOP - 4.0
        );
    }
    let mut y = TOP + 6.0;
    for result in results {
        y += GROUP_GAP;
        let _ = writeln!(
            svg,
            r##"<text x="10" y="{:.1}" font-weight="bold">{} <tspan fill="#57606a" font-weight="normal">({})</tspan></text>"##,
            y + 6.0,
            escape(result.name),
            escape(result.unit())
        );
        y += 14.0;
        let best = super::report::best_peer(&result.rows).map(|row| row.median);
        let group_top = y;
        for row in &result.rows {
            draw_bar(&mut svg, row, best, y);
            y += BAR + GAP;
        }
        for marker in &result.target_markers {
            let at = x(*marker);
            let _ = writeln!(
                svg,
                r##"<line x1="{at:.1}" y1="{:.1}" x2="{at:.1}" y2="{:.1}" stroke="#cf222e" stroke-width="2" stroke-dasharray="3,2"><title>target</title></line>"##,
                group_top - 2.0,
                y - GAP + 2.0
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
}

fn draw_bar(svg: &mut String, row: &Row, best: Option<f64>, y: f64) {
    let _ = writeln!(
        svg,
        r##"<text x="{:.0}" y="{:.1}" text-anchor="end">{}</text>"##,
        LABEL - 6.0,
        y + BAR - 3.0,
        escape(row.implementation)
    );
    let Some(best) = best.filter(|b| *b > 0.0) else {
        return;
    };
    let ratio = row.median / best;
    let (from, to) = if ratio < 1.0 {
        (x(ratio), x(1.0))
    } else {
        (x(1.0), x(ratio))
    };
    let _ = writeln!(
        svg,
        r##"<rect x="{from:.1}" y="{y:.1}" width="{:.1}" height="{BAR}" fill="{}"><title>{} {}: {:.3} {} ({ratio:.2}×)</title></rect>"##,
        (to - from).max(1.0),
        colour(row.role),
        escape(row.workload),
        escape(row.implementation),
        row.median,
        escape(row.unit)
    );
    let _ = writeln!(
        svg,
        r##"<text x="{:.1}" y="{:.1}" fill="#24292f">{ratio:.2}×</text>"##,
        x(ratio.max(1.0)) + 4.0,
        y + BAR - 3.0
    );
}

fn legend(svg: &mut String) {
    let entries = [
        (Role::Subject, "threadkit"),
        (Role::HooksOff, "threadkit, diagnostics hooks compiled out"),
        (Role::DiagnosticsOn, "threadkit, deadlock detection on"),
        (Role::Peer, "peers"),
    ];
    let mut at = 10.0;
    for (role, label) in entries {
        let _ = writeln!(
            svg,
            r##"<rect x="{at}" y="48" width="12" height="10" fill="{}"/><text x="{}" y="57">{label}</text>"##,
            colour(role),
            at + 16.0
        );
        at += 30.0 + label.len() as f64 * 6.0;
    }
    let _ = writeln!(
        svg,
        r##"<line x1="{at}" y1="53" x2="{}" y2="53" stroke="#cf222e" stroke-width="2" stroke-dasharray="3,2"/><text x="{}" y="57">target</text>"##,
        at + 16.0,
        at + 20.0
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_scale_places_decades_evenly() {
        let step = x(10.0) - x(1.0);
        assert!((x(1.0) - x(0.1) - step).abs() < 1e-9);
        assert!((x(100.0) - x(10.0) - step).abs() < 1e-9);
        assert_eq!(x(1e9), x(HIGH), "clamped");
    }

    #[test]
    fn names_are_escaped() {
        assert_eq!(
            escape("Mutex<VecDeque>+Condvar & co"),
            "Mutex&lt;VecDeque&gt;+Condvar &amp; co"
        );
    }
}
