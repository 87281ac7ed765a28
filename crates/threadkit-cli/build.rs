//! Records the compiler version for the machine line of `threadkit bench`.
use std::process::Command;

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|| "rustc (unknown version)".to_owned());
    println!("cargo::rustc-env=THREADKIT_RUSTC_VERSION={version}");
    println!("cargo::rerun-if-changed=build.rs");
}
