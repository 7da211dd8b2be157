"""A benchmark case in a fresh process, so that its peak RSS and CPU are its own: the case
prints one JSON object as the last line of its stdout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def run_case(module: str, arguments: list[str], env: dict[str, str], name: object = None) -> dict[str, Any]:
    """`python -m module *arguments`, its last stdout line read as JSON; RuntimeError on failure."""
    done = subprocess.run(
        [sys.executable, "-m", module, *arguments],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{module} {name or ''} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
