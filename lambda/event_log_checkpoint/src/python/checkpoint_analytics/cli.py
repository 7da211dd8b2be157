"""Command line of the report: `python -m checkpoint_cli report` (and `python -m checkpoint_analytics`).

The report's modules (Polars, matplotlib) are imported when it runs, not for `--help`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from checkpoint_analytics.errors import AnalyticsError

DEFAULT_OUT = Path("report")
USAGE_ERROR = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The report's options, for a sub-command parser of another CLI."""
    parser.add_argument(
        "--checkpoint",
        required=True,
        help="s3://bucket/key or a local parquet file, or a template of one file per group "
        "(s3://bucket/prod/checkpoints/{study}/{datatype}/events.parquet, or a local path with the same braces)",
    )
    parser.add_argument("--study", help="only this study's events (of a template: only its group files)")
    parser.add_argument("--datatype", help="only this datatype's events (of a template: only its group files)")
    parser.add_argument("--month", help="YYYY-MM, in UTC (default: the last complete month, UTC)")
    parser.add_argument("--centre", help="one centre's report (center_label), written as report-centre-LABEL.html")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: ./{DEFAULT_OUT})")


def run(args: argparse.Namespace) -> int:
    """Writes the report; raises the `errors.AnalyticsError` family (the command line turns each into a line
    and an exit code).

    `args` needs `checkpoint`, `month` (or None) and `out` (str or Path), and may have `centre`,
    `study` and `datatype`, as `add_arguments` defines them.
    """
    from checkpoint_analytics.report import run_report  # noqa: PLC0415 - not for --help

    run_report(
        args.checkpoint,
        args.month,
        Path(args.out),
        centre=getattr(args, "centre", None),
        study=getattr(args, "study", None),
        datatype=getattr(args, "datatype", None),
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checkpoint_analytics", description="The monthly visit report.")
    add_arguments(parser)
    try:
        return run(parser.parse_args(argv))
    except AnalyticsError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return USAGE_ERROR
