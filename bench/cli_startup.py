"""How long the command line takes to answer `--help` and a usage error, each in a fresh interpreter.

Printed, never asserted. The baseline, measured in the same run, is `import polars, matplotlib`:
what the command line imported before it answered anything, when every command's module was
imported up front. Wall time is the child's, start to exit; CPU time is the child's user + system
time (from `getrusage` of the children). One unmeasured run of each case first writes any
missing bytecode, so every measured run starts as an installed command would.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

CLI = [sys.executable, "-m", "checkpoint_cli"]


@dataclass(frozen=True)
class Case:
    """One command line and the exit code it must end with (anything else is a PROBLEM)."""

    label: str
    argv: list[str]
    exit_code: int


CASES = (
    Case("checkpoint_cli --help", [*CLI, "--help"], 0),
    Case("checkpoint_cli run --help", [*CLI, "run", "--help"], 0),
    Case("checkpoint_cli report (no --checkpoint)", [*CLI, "report"], 2),
    Case("baseline: import polars, matplotlib", [sys.executable, "-c", "import polars, matplotlib"], 0),
)


@dataclass(frozen=True)
class Timing:
    wall_s: float
    cpu_s: float
    exit_code: int


def timed(argv: list[str]) -> Timing:
    """One run in a fresh interpreter: wall and CPU seconds, and its exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(wall, cpu, done.returncode)


def measure(case: Case, reps: int) -> list[Timing]:
    timed(case.argv)  # writes any missing .pyc; not counted
    return [timed(case.argv) for _ in range(reps)]


def row(case: Case, timings: list[Timing]) -> str:
    walls = [t.wall_s * 1000 for t in timings]
    cpus = [t.cpu_s * 1000 for t in timings]
    codes = {t.exit_code for t in timings}
    verdict = "" if codes == {case.exit_code} else f"  PROBLEM: exit {sorted(codes)}, expected {case.exit_code}"
    spread = f"({min(walls):.0f}-{max(walls):.0f})"
    return f"{case.label:<42} {statistics.median(walls):>8.0f} {spread:>12} {statistics.median(cpus):>8.0f}{verdict}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="runs of each case (default 5)")
    args = parser.parse_args(argv)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} cores")
    print(f"{'case':<42} {'wall ms':>8} {'(min-max)':>12} {'CPU ms':>8}   medians of {args.reps}")
    lines = [row(case, measure(case, args.reps)) for case in CASES]
    print("\n".join(lines))
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 1 if any("PROBLEM" in line for line in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
