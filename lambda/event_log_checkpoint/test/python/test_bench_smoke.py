"""The benchmark's code path, small and against moto, so that `bin/bench` does not rot.

No SeaweedFS and no timing assertions: `python -m bench.bench --endpoint` over 200 files,
one repetition, and the JSON it writes must hold every case with positive measurements,
and an incremental run that fetched nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
SRC = ROOT / "lambda" / "event_log_checkpoint" / "src" / "python"
CASES = {"seed_serial", "reference_threads", "ours_first", "ours_incremental", "ours_add_new"}


def test_benchmark_runs_every_case_and_the_incremental_run_fetches_nothing(s3_endpoint: str, tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    command = [
        sys.executable,
        "-m",
        "bench.bench",
        f"--endpoint={s3_endpoint}",
        "--files=200",
        "--reps=1",
        "--baseline-files=20",  # the reference's 50 boto3 sessions cost seconds on their own
        "--checkpoint-rows=5000",
        "--new-files=50",
        "--import-reps=1",
        f"--out={out}",
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(SRC)])}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]

    result = json.loads(out.read_text())
    assert set(result["cases"]) == CASES
    assert result["problems"] == []
    for case in result["cases"].values():
        for metric in ("wall_s", "files_per_s", "cpu_ms_per_file", "peak_rss_mib"):
            assert case[metric]["median"] > 0, (case["label"], metric)
    assert [run["files_fetched"] for run in result["cases"]["ours_incremental"]["runs"]] == [0]
    assert result["cases"]["ours_first"]["runs"][0]["files_fetched"] == 200
    assert result["cases"]["ours_add_new"]["runs"][0]["total_events"] == 5000 + 50
    assert result["goals"]["2_incremental"]["event_gets"] == 0
    assert all(r["speedup_files_per_s"] > 0 for r in result["ratios"].values())
    assert len(result["ratios"]) == 4
    assert result["cold_import"]["with_pyc_s"]["median"] > 0
    assert "ours, first run" in done.stdout
