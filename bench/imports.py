"""Cold import of the handler module, each time in a fresh interpreter.

Two conditions: with the .pyc files Python has already written (a warm container image or
a layer shipped with bytecode), and with an empty bytecode cache (a zip shipped without
.pyc: Python compiles every module on the cold start). `-X importtime` gives the breakdown.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from typing import Any

HANDLER_MODULE = "checkpoint_lambda.entrypoints.lambda_function"
_TIMED = f"import time; t = time.perf_counter(); import {HANDLER_MODULE}; print(time.perf_counter() - t)"


def _timed_import(env: dict[str, str]) -> float:
    done = subprocess.run([sys.executable, "-c", _TIMED], env=env, capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def breakdown(env: dict[str, str], top: int = 8) -> list[dict[str, Any]]:
    """Import time (self, summed) of the heaviest top-level packages, from `-X importtime`."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {HANDLER_MODULE}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    by_package: dict[str, int] = defaultdict(int)
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        by_package[name.split(".")[0]] += int(self_us)
    ranked = sorted(by_package.items(), key=lambda item: item[1], reverse=True)[:top]
    return [{"package": name, "self_ms": round(us / 1000, 1)} for name, us in ranked]


def cold_import(env: dict[str, str], reps: int, without_pyc: bool) -> dict[str, Any]:
    top = breakdown(env)  # first: it also writes any missing .pyc, so that "with pyc" means with
    with_pyc = [_timed_import(env) for _ in range(reps)]
    result: dict[str, Any] = {"module": HANDLER_MODULE, "with_pyc_s": _spread(with_pyc), "top_packages": top}
    if without_pyc:
        times = []
        for _ in range(reps):
            with tempfile.TemporaryDirectory(prefix="bench-pyc-") as empty:
                times.append(_timed_import({**env, "PYTHONPYCACHEPREFIX": empty}))
        result["without_pyc_s"] = _spread(times)
    return result


def _spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}
