"""A template location (one parquet object per study and datatype) and the group files it names.

`s3://b/prod/checkpoints/{study}/{datatype}/events.parquet` or a local path with the same
braces, Hive style (`study={study}/datatype={datatype}`) too: the part from the last fixed
folder before the first brace on is a key template, checked by the Lambda's own rules. The
groups are found by listing the template's fixed prefix, as the Lambda finds them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from checkpoint_analytics.errors import InvalidLocation
from checkpoint_analytics.storage import S3_SCHEME, is_s3, list_under, split_s3_url
from checkpoint_lambda.adapters.s3 import S3Connector
from checkpoint_lambda.domain.key_template import InvalidKeyTemplate, KeyTemplate


@dataclass(frozen=True, slots=True)
class GroupFile:
    """One group's checkpoint file, with the study and datatype its path names."""

    study: str
    datatype: str
    location: str


@dataclass(frozen=True, slots=True)
class TemplateLocation:
    """`root` (`s3://bucket/` or a local folder, may be empty) + a key template."""

    root: str
    template: KeyTemplate

    @property
    def fixed_prefix(self) -> str:
        """Where every group lies: `root` + the template's fixed prefix."""
        return self.root + self.template.fixed_prefix


def is_template(location: str) -> bool:
    return "{" in location or "}" in location


def parse_template(location: str) -> TemplateLocation:
    """Splits a template location into its root and key template; InvalidLocation says what is wrong."""
    if is_s3(location):
        bucket, text = split_s3_url(location)
        root = f"{S3_SCHEME}{bucket}/"
    else:
        location = os.path.normpath(location)  # as a folder walk spells paths (no ./, no //)
        head = location[: location.index("{")] if "{" in location else location
        folder = head[: head.rfind("/")] if "/" in head else ""
        root = folder[: folder.rfind("/") + 1]
        text = location[len(root) :]
    try:
        return TemplateLocation(root, KeyTemplate.parse(text))
    except InvalidKeyTemplate as exc:
        raise InvalidLocation(f"{location} is not a checkpoint template: {exc}") from exc


def group_files(
    location: str, connector: S3Connector | None, study: str | None = None, datatype: str | None = None
) -> list[GroupFile]:
    """The group files under the template's prefix that match it (and `study`/`datatype` when given), sorted."""
    parsed = parse_template(location)
    found = []
    for name in list_under(parsed.fixed_prefix, connector):
        matched = parsed.template.match(name[len(parsed.root) :])
        if matched is None:
            continue
        group = GroupFile(matched[0], matched[1], name)
        if (study is None or group.study == study) and (datatype is None or group.datatype == datatype):
            found.append(group)
    return found
