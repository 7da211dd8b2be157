"""`python -m checkpoint_cli`: one command line over the job, the report and the comparison."""

from __future__ import annotations

import pytest

from checkpoint_cli.__main__ import main, parser


def test_the_four_commands_are_offered() -> None:
    commands = parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert commands is not None
    assert sorted(commands) == ["compare", "relayout", "report", "run"]


def test_report_on_a_missing_checkpoint_is_a_message_and_exit_code_2(
    tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--checkpoint", "/nonexistent/checkpoint.parquet"]) == 2
    assert "no checkpoint" in capsys.readouterr().err


def test_an_unknown_command_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as raised:
        main(["rewind"])
    assert raised.value.code == 2


def test_compare_without_reference_files_is_a_message_and_exit_code_2(
    tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", "--reference", "/nonexistent/checkpoints/", "--checkpoint", "/nonexistent/c.parquet"]) == 2
    assert capsys.readouterr().err.startswith("compare: no reference files (*.parquet) under /nonexistent/checkpoints/")
