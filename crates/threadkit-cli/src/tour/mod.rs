//! `threadkit tour`: every classic threading scenario, run live, each with what it
//! shows, what happened, and a verdict computed from what happened.

mod scene;
mod scenes;

use std::io::{IsTerminal, Write};
use std::time::Instant;

use scene::{Report, Scene};

/// Options of `threadkit tour`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  threadkit tour\n  threadkit tour --list\n  threadkit tour --scene race --scene rlock\n  threadkit tour --json > tour.json"
)]
pub struct TourArgs {
    /// List the scenes instead of running them.
    #[arg(long)]
    pub list: bool,
    /// Run only this scene (may be given several times; see --list).
    #[arg(long = "scene", value_name = "NAME")]
    pub scenes: Vec<String>,
    /// Print only each scene's verdict line.
    #[arg(long)]
    pub quiet: bool,
    /// Print one JSON object per scene (name, title, verdict, figures) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Every scene, in tour order.
pub fn all_scenes() -> Vec<Scene> {
    let mut all = scenes::core::scenes();
    all.extend(scenes::queues::scenes());
    all.extend(scenes::threads::scenes());
    all.extend(scenes::deadlock::scenes());
    #[cfg(target_os = "linux")]
    all.extend(scenes::ipc::scenes());
    all
}

/// Runs the tour; returns the exit code (1 if a scene's verdict failed).
pub fn main(args: &TourArgs) -> crate::bench::anyhow_free::Result {
    // The second process of the cross-process scene.
    #[cfg(target_os = "linux")]
    if let Some(code) = scenes::ipc::child_main() {
        return Ok(code);
    }
    let all = all_scenes();
    if args.list {
        for scene in &all {
            println!("{:<20} {}", scene.name, scene.title);
        }
        return Ok(0);
    }
    let unknown: Vec<_> = args
        .scenes
        .iter()
        .filter(|name| !all.iter().any(|s| s.name == name.as_str()))
        .collect();
    if !unknown.is_empty() {
        eprintln!("threadkit tour: unknown scene {unknown:?}; `threadkit tour --list` shows them");
        return Ok(2);
    }
    let selected: Vec<&Scene> = all
        .iter()
        .filter(|s| args.scenes.is_empty() || args.scenes.iter().any(|n| n == s.name))
        .collect();
    let style = Style::detect();
    let started = Instant::now();
    let mut failed = 0;
    for (number, scene) in selected.iter().enumerate() {
        let mut report = Report::default();
        let scene_started = Instant::now();
        (scene.run)(&mut report);
        let seconds = scene_started.elapsed().as_secs_f64();
        let passed = report.passed();
        failed += usize::from(!passed);
        if args.json {
            let object = serde_json::json!({
                "name": scene.name,
                "title": scene.title,
                "verdict": if passed { "pass" } else { "fail" },
                "seconds": seconds,
                "figures": report.figures,
                "checks": report.checks.iter().map(|(what, held)| serde_json::json!({"check": what, "held": held})).collect::<Vec<_>>(),
            });
            println!("{object}");
        } else {
            print_scene(number + 1, scene, &report, args.quiet, style);
        }
        let _ = std::io::stdout().flush();
    }
    if !args.json && !args.quiet {
        let total = selected.len();
        let summary = format!(
            "{} of {total} scenes passed in {:.1} s",
            total - failed,
            started.elapsed().as_secs_f64()
        );
        println!(
            "{}",
            if failed == 0 {
                style.good(&summary)
            } else {
                style.bad(&summary)
            }
        );
    }
    Ok(if failed == 0 { 0 } else { 1 })
}

fn print_scene(number: usize, scene: &Scene, report: &Report, quiet: bool, style: Style) {
    let mark = if report.passed() {
        style.good("✔")
    } else {
        style.bad("✘")
    };
    if quiet {
        println!("{mark} {} — {}", scene.name, scene.title);
        return;
    }
    println!(
        "{}",
        style.bold(&format!("━━ {number}. {} — {}", scene.name, scene.title))
    );
    println!("   {}", style.dim(scene.lesson));
    for line in &report.lines {
        println!("   {line}");
    }
    for (what, held) in &report.checks {
        let mark = if *held {
            style.good("✔")
        } else {
            style.bad("✘")
        };
        println!("   {mark} {what}");
    }
    println!();
}

/// ANSI styling, only on a terminal and unless `NO_COLOR` is set.
#[derive(Debug, Clone, Copy)]
struct Style {
    color: bool,
}

impl Style {
    fn detect() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self {
            color: std::io::stdout().is_terminal() && !no_color,
        }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn good(self, text: &str) -> String {
        self.paint("32", text)
    }

    fn bad(self, text: &str) -> String {
        self.paint("31", text)
    }

    fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }
}
