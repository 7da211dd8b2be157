"""`python -m checkpoint_cli`: one command line over the job, the report, its SQL and the comparison.

Errors are one line on stderr and an exit code per class; `--help` imports none of the heavy modules.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analytics.samples import sample_checkpoint
from checkpoint_cli.__main__ import chosen_command, main, parser

SRC = Path(__file__).resolve().parents[2] / "src" / "python"
#: Modules `--help` must not import: each costs seconds, or (observability) touches AWS credentials.
HEAVY = ("polars", "matplotlib", "duckdb", "boto3", "aws_lambda_powertools", "checkpoint_lambda.observability")


def test_the_four_commands_are_offered() -> None:
    commands = parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert commands is not None
    assert sorted(commands) == ["compare", "relayout", "report", "run", "sql"]


def test_help_imports_nothing_heavy() -> None:
    probe = (
        "import sys, contextlib, io\n"
        "from checkpoint_cli.__main__ import main\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help'])\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['run', '--help'])\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r} or m in {HEAVY!r}))"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        check=True,
    )
    print(f"--help and run --help in a fresh interpreter: {time.perf_counter() - started:.2f} s")
    assert done.stdout.strip() == "[]"


def test_run_help_names_every_option_the_environment_the_exit_codes_and_an_example(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["run", "--help"])
    assert raised.value.code == 0
    text = capsys.readouterr().out
    for needed in (
        "--source-bucket SOURCE_BUCKET\n",
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "130  interrupted",
        "example:",
    ):
        assert needed in text, needed
    options = text[text.index("options:") : text.index("environment:")]
    assert "bucket of the event log" in options


def test_the_log_level_goes_before_or_after_the_command_and_a_wrong_one_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert chosen_command(["--log-level", "DEBUG", "sql"]) == "sql"
    assert main(["--log-level", "info", "sql", "--month", "2024-01", "--table", "visits_failing_qc"]) == 0
    assert main(["sql", "--log-level", "ERROR", "--month", "2024-01", "--table", "visits_failing_qc"]) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as raised:
        main(["sql", "--log-level", "LOUD"])
    assert raised.value.code == 2
    assert "invalid choice: 'LOUD'" in capsys.readouterr().err


def test_report_on_a_missing_checkpoint_is_one_line_and_exit_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--checkpoint", "/nonexistent/checkpoint.parquet"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line == "report: no checkpoint file at /nonexistent/checkpoint.parquet; see --help"


def test_report_on_a_file_that_is_not_parquet_is_a_storage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.parquet"
    path.write_bytes(b"not parquet")
    assert main(["report", "--checkpoint", str(path), "--month", "2024-01", "--out", str(tmp_path / "o")]) == 5
    assert len(capsys.readouterr().err.splitlines()) == 1


def test_a_month_without_events_succeeds_with_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checkpoint = tmp_path / "c.parquet"
    sample_checkpoint().write_parquet(checkpoint)
    assert main(["report", "--checkpoint", str(checkpoint), "--month", "2019-01", "--out", str(tmp_path / "o")]) == 0
    captured = capsys.readouterr()
    assert "report: warning: no events in 2019-01: check --month" in captured.err
    assert captured.out.splitlines()[:2] == [
        "Visit events report for 2019-01 (UTC)",
        "Warning: no events in 2019-01: check --month, and that the checkpoint is up to date",
    ]


def test_an_unknown_command_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as raised:
        main(["rewind"])
    assert raised.value.code == 2


def test_compare_without_reference_files_is_a_message_and_exit_code_2(
    tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", "--reference", "/nonexistent/checkpoints/", "--checkpoint", "/nonexistent/c.parquet"]) == 2
    assert capsys.readouterr().err.startswith("compare: no reference files (*.parquet) under /nonexistent/checkpoints/")
