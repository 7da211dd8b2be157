"""The event simulation's code path, small and against moto, so that `bin/bench-events simulate` does not rot.

No timing assertions: 20 files PUT into a bucket that notifies a queue, two pollers and a
racing scheduled run. Its JSON must show every file in the checkpoint exactly once, every
notification received, at least one batch, and the scheduled run's report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
SRC = ROOT / "lambda" / "event_log_checkpoint" / "src" / "python"
FILES = 20


def test_simulation_puts_notifies_and_ingests_every_file_once(s3_endpoint: str, tmp_path: Path) -> None:
    out = tmp_path / "events-sim.json"
    command = [
        sys.executable,
        "-m",
        "bench.event_simulation",
        f"--endpoint={s3_endpoint}",
        f"--files={FILES}",
        "--batch-size=10",
        "--window=0.2",
        "--timeout=60",
        f"--out={out}",
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(SRC)])}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]

    result = json.loads(out.read_text())
    assert result["checks"] == {"every file has a row": True, "no file has two rows": True, "rows = files": True}
    assert result["rows"] == FILES
    assert result["messages_received"] >= FILES  # one notification a file (and the configuration's test event)
    assert result["batches"] >= 1
    assert result["scheduled_run"]["statusCode"] == 200
    assert result["scheduled_run"]["files_missed_by_events"] == 0  # every file is younger than the grace period
    assert result["first_put_to_last_row_s"] > 0
