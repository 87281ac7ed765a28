//! What a scene is and what it reports.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

/// How long a scene waits for what should take microseconds before calling it a
/// failure: a safety net, never a way to let a race settle.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// One classic scenario.
pub struct Scene {
    /// Short name for `--scene`.
    pub name: &'static str,
    /// The title line.
    pub title: &'static str,
    /// One or two sentences: the lesson the scene shows.
    pub lesson: &'static str,
    /// Runs the scene.
    pub run: fn(&mut Report),
}

/// What a scene observed, and its verdict.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// Lines describing what happened, in order.
    pub lines: Vec<String>,
    /// Named figures (for `--json`).
    pub figures: BTreeMap<&'static str, serde_json::Value>,
    /// Checks that decide the verdict: (what, held).
    pub checks: Vec<(String, bool)>,
}

impl Report {
    /// Records a line of narration.
    pub fn say(&mut self, line: impl Into<String>) {
        self.lines.push(line.into());
    }

    /// Records a figure.
    pub fn figure(&mut self, name: &'static str, value: impl Into<serde_json::Value>) {
        self.figures.insert(name, value.into());
    }

    /// Records a check; the scene passes only if every check holds.
    pub fn check(&mut self, what: impl Into<String>, held: bool) {
        self.checks.push((what.into(), held));
    }

    /// Whether every check held (and there was at least one).
    pub fn passed(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|(_, held)| *held)
    }
}

/// Formats a count with thin separators: 200 000.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(200_000), "200 000");
        assert_eq!(count(1_234_567), "1 234 567");
    }

    #[test]
    fn verdict_needs_checks_and_all_of_them() {
        let mut report = Report::default();
        assert!(!report.passed());
        report.check("a", true);
        assert!(report.passed());
        report.check("b", false);
        assert!(!report.passed());
    }
}
