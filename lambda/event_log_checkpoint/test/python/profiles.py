"""Hypothesis profiles: `dev`, few examples, for a person's quick loop; `ci`, the full count, in CI.

CI sets `CI=true`, which selects `ci`; anything else selects `dev`, unless `HYPOTHESIS_PROFILE`
names a profile. conftest.py loads the profile before any test module is imported, so a test's
own `@settings(max_examples=examples(N))` reads the profile that is in force.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

DEV_EXAMPLES = 10
CI_EXAMPLES = 100  # Hypothesis' default


def register_and_load() -> str:
    """Registers both profiles, loads the one this environment asks for, and returns its name."""
    # The machine is shared: time limits on examples would test the neighbours.
    common = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("ci", common, max_examples=CI_EXAMPLES)
    settings.register_profile("dev", common, max_examples=DEV_EXAMPLES)
    name = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev")
    settings.load_profile(name)
    return name


def examples(thorough: int, quick: int | None = None) -> int:
    """`thorough` examples under the `ci` profile; under `dev`, at most the profile's few, or `quick`
    for a property whose every example is costly (a report rendered, many queries run): a person's
    loop exercises its logic on a handful, CI on the full count."""
    in_force = settings().max_examples  # a fresh settings object holds the loaded profile's values
    if in_force >= CI_EXAMPLES:
        return thorough
    return min(thorough, in_force if quick is None else quick)
