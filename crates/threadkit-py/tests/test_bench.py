"""``python -m threadkit.bench``: rows for threadkit and the stdlib, as JSON in the
format of ``threadkit bench --json``."""

import json
import subprocess
import sys


def test_quick_run_writes_rows_for_both(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, "-m", "threadkit.bench", "--quick", "--json", str(out),
         "queue/put-get", "simplequeue", "executor"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(out.read_text())
    workloads = {row["workload"] for row in document["rows"]}
    assert workloads == {"queue/put-get", "simplequeue/put-get", "executor/submit-wait"}
    for row in document["rows"]:
        assert row["impl"] in ("threadkit", "threading")
        assert row["role"] == ("subject" if row["impl"] == "threadkit" else "peer")
        assert 0 < row["min"] <= row["median"] <= row["max"]
        assert row["samples"] == document["repetitions"]
    assert len(document["targets"]) == 3
    assert "target" in result.stdout
