"""The `relayout` command: move a checkpoint to another layout, from the checkpoint alone (no event file is read).

Prints the JSON answer on stdout; one line on stderr says an error and what to do next.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from checkpoint_lambda.adapters.s3 import S3Connector, S3ObjectStore
from checkpoint_lambda.config import S3Settings
from checkpoint_lambda.domain.key_template import InvalidKeyTemplate, KeyTemplate
from checkpoint_lambda.domain.layout import Layout, PerGroup, SingleObject
from checkpoint_lambda.entrypoints.exit_codes import ExitCode, exit_code_for
from checkpoint_lambda.errors import CheckpointAccessDenied, CheckpointBucketMissing, CheckpointError, ConfigError
from checkpoint_lambda.relayout import BucketStores, Relayout, relayout

EXIT_OK, EXIT_QUARANTINED = ExitCode.OK, ExitCode.QUARANTINED
EPILOG = """\
Every row goes to the object of its (study, datatype) in the destination layout; rows whose
study or datatype the current rules reject go to quarantine.parquet in the folder of the
destination's failure record, and each such file version gets an entry in that record.
The failure record goes along. Objects are created only where absent (If-None-Match); an
object already holding exactly the planned rows is left alone, so a rerun is safe.

exit codes:
  0  moved (or already moved: nothing written)
  7  moved, but rows were quarantined (the answer's "quarantine" says where, how many)
  2  bad arguments, no checkpoint at the source, a destination holding other data, or a
     bucket that does not exist
  3  access denied      4  another writer created a destination object meanwhile
  5  S3 kept failing, or a checkpoint there is unreadable      1  unexpected error
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("--bucket", required=True, help="the bucket of the source checkpoint")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--from-key", help="the source is one object, e.g. checkpoints/prod/checkpoint.parquet")
    source.add_argument(
        "--from-template", help="the source is one object per group, e.g. prod/{study}/{datatype}/e.parquet"
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--to-key", help="the destination is one object")
    target.add_argument(
        "--to-template",
        help="one object per group, e.g. prod/checkpoints/study={study}/datatype={datatype}/events.parquet",
    )
    parser.add_argument("--to-bucket", help="the destination's bucket (default: --bucket)")
    parser.add_argument(
        "--dry-run", action="store_true", help="read and check, write nothing, say what would be written"
    )


def run(args: argparse.Namespace, out: TextIO | None = None, connector: S3Connector | None = None) -> int:
    """Moves the checkpoint and prints the answer; the exit code says how it ended (see EPILOG)."""
    try:
        request = Relayout(
            source=layout_of(args.from_key, args.from_template),
            destination=layout_of(args.to_key, args.to_template),
            dry_run=args.dry_run,
        )
        connector = connector or S3Connector(S3Settings.from_env())
        result = relayout(request, _bucket(connector, args.bucket), _bucket(connector, args.to_bucket or args.bucket))
    except CheckpointError as error:
        print(f"relayout failed: {error.error}: {error}", file=sys.stderr)
        return exit_code_for(error.status_code, error.error)
    print(json.dumps(result.as_json(), indent=2), file=out or sys.stdout)
    if result.rows_quarantined:
        print(
            f"relayout: {result.rows_quarantined} rows quarantined in {result.quarantine and result.quarantine.path}",
            file=sys.stderr,
        )
        return EXIT_QUARANTINED
    return EXIT_OK


def layout_of(key: str | None, template: str | None) -> Layout:
    """The layout an option names; ConfigError for a key naming a folder or an invalid template."""
    if template is not None:
        try:
            return PerGroup(KeyTemplate.parse(template))
        except InvalidKeyTemplate as exc:
            raise ConfigError(f"{template} is not a key template: {exc}") from exc
    if not key or key.endswith("/") or key.startswith("/"):
        raise ConfigError(f"{key!r} does not name an object")
    return SingleObject(key)


def _bucket(connector: S3Connector, bucket: str) -> BucketStores:
    return BucketStores.over(S3ObjectStore(connector, bucket, CheckpointAccessDenied, CheckpointBucketMissing))
