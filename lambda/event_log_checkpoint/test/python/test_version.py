"""The release every response carries is a dated heading of the changelog."""

from __future__ import annotations

import re
from pathlib import Path

from checkpoint_lambda.version import VERSION

CHANGELOG = Path(__file__).resolve().parents[4] / "CHANGELOG.md"
HEADING = re.compile(r"^## \[(?P<version>\d+\.\d+\.\d+)\] - (?P<date>\d{4}-\d{2}-\d{2})$", re.MULTILINE)


def test_the_release_is_a_dated_changelog_heading() -> None:
    released = {m["version"]: m["date"] for m in HEADING.finditer(CHANGELOG.read_text(encoding="utf-8"))}
    assert VERSION in released, f"CHANGELOG.md has no '## [{VERSION}] - YYYY-MM-DD' heading"


def test_releases_are_listed_newest_first() -> None:
    versions = [
        tuple(int(part) for part in m["version"].split("."))
        for m in HEADING.finditer(CHANGELOG.read_text(encoding="utf-8"))
    ]
    assert versions == sorted(versions, reverse=True)
    assert len(versions) >= 3
