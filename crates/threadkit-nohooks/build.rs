//! Compiles threadkit's sources with the diagnostics hooks removed.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(threadkit_no_hooks)");
    println!("cargo::rustc-cfg=threadkit_no_hooks");
}
