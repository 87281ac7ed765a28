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
    let output = threadkit(&["frobnicate"]);
    assert_eq!(output.status.code(), Some(2));
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
