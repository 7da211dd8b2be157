"""The rules that judge an event file, and their fingerprint.

A content failure is a verdict of these rules, not a fact about the file: when the
rules change (a new datatype, a looser field), a file they rejected may now be an
event. The fingerprint is a short hash of what decides validity — the event model's
JSON schema, the key-name patterns, and the source of the validators the schema does
not show (the study's path-segment rule among them) — not the release number, so a
release that changes none of them judges nothing again.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from dataclasses import dataclass, field
from typing import Any

from checkpoint_lambda.domain import event_keys, events
from checkpoint_lambda.domain.event_parsing import MAX_EVENT_FILE_BYTES, parse_event
from checkpoint_lambda.domain.events import VisitEvent

FINGERPRINT_LENGTH = 12
#: The validators VisitEvent's JSON schema does not describe.
_HIDDEN_RULES: tuple[object, ...] = (
    events._one_path_segment,  # the study rule
    events._real_calendar_date,
    events._adcid_from_number_or_digits,
    events._require_string,
    events._to_utc,
    events.VisitEvent._module_only_for_forms,
)


def _source(rule: object) -> str:
    """A rule's source text; its bytecode where no source ships (a change of either is a change of rules)."""
    target: Any = getattr(rule, "__func__", rule)
    try:
        return inspect.getsource(target)
    except (OSError, TypeError):
        code = getattr(target, "__code__", None)
        return code.co_code.hex() if code is not None else repr(target)


def fingerprint_of(model: type[VisitEvent], hidden_rules: tuple[object, ...] = _HIDDEN_RULES) -> str:
    """A short hash of everything that decides whether a file is an event."""
    decided_by = {
        "schema": model.model_json_schema(),
        "key_patterns": [event_keys._FULL.pattern, event_keys._LEGACY.pattern, event_keys.SANDBOX_PROJECT_PREFIX],
        "max_bytes": MAX_EVENT_FILE_BYTES,
        "validators": [_source(rule) for rule in hidden_rules],
    }
    text = json.dumps(decided_by, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:FINGERPRINT_LENGTH]


@dataclass(frozen=True)
class Rules:
    """The event model a run validates with, and its fingerprint (recorded with each verdict)."""

    model: type[VisitEvent] = VisitEvent
    fingerprint: str = field(default="")

    def __post_init__(self) -> None:
        if not self.fingerprint:
            object.__setattr__(self, "fingerprint", fingerprint_of(self.model))

    def parse(self, data: bytes) -> VisitEvent:
        """Raises InvalidEventFile with the reason when `data` is not an event under these rules."""
        return parse_event(data, self.model)


DEFAULT_RULES = Rules()
