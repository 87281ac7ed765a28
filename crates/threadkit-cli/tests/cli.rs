//! The `threadkit` binary as users run it.

use std::process::Command;

fn threadkit(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_threadkit"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run threadkit")
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8")
}

#[test]
fn tour_lists_its_scenes() {
    let output = threadkit(&["tour", "--list"]);
    assert!(output.status.success());
    let text = stdout(&output);
    for scene in [
        "parallel-sleep",
        "race",
        "bank-account",
        "rlock",
        "bounded-semaphore",
        "event",
        "condition",
        "barrier",
        "queue-workers",
        "back-pressure",
        "priority-jobs",
        "queue-shutdown",
        "fake-database",
        "pool-panic",
        "as-completed",
        "daemon-threads",
        "thread-states",
        "double-acquire",
        "opposite-order",
        "dining-philosophers",
        "order-inversion",
        "thread-dump",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(scene)),
            "{scene} missing from:\n{text}"
        );
    }
}

#[test]
fn tour_scenes_report_json_verdicts() {
    let output = threadkit(&[
        "tour",
        "--json",
        "--scene",
        "bank-account",
        "--scene",
        "rlock",
        "--scene",
        "race",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let scenes: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(scenes.len(), 3);
    for scene in &scenes {
        assert_eq!(scene["verdict"], "pass", "{scene}");
        assert!(scene["checks"].as_array().is_some_and(|c| !c.is_empty()));
    }
    let bank = scenes.iter().find(|s| s["name"] == "bank-account").unwrap();
    assert_eq!(bank["figures"]["balance"], 40);
    let race = scenes.iter().find(|s| s["name"] == "race").unwrap();
    assert_eq!(race["figures"]["with_lock"], 2_000_000);
}

#[test]
fn tour_text_has_titles_lessons_and_verdicts() {
    let output = threadkit(&["tour", "--scene", "bank-account"]);
    let text = stdout(&output);
    assert!(text.contains("bank-account — A bank account under a Lock"));
    assert!(text.contains("✔ the balance is 40"));
    assert!(!text.contains('\u{1b}'), "no colour when piped");
    let quiet = stdout(&threadkit(&["tour", "--quiet", "--scene", "rlock"]));
    assert_eq!(quiet.trim(), "✔ rlock — RLock: the holder may enter again");
}

#[test]
fn unknown_scene_is_a_usage_error() {
    let output = threadkit(&["tour", "--scene", "no-such-scene"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--list"));
}

#[test]
fn bad_arguments_exit_with_2() {
    let output = threadkit(&["bench", "--no-such-flag"]);
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("--no-such-flag"), "{message}");
    assert!(message.contains("--help"), "points to the help: {message}");
    let output = threadkit(&["frobnicate"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("frobnicate"));
}

/// The scenes of the threads and diagnostics lessons, each with its figures.
#[test]
fn thread_and_deadlock_scenes_pass_with_their_figures() {
    let output = threadkit(&[
        "tour",
        "--json",
        "--scene",
        "daemon-threads",
        "--scene",
        "pool-panic",
        "--scene",
        "double-acquire",
        "--scene",
        "dining-philosophers",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let scenes: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(scenes.len(), 4);
    for scene in &scenes {
        assert_eq!(scene["verdict"], "pass", "{scene}");
    }
    let daemon = scenes
        .iter()
        .find(|s| s["name"] == "daemon-threads")
        .unwrap();
    assert_eq!(daemon["figures"]["saves"], 3);
    let dining = scenes
        .iter()
        .find(|s| s["name"] == "dining-philosophers")
        .unwrap();
    assert_eq!(dining["figures"]["ate"], 5);
    assert_eq!(dining["figures"]["reports"], 1);
}

#[test]
fn bench_writes_json_rows() {
    let path = std::env::temp_dir().join(format!("threadkit-bench-{}.json", std::process::id()));
    let output = threadkit(&[
        "bench",
        "--quick",
        "--json",
        path.to_str().unwrap(),
        "size/",
        "event/wait-set",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    std::fs::remove_file(&path).ok();
    assert!(document["machine"]["cores"].as_u64().unwrap() >= 1);
    let rows = document["rows"].as_array().unwrap();
    for row in rows {
        for field in ["workload", "impl", "unit"] {
            assert!(row[field].is_string(), "{field} in {row}");
        }
        for field in ["median", "min", "max"] {
            assert!(
                row[field].is_f64() || row[field].is_u64(),
                "{field} in {row}"
            );
        }
        assert!(
            row["min"].as_f64() <= row["median"].as_f64()
                && row["median"].as_f64() <= row["max"].as_f64()
        );
    }
    let lock_size = rows
        .iter()
        .find(|r| r["workload"] == "size/lock" && r["impl"] == "threadkit Lock<()>")
        .expect("size/lock row");
    assert_eq!(lock_size["median"], 8.0);
    assert!(
        rows.iter()
            .any(|r| r["workload"] == "event/wait-set" && r["impl"] == "parking_lot Mutex+Condvar")
    );
    assert!(
        document["targets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["workload"] == "size/lock")
    );
}

#[test]
fn queue_scenes_pass() {
    let output = threadkit(&[
        "tour",
        "--json",
        "--scene",
        "queue-workers",
        "--scene",
        "queue-shutdown",
        "--scene",
        "priority-jobs",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for line in stdout(&output).lines() {
        let scene: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(scene["verdict"], "pass", "{scene}");
    }
}

#[test]
fn bench_lists_workloads_and_rejects_unknown_filters() {
    let listed = stdout(&threadkit(&["bench", "--list"]));
    for workload in [
        "lock/uncontended",
        "lock/contended-2",
        "rlock/first",
        "semaphore/uncontended",
        "event/pingpong",
        "condition/pingpong",
        "barrier/2",
    ] {
        assert!(listed.contains(workload), "{workload}");
    }
    assert_eq!(
        threadkit(&["bench", "nothing-matches"]).status.code(),
        Some(2)
    );
}

fn temp_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("threadkit-{}-{name}", std::process::id()))
}

#[test]
fn bench_draws_a_valid_svg_chart_and_markdown() {
    let svg = temp_path("chart.svg");
    let markdown = temp_path("bench.md");
    let output = threadkit(&[
        "bench",
        "--quick",
        "--svg",
        svg.to_str().unwrap(),
        "--markdown",
        markdown.to_str().unwrap(),
        "size/lock",
        "event/wait-set",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&svg).unwrap();
    let document = roxmltree::Document::parse(&text).expect("well-formed SVG");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let bars = root
        .descendants()
        .filter(|n| n.has_tag_name("rect"))
        .count();
    assert!(
        bars >= 7,
        "a bar per implementation (and the legend): {bars}"
    );
    assert!(
        text.contains("size/lock") && text.contains("event/wait-set") && text.contains("cores")
    );
    assert!(text.contains("Mutex+Condvar"));
    let md = std::fs::read_to_string(&markdown).unwrap();
    assert!(md.starts_with("# Benchmarks"));
    assert!(md.contains("| size/lock | ≤ 8 bytes |"), "{md}");
    assert!(
        md.contains("--markdown BENCHMARKS.md"),
        "says how to regenerate it"
    );
    std::fs::remove_file(&svg).ok();
    std::fs::remove_file(&markdown).ok();
}

#[test]
fn bench_compares_with_a_baseline() {
    let saved = temp_path("baseline.json");
    // A baseline in which threadkit was implausibly fast: the new run must flag it.
    let baseline = serde_json::json!({
        "machine": {"cpu": "x", "cores": 2, "os": "linux", "rustc": "r"},
        "rows": [
            {"workload": "event/wait-set", "impl": "threadkit", "unit": "ns/op", "median": 0.0001, "min": 0.0001, "max": 0.0001},
            {"workload": "event/wait-set", "impl": "std Mutex+Condvar", "unit": "ns/op", "median": 1e9, "min": 1e9, "max": 1e9}
        ]
    });
    std::fs::write(&saved, baseline.to_string()).unwrap();
    let output = threadkit(&[
        "bench",
        "--quick",
        "--baseline",
        saved.to_str().unwrap(),
        "event/wait-set",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = stdout(&output);
    assert!(text.contains("compared with the baseline"), "{text}");
    let threadkit_line = text
        .lines()
        .find(|l| l.contains("event/wait-set") && l.contains(" threadkit "))
        .unwrap();
    assert!(threadkit_line.contains("REGRESSION"), "{threadkit_line}");
    let std_line = text
        .lines()
        .find(|l| l.contains("event/wait-set") && l.contains("std Mutex"))
        .unwrap();
    assert!(std_line.contains("improved"), "{std_line}");
    std::fs::remove_file(&saved).ok();

    let missing = threadkit(&["bench", "--baseline", "/nonexistent/run.json", "size"]);
    assert_ne!(missing.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read baseline"));
}

#[test]
fn threads_option_adds_contended_variants() {
    let listed = stdout(&threadkit(&["bench", "--list", "--threads", "8"]));
    for name in [
        "lock/contended-8",
        "semaphore/8threads-2permits",
        "queue/mpmc-8p8c-bounded",
    ] {
        assert!(listed.contains(name), "{name} missing from:\n{listed}");
    }
    assert_eq!(
        threadkit(&["bench", "--threads", "1", "--list"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let output = threadkit(&["completions", shell]);
        assert!(output.status.success());
        let script = stdout(&output);
        assert!(
            script.contains("threadkit") && script.contains("tour") && script.contains("bench"),
            "{shell}"
        );
    }
    assert_eq!(
        threadkit(&["completions", "cmd.exe"]).status.code(),
        Some(2)
    );
}

#[test]
fn help_explains_with_examples() {
    for args in [&["--help"][..], &["tour", "--help"], &["bench", "--help"]] {
        let text = stdout(&threadkit(args));
        assert!(text.contains("Examples:"), "{args:?}:\n{text}");
    }
}

/// Colour appears on a terminal and not when piped: the tour runs under a
/// pseudo-terminal made by `script` (util-linux).
#[test]
fn colour_only_on_a_terminal() {
    let binary = env!("CARGO_BIN_EXE_threadkit");
    let output = Command::new("script")
        .args(["-qec", &format!("{binary} tour --scene rlock"), "/dev/null"])
        .env_remove("NO_COLOR")
        .output()
        .expect("`script` (util-linux) runs the tour under a pseudo-terminal");
    let on_terminal = String::from_utf8_lossy(&output.stdout);
    assert!(
        on_terminal.contains("\u{1b}[32m✔"),
        "green verdicts on a terminal:\n{on_terminal:?}"
    );

    let no_color = Command::new("script")
        .args(["-qec", &format!("{binary} tour --scene rlock"), "/dev/null"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&no_color.stdout).contains('\u{1b}'),
        "NO_COLOR is respected"
    );

    let piped = Command::new(binary)
        .args(["tour", "--scene", "rlock"])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&piped.stdout).contains('\u{1b}'),
        "no colour when piped"
    );
}
