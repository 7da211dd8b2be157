"""The per-group layout benchmark's code path, small and against moto, so that `bin/bench-groups` does not rot.

No SeaweedFS and no timing assertions: `python -m bench.group_layout --endpoint` over a
2,000-row checkpoint and 20 new files, one repetition. Its JSON must hold the four cases
with positive measurements, the per-group run must rewrite only the changed group's
object, the runs with nothing new must fetch and write nothing, and the ratios must be there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
SRC = ROOT / "lambda" / "event_log_checkpoint" / "src" / "python"
CASES = {"group_add", "single_add", "group_incremental", "single_incremental"}


def test_group_benchmark_rewrites_one_group_and_the_incremental_runs_fetch_nothing(
    s3_endpoint: str, tmp_path: Path
) -> None:
    out = tmp_path / "groups.json"
    command = [
        sys.executable,
        "-m",
        "bench.group_layout",
        f"--endpoint={s3_endpoint}",
        "--rows=2000",
        "--new-files=20",
        "--reps=1",
        f"--out={out}",
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(SRC)])}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]

    result = json.loads(out.read_text())
    cases = result["cases"]
    assert set(cases) == CASES
    assert result["problems"] == []
    for case in cases.values():
        for metric in ("wall_s", "cpu_s", "peak_rss_mib", "read_s", "listing_s"):
            assert case[metric]["median"] > 0, (case["label"], metric)
    assert cases["group_add"]["objects_held"] == 20
    assert [run["rewritten"] for run in cases["group_add"]["runs"]] == [["checkpoints/groups/adrc/form/events.parquet"]]
    assert [run["rewritten"] for run in cases["single_add"]["runs"]] == [["checkpoints/single/checkpoint.parquet"]]
    for name in ("group_add", "single_add"):
        run = cases[name]["runs"][0]
        assert (run["files_fetched"], run["total_events"]) == (20, 2020)
        assert run["bytes_written"] == run["bytes_written_reported"] > 0
    for name in ("group_incremental", "single_incremental"):
        run = cases[name]["runs"][0]
        assert (run["files_fetched"], run["objects_rewritten"], run["bytes_written"]) == (0, 0, 0)
    assert cases["group_add"]["bytes_written"]["median"] < cases["single_add"]["bytes_written"]["median"]
    assert set(result["ratios"]["add"]) == {"wall_s", "cpu_s", "peak_rss_mib", "bytes_written", "read_s"}
    assert set(result["ratios"]["incremental"]) == {"wall_s", "cpu_s", "peak_rss_mib", "read_s"}
    assert "per-group / single object" in done.stdout
