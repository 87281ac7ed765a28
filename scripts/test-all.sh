#!/usr/bin/env bash
# Runs every test of the project, installing what it needs. This is the README's Test
# command, and all that .ci/run does. Takes about 15 minutes on 2 cores.
#
#   format and lints · unit, API, stress and doc tests · CLI tests · the tour ·
#   loom models · Miri over the unsafe layer · a benchmark smoke run
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
started=$SECONDS

step "format (cargo fmt --check)"
cargo fmt --all --check

step "lints (cargo clippy -D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "unit, API, doc and CLI tests (debug)"
cargo test --workspace --locked

step "stress tests (release; THREADKIT_STRESS=${THREADKIT_STRESS:-1})"
cargo test --release --locked -p threadkit --features json --test stress --test queue_stress --test deadlock

step "docs build without warnings"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet

step "the tour (every scene's verdict must pass)"
cargo run --release --locked --bin threadkit -- tour --quiet

step "benchmark smoke run (sizes and one timed workload)"
cargo run --release --locked --bin threadkit -- bench --quick --json target/bench-smoke.json size event/wait-set
test -s target/bench-smoke.json

step "loom models (LOOM_MAX_PREEMPTIONS=${LOOM_MAX_PREEMPTIONS:-2}, time-boxed to 15 min)"
RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-2}" \
    timeout 900 cargo test --release --locked -p threadkit --lib

step "Miri over the parking substrate and the primitives"
rustup toolchain list | grep -q "^nightly" || rustup toolchain install nightly --profile minimal
rustup component add --toolchain nightly miri rust-src >/dev/null
cargo +nightly miri setup >/dev/null
MIRIFLAGS="-Zmiri-many-seeds=0..2" CARGO_TARGET_DIR=target/miri \
    timeout 900 cargo +nightly miri test --locked -p threadkit --lib --test api

step "Python package: build into target/py-venv, CPython's lock tests, pytest, stubtest"
python3 -m venv target/py-venv
(
    # The venv first on PATH: maturin's build backend runs `maturin` by name.
    PATH="$PWD/target/py-venv/bin:$PATH"
    pip="python -m pip --quiet --disable-pip-version-check"
    $pip install "maturin>=1.9.4,<2" pytest mypy
    $pip install --no-build-isolation --force-reinstall --no-deps ./crates/threadkit-py
    cd crates/threadkit-py
    python tests/conformance.py
    python -m pytest -q -p no:cacheprovider tests
    cd ../../target  # stubtest leaves a .mypy_cache where it runs
    python -m mypy.stubtest threadkit._threadkit threadkit.ipc threadkit._threads threadkit._executor
)

step "all tests passed in $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s"
