"""Where each group's checkpoint object lives in the per-group layout: a key template.

`prod/checkpoints/{study}/{datatype}/events.parquet` (or Hive style,
`checkpoints/study={study}/datatype={datatype}/events.parquet`) gives one object per
(study, datatype). Everything before the first brace, up to its last `/`, is the fixed
prefix: the folder that holds every group, and so the Athena table's location.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Final

PLACEHOLDERS: Final = ("study", "datatype")
_BRACED = re.compile(r"\{([^{}]*)\}")
_SEGMENT_VALUE = r"[^/]+"


class InvalidKeyTemplate(ValueError):
    """The template cannot name one object per (study, datatype); the message says why."""


@dataclass(frozen=True)
class KeyTemplate:
    """A validated key template; build with `KeyTemplate.parse`."""

    text: str

    @classmethod
    def parse(cls, text: str) -> KeyTemplate:
        """Raises InvalidKeyTemplate unless `{study}` and `{datatype}` each appear once, in folders."""
        names = _BRACED.findall(text)
        unknown = sorted({name for name in names if name not in PLACEHOLDERS})
        if unknown:
            raise InvalidKeyTemplate(f"unknown placeholder(s) {', '.join('{' + n + '}' for n in unknown)}")
        if _BRACED.sub("", text).count("{") or _BRACED.sub("", text).count("}"):
            raise InvalidKeyTemplate("unbalanced brace")
        for name in PLACEHOLDERS:
            if names.count(name) != 1:
                raise InvalidKeyTemplate(f"{{{name}}} must appear exactly once")
        folder, _, file_name = text.rpartition("/")
        if "{" in file_name or not file_name:
            raise InvalidKeyTemplate("the file name must be fixed: put {study} and {datatype} in folders")
        if "/" not in text[: text.index("{")]:
            raise InvalidKeyTemplate("the template must start with a fixed folder, e.g. checkpoints/")
        if folder.startswith("/") or "//" in text:
            raise InvalidKeyTemplate("empty path segment")
        return cls(text)

    @property
    def fixed_prefix(self) -> str:
        """The folder every group's object is under, with its trailing `/`."""
        before = self.text[: self.text.index("{")]
        return before[: before.rindex("/") + 1]

    @property
    def file_name(self) -> str:
        return self.text.rpartition("/")[2]

    def key_for(self, study: str, datatype: str) -> str:
        return self.text.replace("{study}", study).replace("{datatype}", datatype)

    def match(self, key: str) -> tuple[str, str] | None:
        """(study, datatype) of a key this template names, or None for any other key."""
        found = _pattern(self.text).fullmatch(key)
        return (found["study"], found["datatype"]) if found else None


@cache
def _pattern(text: str) -> re.Pattern[str]:
    parts = _BRACED.split(text)
    regex = "".join(
        f"(?P<{part}>{_SEGMENT_VALUE})" if index % 2 else re.escape(part) for index, part in enumerate(parts)
    )
    return re.compile(regex)
