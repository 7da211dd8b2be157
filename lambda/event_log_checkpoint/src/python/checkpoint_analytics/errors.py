"""Why an analysis could not run: the CLI prints these messages and exits non-zero."""

from __future__ import annotations


class AnalyticsError(Exception):
    """Base of every error the analytics package raises on purpose."""


class CheckpointNotFound(AnalyticsError):
    """No object or file at the checkpoint location given."""


class InvalidMonth(AnalyticsError, ValueError):
    """A month that is not `YYYY-MM`."""


class NoEvents(AnalyticsError):
    """The checkpoint holds no events, so there is no latest month to report on."""


class NaiveDatetime(AnalyticsError, ValueError):
    """A timestamp bound without a time zone: it cannot be compared with UTC event times."""


class CheckpointUnreachable(AnalyticsError):
    """S3 refused or failed the read (access denied, throttling, network) after its retries."""


class NotACheckpoint(AnalyticsError):
    """The file exists but is not parquet, or its columns are not the checkpoint's."""


class UnknownCentre(AnalyticsError):
    """A centre no row of the checkpoint names: a report for it would be empty for a typo."""


class InvalidLocation(AnalyticsError, ValueError):
    """A checkpoint or reference location that cannot be read as given (a malformed template, say)."""


class ForeignReference(AnalyticsError):
    """A reference file whose columns or values are not the reference implementation's (names file and column)."""
