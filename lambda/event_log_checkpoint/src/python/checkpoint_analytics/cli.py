"""Command line of the report: `python -m checkpoint_analytics` and `python -m checkpoint_lambda report`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from checkpoint_analytics.errors import AnalyticsError
from checkpoint_analytics.report import run_report

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
    parser.add_argument("--month", help="YYYY-MM, in UTC (default: the latest month with events)")
    parser.add_argument("--centre", help="one centre's report (center_label), written as report-centre-LABEL.html")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: ./{DEFAULT_OUT})")


def run(args: argparse.Namespace) -> int:
    """Writes the report; a missing or foreign checkpoint or a bad month is a message and exit code 2.

    `args` needs `checkpoint`, `month` (or None) and `out` (str or Path), and may have `centre`,
    `study` and `datatype`, as `add_arguments` defines them.
    """
    try:
        run_report(
            args.checkpoint,
            args.month,
            Path(args.out),
            centre=getattr(args, "centre", None),
            study=getattr(args, "study", None),
            datatype=getattr(args, "datatype", None),
        )
    except AnalyticsError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return USAGE_ERROR
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checkpoint_analytics", description="The monthly visit report.")
    add_arguments(parser)
    return run(parser.parse_args(argv))
