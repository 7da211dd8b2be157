"""The names of the report's files: `report.html` and one CSV per table, suffixed with the centre if there is one."""

from __future__ import annotations

import re

HTML_STEM = "report"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def centre_suffix(centre: str | None) -> str:
    """`""` for all centres, else `-centre-<label>` with anything but letters, digits, `.`, `_`, `-` as `-`."""
    if centre is None:
        return ""
    return "-centre-" + (_UNSAFE.sub("-", centre).strip("-.") or "unnamed")


def html_name(centre: str | None) -> str:
    return f"{HTML_STEM}{centre_suffix(centre)}.html"


def csv_name(table: str, centre: str | None) -> str:
    return f"{table}{centre_suffix(centre)}.csv"
