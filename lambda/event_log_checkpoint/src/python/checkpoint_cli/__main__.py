"""Command line: run the job from a laptop, or write the monthly report.

python -m checkpoint_cli run --source-bucket B [--prefix P] --checkpoint-bucket C --checkpoint-key K
python -m checkpoint_cli report --checkpoint LOCATION [--month YYYY-MM] [--centre C] [--study S] [--datatype D]
    [--out DIR]
python -m checkpoint_cli compare --reference s3://B/prod/checkpoints/ --checkpoint LOCATION [--json]
python -m checkpoint_cli relayout --bucket B (--from-key K | --from-template T) (--to-key K | --to-template T)
    [--to-bucket B2] [--dry-run]

LOCATION: s3://bucket/key, a local parquet file, or a template with {study} and {datatype}.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from checkpoint_analytics import cli as report_command
from checkpoint_analytics import compare_cli as compare_command
from checkpoint_cli import relayout_command
from checkpoint_lambda.entrypoints import run_command
from checkpoint_lambda.observability import logger


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logger.setLevel(args.log_level)
    if args.command == "run":
        return run_command.run(args)
    if args.command == "compare":
        return compare_command.run(args)
    if args.command == "relayout":
        return relayout_command.run(args)
    return report_command.run(args)


def parser() -> argparse.ArgumentParser:
    described = argparse.ArgumentParser(prog="python -m checkpoint_cli", description=__doc__.splitlines()[0])
    described.add_argument("--log-level", default="WARNING", help="level of the JSON logs on stderr")
    commands = described.add_subparsers(dest="command", required=True)
    run_command.add_arguments(commands.add_parser("run", help="bring the checkpoint up to date with the event log"))
    report_command.add_arguments(commands.add_parser("report", help="write the monthly report of a checkpoint"))
    compare_command.add_arguments(
        commands.add_parser("compare", help="the reference implementation's checkpoints against this one")
    )
    relayout_command.add_arguments(
        commands.add_parser("relayout", help="move a checkpoint to another layout, from the checkpoint alone")
    )
    return described


if __name__ == "__main__":
    sys.exit(main())
