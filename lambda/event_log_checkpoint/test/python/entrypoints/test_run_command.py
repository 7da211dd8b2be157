"""The `run` command: the handler's response on stdout, exit codes, and the progress bar."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from builders import visits
from checkpoint_devtools.local_s3 import upload
from checkpoint_lambda.adapters.s3 import S3Connector
from checkpoint_lambda.entrypoints import adapters
from checkpoint_lambda.entrypoints.run_command import EXIT_FAILED, EXIT_OK, TerminalProgress, add_arguments, run


@pytest.fixture
def local_connector(endpoint_env: str) -> Iterator[None]:
    """The command builds its connector from the environment, as on a laptop: here, moto's endpoint."""
    adapters.default_connector.cache_clear()
    yield
    adapters.default_connector.cache_clear()


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(argv)


def test_a_run_prints_the_response_and_exits_0(local_connector: None, connector: S3Connector, bucket: str) -> None:
    upload(connector.store(bucket), visits(3))
    out = io.StringIO()
    args = parse(
        "--source-bucket", bucket, "--prefix", "prod/", "--checkpoint-bucket", bucket, "--checkpoint-key", "c/x.parquet"
    )
    assert run(args, out) == EXIT_OK
    response = json.loads(out.getvalue())
    assert (response["statusCode"], response["new_events_processed"]) == (200, 3)


def test_a_dry_run_with_a_template_writes_nothing(
    local_connector: None, connector: S3Connector, bucket: str, s3_client: Any
) -> None:
    upload(connector.store(bucket), visits(2))
    out = io.StringIO()
    args = parse(
        "--source-bucket", bucket, "--prefix", "prod/", "--checkpoint-bucket", bucket,
        "--checkpoint-key-template", "ck/{study}/{datatype}/e.parquet", "--dry-run",
    )  # fmt: skip
    assert run(args, out) == EXIT_OK
    response = json.loads(out.getvalue())
    assert (response["dry_run"], response["new_events_processed"]) == (True, 2)
    assert response["would_write"] == [f"s3://{bucket}/ck/adrc/form/e.parquet"]
    assert "Contents" not in s3_client.list_objects_v2(Bucket=bucket, Prefix="ck/")


def test_a_failed_run_exits_1_with_the_error_response(local_connector: None, bucket: str, s3_client) -> None:  # type: ignore[no-untyped-def]
    s3_client.put_object(Bucket=bucket, Key="c/x.parquet", Body=b"not parquet")
    out = io.StringIO()
    args = parse("--source-bucket", bucket, "--checkpoint-bucket", bucket, "--checkpoint-key", "c/x.parquet")
    assert run(args, out) == EXIT_FAILED
    assert json.loads(out.getvalue())["error"] == "CheckpointUnreadable"


def test_the_key_and_the_template_are_exclusive() -> None:
    with pytest.raises(SystemExit):
        parse(
            "--source-bucket",
            "b",
            "--checkpoint-bucket",
            "c",
            "--checkpoint-key",
            "k",
            "--checkpoint-key-template",
            "t",
        )


def test_the_progress_bar_redraws_only_when_it_grows_and_ends_its_line() -> None:
    stream = io.StringIO()
    bar = TerminalProgress(stream, width=10)
    for done in range(1, 101):
        bar(done, 100)
    bar.finish()
    frames = stream.getvalue().split("\r")[1:]
    assert len(frames) == 11  # empty, then one more mark every tenth
    assert frames[-1] == "fetching [##########] 100/100\n"


def test_no_progress_means_no_newline() -> None:
    stream = io.StringIO()
    TerminalProgress(stream).finish()
    assert stream.getvalue() == ""
