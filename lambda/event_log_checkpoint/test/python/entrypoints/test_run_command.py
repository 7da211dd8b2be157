"""The `run` command: the handler's answer on stdout, one line on stderr, exit codes per error class,
warnings for a prefix without event files, the terminal's status line, and Ctrl-C in a real process."""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from builders import visits
from checkpoint_devtools.local_s3 import upload
from checkpoint_lambda.adapters.s3 import S3Connector
from checkpoint_lambda.entrypoints import adapters
from checkpoint_lambda.entrypoints.exit_codes import ExitCode, exit_code_for
from checkpoint_lambda.entrypoints.run_command import add_arguments, run
from checkpoint_lambda.entrypoints.run_progress import TerminalProgress
from faults.fault_proxy import Exchange, FaultProxy, Rule, S3Request

SRC = Path(__file__).resolve().parents[3] / "src" / "python"


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


def single(bucket: str, *extra: str) -> argparse.Namespace:
    return parse(
        "--source-bucket", bucket, "--prefix", "prod/", "--checkpoint-bucket", bucket,
        "--checkpoint-key", "c/x.parquet", *extra,
    )  # fmt: skip


def test_a_run_prints_the_response_and_exits_0(local_connector: None, connector: S3Connector, bucket: str) -> None:
    upload(connector.store(bucket), visits(3))
    out, err = io.StringIO(), io.StringIO()
    assert run(single(bucket), out, err) == ExitCode.OK
    response = json.loads(out.getvalue())
    assert (response["statusCode"], response["new_events_processed"], response["warnings"]) == (200, 3, [])
    assert err.getvalue() == ""


def test_a_prefix_without_event_files_succeeds_with_a_warning(local_connector: None, bucket: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run(single(bucket), out, err) == ExitCode.OK
    response = json.loads(out.getvalue())
    assert response["files_listed"] == 0
    assert response["warnings"] == [f"no event files under s3://{bucket}/prod/: check --source-bucket and --prefix"]
    assert err.getvalue().splitlines() == [f"run: warning: {response['warnings'][0]}"]


def test_a_dry_run_with_a_template_writes_nothing(
    local_connector: None, connector: S3Connector, bucket: str, s3_client: Any
) -> None:
    upload(connector.store(bucket), visits(2))
    out = io.StringIO()
    args = parse(
        "--source-bucket", bucket, "--prefix", "prod/", "--checkpoint-bucket", bucket,
        "--checkpoint-key-template", "ck/{study}/{datatype}/e.parquet", "--dry-run",
    )  # fmt: skip
    assert run(args, out, io.StringIO()) == ExitCode.OK
    response = json.loads(out.getvalue())
    assert (response["dry_run"], response["new_events_processed"]) == (True, 2)
    assert response["would_write"] == [f"s3://{bucket}/ck/adrc/form/e.parquet"]
    assert "Contents" not in s3_client.list_objects_v2(Bucket=bucket, Prefix="ck/")


def test_an_unreadable_checkpoint_exits_5_with_one_line_and_the_error_response(
    local_connector: None, bucket: str, s3_client: Any
) -> None:
    s3_client.put_object(Bucket=bucket, Key="c/x.parquet", Body=b"not parquet")
    out, err = io.StringIO(), io.StringIO()
    assert run(single(bucket), out, err) == ExitCode.STORAGE
    assert json.loads(out.getvalue())["error"] == "CheckpointUnreadable"
    [line] = err.getvalue().splitlines()
    assert line.startswith("run: CheckpointUnreadable: ")
    assert "never overwritten" in line


def test_a_missing_bucket_name_in_the_template_is_a_usage_error(local_connector: None, bucket: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    args = parse("--source-bucket", bucket, "--checkpoint-bucket", bucket, "--checkpoint-key-template", "{study}.pq")
    assert run(args, out, err) == ExitCode.USAGE
    assert json.loads(out.getvalue())["statusCode"] == 400
    assert err.getvalue().startswith("run: InvalidConfiguration: ")


@pytest.mark.parametrize(
    ("status", "error", "code"),
    [
        (200, None, ExitCode.OK),
        (207, None, ExitCode.PARTIAL),
        (400, "InvalidConfiguration", ExitCode.USAGE),
        (404, "CheckpointLocationMissing", ExitCode.USAGE),
        (401, "CredentialsUnavailable", ExitCode.ACCESS),
        (403, "SourceAccessDenied", ExitCode.ACCESS),
        (403, "CheckpointAccessDenied", ExitCode.ACCESS),
        (409, "ConcurrentUpdateConflict", ExitCode.CONFLICT),
        (500, "StorageError", ExitCode.STORAGE),
        (500, "CheckpointUnreadable", ExitCode.STORAGE),
        (500, "CheckpointError", ExitCode.UNEXPECTED),
    ],
)
def test_each_answer_has_its_exit_code(status: int, error: str | None, code: ExitCode) -> None:
    assert exit_code_for(status, error) is code


def cli(*argv: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "checkpoint_cli", *argv],
        env={**os.environ, "PYTHONPATH": str(SRC), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


RUN_ARGS = ("run", "--source-bucket", "b", "--checkpoint-bucket", "b", "--checkpoint-key", "c/x.parquet")


def test_a_mistyped_profile_is_one_line_naming_it_and_exit_3(tmp_path: Path) -> None:
    done = cli(*RUN_ARGS, env={"AWS_PROFILE": "no-such-profile", "AWS_CONFIG_FILE": str(tmp_path / "config")})
    assert done.returncode == ExitCode.ACCESS
    [line] = done.stderr.splitlines()
    assert line.startswith("run: CredentialsUnavailable: AWS profile 'no-such-profile' (AWS_PROFILE)")
    assert json.loads(done.stdout)["statusCode"] == 401


def test_no_credentials_at_all_is_one_line_and_exit_3(tmp_path: Path) -> None:
    env = {
        "AWS_ACCESS_KEY_ID": "",
        "AWS_SECRET_ACCESS_KEY": "",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    done = cli(*RUN_ARGS, env=env)
    assert done.returncode == ExitCode.ACCESS
    [line] = done.stderr.splitlines()
    assert line.startswith("run: CredentialsUnavailable: no AWS credentials found")


def slow_gets(request: S3Request, exchange: Exchange) -> None:
    """Every object GET takes 50 ms: a fetch long enough to interrupt."""
    time.sleep(0.05)
    exchange.relay(exchange.forward())


def test_ctrl_c_writes_what_was_fetched_says_one_line_exits_130_and_a_rerun_completes(
    s3_endpoint: str, connector: S3Connector, bucket: str
) -> None:
    upload(connector.store(bucket), visits(200))
    proxy = FaultProxy(s3_endpoint).start()
    try:
        proxy.add(Rule(slow_gets, method="GET", listing=False, key=r"^prod/log-"))
        env = {**os.environ, "PYTHONPATH": str(SRC), "AWS_ENDPOINT_URL": proxy.url, "FETCH_CONCURRENCY": "2"}
        argv = [sys.executable, "-m", "checkpoint_cli", *single_argv(bucket)]
        child = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while proxy.count("GET", listing=False) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        child.send_signal(signal.SIGINT)
        stdout, stderr = child.communicate(timeout=60)
    finally:
        proxy.stop()
    assert child.returncode == ExitCode.INTERRUPTED, stderr
    [line] = stderr.splitlines()
    assert line.startswith("run: interrupted: wrote ")
    assert "run again to continue" in line
    first = json.loads(stdout)
    assert first["complete"] is False
    assert 0 < first["new_events_processed"] < 200
    assert first["files_deferred"] > 0
    rerun = cli(*single_argv(bucket), env={"AWS_ENDPOINT_URL": s3_endpoint})
    second = json.loads(rerun.stdout)
    assert rerun.returncode == ExitCode.OK, rerun.stderr
    assert second["complete"] is True
    assert second["files_fetched"] == first["files_deferred"]
    assert second["total_events"] == 200  # one event per file: nothing lost, nothing twice


def single_argv(bucket: str) -> list[str]:
    return [
        "run", "--source-bucket", bucket, "--prefix", "prod/", "--checkpoint-bucket", bucket,
        "--checkpoint-key", "c/x.parquet",
    ]  # fmt: skip


def test_a_time_budget_shorter_than_the_listing_still_makes_progress(
    s3_endpoint: str, connector: S3Connector, bucket: str
) -> None:
    """Fetching is budgeted, not listing: however short the budget, some files are fetched and written."""
    upload(connector.store(bucket), visits(30))
    done = cli(*single_argv(bucket), "--time-budget", "0.001", env={"AWS_ENDPOINT_URL": s3_endpoint})
    response = json.loads(done.stdout)
    assert response["statusCode"] == 200
    assert response["files_fetched"] > 0


def test_the_status_line_counts_the_listing_then_draws_the_bar_and_ends_its_line() -> None:
    stream = io.StringIO()
    bar = TerminalProgress(stream, width=10, redraw_every_s=0)
    bar.listed(1000)
    bar.listed(42000)
    for done in range(1, 101):
        bar(done, 100)
    bar.finish()
    frames = stream.getvalue().split("\r\x1b[2K")[1:]
    assert frames[:2] == ["listing: 1,000 objects", "listing: 42,000 objects"]
    assert frames[-1] == "fetching [##########] 100/100\n"


def test_a_log_line_erases_the_status_line_first() -> None:
    stream = io.StringIO()
    bar = TerminalProgress(stream, redraw_every_s=0)
    bar.listed(5)
    bar.clear()
    stream.write("a log line\n")
    bar.listed(6)
    assert stream.getvalue().endswith("listing: 5 objects\r\x1b[2Ka log line\n\r\x1b[2Klisting: 6 objects")


def test_no_progress_means_no_newline() -> None:
    stream = io.StringIO()
    TerminalProgress(stream).finish()
    assert stream.getvalue() == ""
