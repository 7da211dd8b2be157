"""The benchmark's code path, small and against moto, so that `bin/bench` does not rot.

No SeaweedFS and no timing assertions: `python -m bench.bench --endpoint` over 200 files
(and a 300-file stand-in for the million), one repetition, both conditions (the latency
proxy with millisecond delays in front of moto). The JSON it writes must hold every case
under both conditions with positive measurements, incremental runs that fetched nothing,
request counts from the proxy, and the CPU breakdown of a first run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
SRC = ROOT / "lambda" / "event_log_checkpoint" / "src" / "python"
CASES = {
    "seed_serial",
    "reference_threads",
    "ours_first",
    "ours_incremental",
    "ours_incremental_serial",
    "ours_add_new",
    "million_incremental",
    "million_incremental_serial",
    "million_add_new",
}
FILES, MILLION_STAND_IN, NEW = 200, 300, 50


def test_benchmark_runs_every_case_under_both_conditions(s3_endpoint: str, tmp_path: Path) -> None:
    """Every case runs under both conditions, checks its own counts, and the proxy counts requests."""
    out = tmp_path / "bench.json"
    command = [
        sys.executable,
        "-m",
        "bench.bench",
        f"--endpoint={s3_endpoint}",
        f"--files={FILES}",
        "--reps=1",
        "--baseline-files=20",  # the reference's 50 boto3 sessions cost seconds on their own
        "--checkpoint-rows=5000",
        f"--new-files={NEW}",
        f"--million={MILLION_STAND_IN}",
        "--import-reps=1",
        *(f"--{kind}-ms=1" for kind in ("list", "get", "head", "put", "other")),
        f"--out={out}",
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(SRC)])}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]

    result = json.loads(out.read_text())
    assert result["problems"] == []
    conditions = result["conditions"]
    assert set(conditions) == {"direct", "latency"}
    assert set(conditions["direct"]["cases"]) == CASES
    assert set(conditions["latency"]["cases"]) == CASES | {"million_first"}
    for block in conditions.values():
        for case in block["cases"].values():
            for metric in ("wall_s", "files_per_s", "cpu_ms_per_file", "peak_rss_mib"):
                assert case[metric]["median"] > 0, (case["label"], metric)
        for case in ("ours_incremental", "ours_incremental_serial", "million_incremental"):
            assert [run["files_fetched"] for run in block["cases"][case]["runs"]] == [0], case
        assert block["ratios"]["first_vs_reference_threads"] > 0

    # Every event GET of a first run passes through the proxy; an incremental run GETs no event file.
    latency = conditions["latency"]["cases"]
    first, incremental = latency["ours_first"]["requests"], latency["ours_incremental"]["requests"]
    assert first["get"] >= FILES  # every event file, plus the checkpoint and failure-record reads
    assert first["list"] >= 1
    assert incremental["get"] < 10  # the checkpoint and the failure record, no event file
    assert latency["million_first"]["requests"]["get"] >= MILLION_STAND_IN
    breakdown = result["cpu_breakdown"]
    assert breakdown["files"] == FILES
    assert set(breakdown["ms_per_file"]) >= {"list", "get", "parse", "validate", "frame", "merge", "write"}
    assert breakdown["total_ms_per_file"] > 0
    assert {"first_cpu_ms_per_file", "first_25k_vs_seed", "incremental_1m_wall_s"} <= set(result["goals"])
