"""A template location (one parquet object per study and datatype) and the group files it names.

`s3://b/prod/checkpoints/{study}/{datatype}/events.parquet` or a local path with the same
braces, Hive style (`study={study}/datatype={datatype}`) too. The groups are found by
listing the template's fixed prefix, as the Lambda finds them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from checkpoint_analytics.errors import InvalidLocation
from checkpoint_analytics.storage import S3_SCHEME, is_s3, list_under
from checkpoint_lambda.object_store import S3Connector

_FIELDS = ("study", "datatype")
_BRACES = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True, slots=True)
class GroupFile:
    """One group's checkpoint file, with the study and datatype its path names."""

    study: str
    datatype: str
    location: str


def is_template(location: str) -> bool:
    return "{" in location or "}" in location


def fixed_prefix(template: str) -> str:
    """The text before the first brace, cut after its last `/`: the folder every group lies under."""
    head = template[: template.index("{")]
    return head[: head.rindex("/") + 1] if "/" in head else ""


def checked_template(template: str) -> str:
    """The template, if `{study}` and `{datatype}` each appear once, in folder segments, with nothing else in braces."""
    names = _BRACES.findall(template)
    problems = [f"{{{name}}} is not a template field" for name in names if name not in _FIELDS]
    problems += [f"{{{name}}} must appear exactly once" for name in _FIELDS if names.count(name) != 1]
    if _BRACES.sub("", template).count("{") or _BRACES.sub("", template).count("}"):
        problems.append("unbalanced braces")
    if "{" in template.rsplit("/", 1)[-1]:
        problems.append("the file name must not hold a field (fields name folders)")
    folder = fixed_prefix(template) if "{" in template else ""
    if is_s3(folder):
        folder = folder.removeprefix(S3_SCHEME).partition("/")[2]
    if not problems and not folder.strip("/"):
        problems.append("the template needs a fixed folder before its first field")
    if problems:
        raise InvalidLocation(f"{template} is not a checkpoint template: " + "; ".join(problems))
    return template


def group_files(
    template: str, connector: S3Connector | None, study: str | None = None, datatype: str | None = None
) -> list[GroupFile]:
    """The group files under the template's prefix that match it (and `study`/`datatype` when given), sorted."""
    checked_template(template)
    if not is_s3(template):
        template = os.path.normpath(template)  # as the folder walk spells paths (no ./, no //)
    pattern = _pattern(template)
    found = []
    for location in list_under(fixed_prefix(template), connector):
        match = pattern.fullmatch(location)
        if match is None:
            continue
        group = GroupFile(match["study"], match["datatype"], location)
        if (study is None or group.study == study) and (datatype is None or group.datatype == datatype):
            found.append(group)
    return found


def _pattern(template: str) -> re.Pattern[str]:
    parts = _BRACES.split(template)  # text, field, text, field, text
    regex = "".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>[^/]+)" for index, part in enumerate(parts))
    return re.compile(regex)
