"""Which S3 keys are visit event files, and what their names hint at.

The name is a hint only (the JSON content is the truth); it is used to skip
non-event objects and sandbox projects without fetching them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# `not-pass-qc` before `pass-qc`: the longer action must win.
_ACTION = r"(?P<action>not-pass-qc|pass-qc|submit|delete)"
_FULL = re.compile(rf"^log-{_ACTION}-(?P<date>\d{{8}})-(?P<time>\d{{6}})-(?P<adcid>\d+)-(?P<rest>.+)\.json$")
_LEGACY = re.compile(rf"^log-{_ACTION}-(?P<date>\d{{8}})\.json$")
SANDBOX_PROJECT_PREFIX = "sandbox-"


@dataclass(frozen=True, slots=True)
class EventKeyHint:
    """What an event file's name says about its project (legacy names say nothing)."""

    project_hint: str | None

    @property
    def is_sandbox(self) -> bool:
        return self.project_hint is not None and self.project_hint.startswith(SANDBOX_PROJECT_PREFIX)


def parse_event_key(key: str) -> EventKeyHint | None:
    """Return the hint of an event file's key, or None when the key is not an event file.

    Only the last path component is matched. In the full shape the part after the
    ADCID is `{project}-{ptid}-{visit}`; the project itself contains hyphens, so only
    its start is reliable, which is all the sandbox check needs.
    """
    name = key.rpartition("/")[2]
    if not name.startswith("log-"):
        return None
    match = _FULL.match(name)
    if match:
        return EventKeyHint(match["rest"])
    match = _LEGACY.match(name)
    if match:
        return EventKeyHint(None)
    return None
