//! `--baseline PATH`: compares a run with a saved `--json` run and flags regressions
//! that exceed the noise seen between repetitions.

use std::path::Path;

use serde::Deserialize;

use super::harness::Row;

/// A row as saved in a JSON run (only what the comparison needs).
#[derive(Debug, Clone, Deserialize)]
pub struct SavedRow {
    pub workload: String,
    #[serde(rename = "impl")]
    pub implementation: String,
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

#[derive(Debug, Deserialize)]
struct SavedRun {
    rows: Vec<SavedRow>,
}

/// Reads the rows of a saved run.
pub fn load(path: &Path) -> Result<Vec<SavedRow>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
    let run: SavedRun = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{} is not a `threadkit bench --json` file: {e}",
            path.display()
        )
    })?;
    Ok(run.rows)
}

/// One implementation compared with its baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub workload: String,
    pub implementation: String,
    pub before: f64,
    pub after: f64,
    /// after / before.
    pub ratio: f64,
    /// The relative spread (max − min) / median of the noisier of the two runs.
    pub noise: f64,
    pub verdict: Verdict,
}

/// What a comparison concludes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Slower by more than the noise.
    Regression,
    /// Faster by more than the noise.
    Improvement,
    /// Within the noise.
    Unchanged,
}

/// The spread of a row relative to its median.
fn spread(min: f64, max: f64, median: f64) -> f64 {
    if median > 0.0 {
        (max - min) / median
    } else {
        0.0
    }
}

/// Compares `rows` with `baseline`, row by row (same workload and implementation).
pub fn compare(rows: &[Row], baseline: &[SavedRow]) -> Vec<Comparison> {
    rows.iter()
        .filter_map(|row| {
            let before = baseline
                .iter()
                .find(|b| b.workload == row.workload && b.implementation == row.implementation)?;
            if before.median <= 0.0 || row.unit == "bytes" {
                return None;
            }
            let noise = spread(row.min, row.max, row.median).max(spread(
                before.min,
                before.max,
                before.median,
            ));
            let ratio = row.median / before.median;
            let verdict = if ratio > 1.0 + noise {
                Verdict::Regression
            } else if ratio < 1.0 / (1.0 + noise) {
                Verdict::Improvement
            } else {
                Verdict::Unchanged
            };
            Some(Comparison {
                workload: row.workload.to_owned(),
                implementation: row.implementation.to_owned(),
                before: before.median,
                after: row.median,
                ratio,
                noise,
                verdict,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::harness::Role;

    fn row(median: f64, min: f64, max: f64) -> Row {
        Row {
            workload: "w",
            implementation: "threadkit",
            role: Role::Subject,
            unit: "ns/op",
            median,
            min,
            max,
            samples: 5,
        }
    }

    fn saved(median: f64, min: f64, max: f64) -> SavedRow {
        SavedRow {
            workload: "w".into(),
            implementation: "threadkit".into(),
            median,
            min,
            max,
        }
    }

    #[test]
    fn regressions_must_exceed_the_noise() {
        // 10 % slower with 5 % noise: a regression.
        let c = &compare(&[row(11.0, 10.8, 11.3)], &[saved(10.0, 9.8, 10.3)])[0];
        assert_eq!(c.verdict, Verdict::Regression);
        // 10 % slower with 30 % noise: within the noise.
        let c = &compare(&[row(11.0, 9.0, 12.3)], &[saved(10.0, 9.8, 10.3)])[0];
        assert_eq!(c.verdict, Verdict::Unchanged);
        // Twice as fast: an improvement.
        let c = &compare(&[row(5.0, 4.9, 5.1)], &[saved(10.0, 9.8, 10.3)])[0];
        assert_eq!(c.verdict, Verdict::Improvement);
        assert!((c.ratio - 0.5).abs() < 1e-9);
    }

    #[test]
    fn rows_missing_from_the_baseline_are_skipped() {
        let mut other = saved(10.0, 9.0, 11.0);
        other.workload = "elsewhere".into();
        assert!(compare(&[row(1.0, 1.0, 1.0)], &[other]).is_empty());
    }
}
