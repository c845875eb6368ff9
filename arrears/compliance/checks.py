"""The rules that relate one part of a profile to another, beyond each field's own range.

Pure. `coherence_problems` lists every problem with its field path, so one load reports
them all; the loader refuses a profile that has any.
"""

import re

from arrears.compliance.profile import VERSION_PATTERN, Profile, Sourced, TemplateRules

Problem = tuple[str, str]
"""A field path (`window.closes`, empty for the whole document) and what is wrong."""


def coherence_problems(profile: Profile) -> list[Problem]:
    """Every cross-field problem of a profile file; empty when it is coherent."""
    problems: list[Problem] = []
    if not re.match(VERSION_PATTERN, profile.version):
        problems.append(("version", "letters, digits, '.', '_' and '-', at most 40 characters"))
    for path, rule in _rules(profile):
        if not rule.source.strip():
            problems.append((f"{path}.source", "name the regulation and article"))
        if rule.layer != profile.name:
            problems.append((f"{path}.layer", "set from the profile's name: leave it out"))
    if (window := profile.window) is not None and window.opens >= window.closes:
        problems.append(("window.closes", "the window must close after it opens, the same day"))
    if (vulnerable := profile.vulnerability) is not None:
        if vulnerable.mode == "pause" and vulnerable.contacts_per_week is not None:
            problems.append(
                ("vulnerability.contacts_per_week", "only mode 'soften' has a weekly cap")
            )
    if (templates := profile.templates) is not None:
        if (opt_out := templates.opt_out_wording) and len(set(opt_out.channels)) < len(
            opt_out.channels
        ):
            problems.append(("templates.opt_out_wording.channels", "list each channel once"))
        if (wording := templates.prohibited_wording) and len(set(wording.categories)) < len(
            wording.categories
        ):
            problems.append(("templates.prohibited_wording.categories", "list each category once"))
    return problems


def _rules(profile: Profile) -> list[tuple[str, Sourced]]:
    found: list[tuple[str, Sourced]] = []
    for field in Profile.model_fields:
        value = getattr(profile, field)
        if isinstance(value, Sourced):
            found.append((field, value))
        elif isinstance(value, TemplateRules):
            for inner in TemplateRules.model_fields:
                if isinstance(rule := getattr(value, inner), Sourced):
                    found.append((f"{field}.{inner}", rule))
    return found
