"""The release of this package (semantic versioning): reported in every response and log line.

Terraform reads this file for the function's description and tags; CHANGELOG.md says what
each release holds.
"""

from __future__ import annotations

from typing import Final

VERSION: Final = "2.1.0"
