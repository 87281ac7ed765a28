//! The measuring loop: every implementation of a workload runs in the same process,
//! interleaved (one sample of each in turn, the order rotating every repetition), and
//! each is summarized by the median, min and max of its samples.

use std::time::{Duration, Instant};

use serde::Serialize;

/// What an implementation is, for the ratios.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// threadkit itself.
    Subject,
    /// A peer threadkit is compared with.
    Peer,
    /// threadkit built with its diagnostics hooks compiled out (the cost of the hooks).
    HooksOff,
    /// threadkit with diagnostics (deadlock detection) switched on.
    DiagnosticsOn,
}

/// Runs `iters` operations and returns how long they took.
pub type Sampler = Box<dyn FnMut(u64) -> Duration>;

/// One implementation of a workload.
pub struct Impl {
    pub name: &'static str,
    pub role: Role,
    pub kind: ImplKind,
}

/// How an implementation is measured.
pub enum ImplKind {
    /// Timed: nanoseconds per operation.
    Timed(Sampler),
    /// A fixed figure (a size in bytes).
    Fixed(f64),
}

/// A target from the issues, shown beside the result.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// threadkit's median over the best peer's (or the named peer's) median.
    Ratio {
        peer: Option<&'static str>,
        max: f64,
    },
    /// threadkit's median, in the workload's unit.
    Absolute { max: f64 },
    /// The named row's median over threadkit's (a cost threadkit pays for a feature).
    Overhead { row: &'static str, max: f64 },
}

/// A workload: one row per implementation.
pub struct Workload {
    pub name: &'static str,
    pub unit: &'static str,
    pub what: &'static str,
    pub targets: Vec<Target>,
    pub impls: Vec<Impl>,
}

impl Workload {
    pub fn new(name: &'static str, unit: &'static str, what: &'static str) -> Self {
        Self {
            name,
            unit,
            what,
            targets: Vec::new(),
            impls: Vec::new(),
        }
    }

    pub fn target(mut self, target: Target) -> Self {
        self.targets.push(target);
        self
    }

    pub fn timed(
        mut self,
        name: &'static str,
        role: Role,
        sampler: impl FnMut(u64) -> Duration + 'static,
    ) -> Self {
        self.impls.push(Impl {
            name,
            role,
            kind: ImplKind::Timed(Box::new(sampler)),
        });
        self
    }

    pub fn fixed(mut self, name: &'static str, role: Role, value: f64) -> Self {
        self.impls.push(Impl {
            name,
            role,
            kind: ImplKind::Fixed(value),
        });
        self
    }
}

/// How long and how often to measure.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Target duration of one sample.
    pub sample: Duration,
    /// Samples per implementation.
    pub repetitions: usize,
}

/// One result row (the JSON schema of `threadkit bench --json`).
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub workload: &'static str,
    #[serde(rename = "impl")]
    pub implementation: &'static str,
    pub role: Role,
    pub unit: &'static str,
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub samples: usize,
}

/// Measures every implementation of `workload`; `progress` is called after each sample.
pub fn measure(
    workload: &mut Workload,
    settings: Settings,
    mut progress: impl FnMut(),
) -> Vec<Row> {
    let count = workload.impls.len();
    let mut iters = vec![0u64; count];
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); count];
    for (index, implementation) in workload.impls.iter_mut().enumerate() {
        if let ImplKind::Timed(sampler) = &mut implementation.kind {
            iters[index] = calibrate(sampler, settings.sample);
        }
    }
    for repetition in 0..settings.repetitions {
        for offset in 0..count {
            let index = (repetition + offset) % count;
            let value = match &mut workload.impls[index].kind {
                ImplKind::Timed(sampler) => {
                    let elapsed = sampler(iters[index]);
                    elapsed.as_nanos() as f64 / iters[index] as f64
                }
                ImplKind::Fixed(value) => *value,
            };
            samples[index].push(value);
            progress();
        }
    }
    workload
        .impls
        .iter()
        .zip(samples)
        .map(|(implementation, mut values)| {
            values.sort_by(f64::total_cmp);
            Row {
                workload: workload.name,
                implementation: implementation.name,
                role: implementation.role,
                unit: workload.unit,
                median: median(&values),
                min: values.first().copied().unwrap_or(f64::NAN),
                max: values.last().copied().unwrap_or(f64::NAN),
                samples: values.len(),
            }
        })
        .collect()
}

/// Finds an iteration count whose sample takes about `target`.
fn calibrate(sampler: &mut Sampler, target: Duration) -> u64 {
    let mut iters = 16u64;
    loop {
        let started = Instant::now();
        let elapsed = sampler(iters).max(Duration::from_nanos(1));
        let spent = started.elapsed();
        if elapsed >= target / 8 || iters >= 1 << 36 || spent >= target {
            let scale = target.as_secs_f64() / elapsed.as_secs_f64();
            return ((iters as f64 * scale) as u64).max(1);
        }
        iters *= 4;
    }
}

fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(median(&[1.0, 2.0, 9.0]), 2.0);
        assert_eq!(median(&[1.0, 2.0, 4.0, 9.0]), 3.0);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn measures_every_implementation_interleaved() {
        let order = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let (a, b) = (order.clone(), order.clone());
        let mut workload = Workload::new("test/sleep", "ns/op", "")
            .timed("a", Role::Subject, move |iters| {
                a.borrow_mut().push('a');
                Duration::from_nanos(iters * 10)
            })
            .timed("b", Role::Peer, move |iters| {
                b.borrow_mut().push('b');
                Duration::from_nanos(iters * 20)
            })
            .fixed("c", Role::Peer, 8.0);
        let rows = measure(
            &mut workload,
            Settings {
                sample: Duration::from_millis(1),
                repetitions: 3,
            },
            || {},
        );
        assert_eq!(rows.len(), 3);
        assert!((rows[0].median - 10.0).abs() < 0.5, "{rows:?}");
        assert!((rows[1].median - 20.0).abs() < 0.5, "{rows:?}");
        assert_eq!(rows[2].median, 8.0);
        assert!(rows.iter().all(|row| row.samples == 3));
        // Calibration runs first; then the samples alternate.
        let sampled: String = order.borrow().iter().rev().take(6).collect();
        assert!(sampled.contains("ab") || sampled.contains("ba"));
    }
}
