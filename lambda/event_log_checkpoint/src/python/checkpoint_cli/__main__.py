"""Command line: run the job from a laptop, write the monthly report, print its SQL, compare with the reference.

python -m checkpoint_cli run --source-bucket B [--prefix P] --checkpoint-bucket C --checkpoint-key K
python -m checkpoint_cli report --checkpoint LOCATION [--month YYYY-MM] [--centre C] [--study S] [--datatype D]
    [--out DIR]
python -m checkpoint_cli sql [--month YYYY-MM] [--centre C] [--table T] [--checkpoint-table NAME]
python -m checkpoint_cli compare --reference s3://B/prod/checkpoints/ --checkpoint LOCATION [--json]
python -m checkpoint_cli relayout --bucket B (--from-key K | --from-template T) (--to-key K | --to-template T)
    [--to-bucket B2] [--dry-run]

LOCATION: s3://bucket/key, a local parquet file, or a template with {study} and {datatype}.
Only the chosen command's module is imported (and its options added), so `--help` and usage
errors answer at once, without Polars, matplotlib or AWS credentials.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from checkpoint_cli.failures import exit_on_failure
from checkpoint_lambda.entrypoints.exit_codes import EXIT_CODES_HELP

LOG_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_LOG_LEVEL: Final = "WARNING"


@dataclass(frozen=True)
class Command:
    """A subcommand: its one-line help, and how to add its options and run it (both imported on use)."""

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _run_command() -> Command:
    from checkpoint_lambda.entrypoints import run_command  # noqa: PLC0415 - imported on use

    return Command(COMMAND_HELP["run"], run_command.add_arguments, run_command.run)


def _report_command() -> Command:
    from checkpoint_analytics import cli as report_command  # noqa: PLC0415 - imported on use

    return Command(COMMAND_HELP["report"], report_command.add_arguments, report_command.run)


def _sql_command() -> Command:
    from checkpoint_analytics import sql_cli  # noqa: PLC0415 - imported on use

    return Command(COMMAND_HELP["sql"], sql_cli.add_arguments, sql_cli.run)


def _relayout_command() -> Command:
    from checkpoint_cli import relayout_command  # noqa: PLC0415 - imported on use

    return Command(COMMAND_HELP["relayout"], relayout_command.add_arguments, relayout_command.run)


def _compare_command() -> Command:
    from checkpoint_analytics import compare_cli as compare_command  # noqa: PLC0415 - imported on use

    return Command(COMMAND_HELP["compare"], compare_command.add_arguments, compare_command.run)


COMMAND_HELP: Final = {
    "run": "bring the checkpoint up to date with the event log",
    "report": "write the monthly report of a checkpoint",
    "sql": "print the report's queries as Athena SQL, ready to paste",
    "compare": "a checkpoint against the reference implementation's, or against another of ours",
    "relayout": "move a checkpoint to another layout, from the checkpoint alone",
}
COMMANDS: Final[dict[str, Callable[[], Command]]] = {
    "run": _run_command,
    "report": _report_command,
    "sql": _sql_command,
    "compare": _compare_command,
    "relayout": _relayout_command,
}


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    chosen = chosen_command(arguments)
    command = COMMANDS[chosen]() if chosen else None
    args = parser(chosen, command).parse_args(arguments)
    with exit_on_failure(args.command, args.log_level) as outcome:
        outcome.code = command.run(args) if command else 2
    return outcome.code


def chosen_command(argv: Sequence[str]) -> str | None:
    """The subcommand named in `argv` (skipping `--log-level LEVEL` before it), or None."""
    skip_next = False
    for token in argv:
        if skip_next:
            skip_next = False
        elif token == "--log-level":
            skip_next = True
        elif not token.startswith("-"):
            return token if token in COMMANDS else None
    return None


def parser(chosen: str | None = None, command: Command | None = None) -> argparse.ArgumentParser:
    """Every subcommand is offered; only `chosen`'s options are added (from `command`)."""
    described = argparse.ArgumentParser(
        prog="python -m checkpoint_cli",
        description=__doc__.splitlines()[0],
        epilog=f"{EXIT_CODES_HELP}\n\n`python -m checkpoint_cli COMMAND --help` describes each command.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_log_level(described, DEFAULT_LOG_LEVEL)
    commands = described.add_subparsers(dest="command", required=True, metavar="{" + ",".join(COMMANDS) + "}")
    for name, text in COMMAND_HELP.items():
        sub = commands.add_parser(name, help=text, description=text)
        if name == chosen and command is not None:
            command.add_arguments(sub)
            sub.epilog = sub.epilog or EXIT_CODES_HELP
            sub.formatter_class = argparse.RawDescriptionHelpFormatter
        add_log_level(sub, argparse.SUPPRESS)  # also after the command; the top-level default holds otherwise
    return described


def add_log_level(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument(
        "--log-level",
        default=default,
        type=str.upper,
        choices=LOG_LEVELS,
        help=f"level of the JSON logs on stderr (default {DEFAULT_LOG_LEVEL}; DEBUG also shows tracebacks)",
    )


if __name__ == "__main__":
    sys.exit(main())
