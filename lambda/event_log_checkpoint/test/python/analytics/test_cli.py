"""The report's command line (`python -m checkpoint_cli report`): options, files written, errors raised."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from analytics.samples import sample_checkpoint
from checkpoint_analytics.cli import add_arguments, main, run
from checkpoint_analytics.errors import CheckpointNotFound
from checkpoint_analytics.tables import MONTHLY_NAMES
from checkpoint_analytics.trend import TREND_NAMES


def test_main_writes_the_report_and_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checkpoint = tmp_path / "checkpoint.parquet"
    sample_checkpoint().write_parquet(checkpoint)
    assert main(["--checkpoint", str(checkpoint), "--month", "2024-02", "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "report-2024-02.html").is_file()
    assert "Visit events report for 2024-02 (UTC)" in capsys.readouterr().out


def test_run_takes_the_namespace_of_another_parser(tmp_path: Path) -> None:
    checkpoint = tmp_path / "checkpoint.parquet"
    sample_checkpoint().write_parquet(checkpoint)
    args = argparse.Namespace(checkpoint=str(checkpoint), month="2024-02", out=str(tmp_path / "out"))
    assert run(args) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        ["report-2024-02.html", *(f"{name}-2024-02.csv" for name in (*MONTHLY_NAMES, *TREND_NAMES))]
    )


def test_centre_writes_files_named_after_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checkpoint = tmp_path / "checkpoint.parquet"
    sample_checkpoint().write_parquet(checkpoint)
    out = tmp_path / "out"
    assert main(["--checkpoint", str(checkpoint), "--centre", "beta", "--month", "2024-03", "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        ["report-2024-03-centre-beta.html", *(f"{n}-2024-03-centre-beta.csv" for n in (*MONTHLY_NAMES, *TREND_NAMES))]
    )
    assert ", centre beta" in capsys.readouterr().out
    assert main(["--checkpoint", str(checkpoint), "--centre", "Beta", "--out", str(out)]) == 2
    assert capsys.readouterr().err.startswith("report: no events of centre 'Beta'")


def test_run_raises_for_the_command_line_to_report(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--checkpoint", str(tmp_path / "absent.parquet")])
    assert args.out == Path("report")
    with pytest.raises(CheckpointNotFound, match="no checkpoint file at"):
        run(args)


def test_main_says_an_error_in_one_line_and_exits_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--checkpoint", str(tmp_path / "absent.parquet")]) == 2
    assert capsys.readouterr().err == f"report: no checkpoint file at {tmp_path / 'absent.parquet'}\n"
