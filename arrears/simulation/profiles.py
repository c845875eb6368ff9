"""The compliance profile a simulated case's contacts are gated by."""

from arrears.compliance.loader import profile_for
from arrears.compliance.profile import Profile

_layered: dict[tuple[str, str], Profile] = {}


def gate_profile(jurisdiction: str, overlay: Profile | None) -> Profile:
    """The jurisdiction's profile, with the lender's house policy on top when one is set;
    layered once per simulation process."""
    key = (jurisdiction, overlay.model_dump_json() if overlay else "")
    if key not in _layered:
        _layered[key] = profile_for(jurisdiction, overlay)
    return _layered[key]
