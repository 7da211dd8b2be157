"""Command line of `compare`: the options, and the run that prints tables or one JSON object."""

from __future__ import annotations

import argparse
import json
import sys

from checkpoint_analytics.compare import compare
from checkpoint_analytics.compare_checkpoints import compare_checkpoints
from checkpoint_analytics.compare_output import print_checkpoint_comparison, print_comparison
from checkpoint_analytics.errors import AnalyticsError

USAGE_ERROR = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The compare options, for a sub-command parser of another CLI."""
    other = parser.add_mutually_exclusive_group(required=True)
    other.add_argument(
        "--reference",
        help="the reference implementation's checkpoints: a prefix (s3://B/prod/checkpoints/) or a local folder; "
        "events are matched by identity",
    )
    other.add_argument(
        "--other-checkpoint",
        help="another of this project's checkpoints (s3://bucket/key, a local file, or a template), e.g. the "
        "source of a relayout; rows are matched whole, quarantined rows counted apart",
    )
    parser.add_argument(
        "--checkpoint",
        required=True,
        help="this project's checkpoint: s3://bucket/key, a local file, or a template with {study} and {datatype}",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")


def run(args: argparse.Namespace) -> int:
    """Prints the comparison; an unreadable side or a foreign reference file is one line on stderr and exit code 2."""
    try:
        if args.other_checkpoint is not None:
            rows = compare_checkpoints(args.other_checkpoint, args.checkpoint)
            document = rows.as_json()
        else:
            result = compare(args.reference, args.checkpoint)
            document = result.as_json()
    except AnalyticsError as exc:
        print(f"compare: {exc}", file=sys.stderr)
        return USAGE_ERROR
    if args.json:
        print(json.dumps(document, indent=2))
    elif args.other_checkpoint is not None:
        print_checkpoint_comparison(rows, sys.stdout)
    else:
        print_comparison(result, sys.stdout)
    return 0
