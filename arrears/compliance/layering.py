"""Layering profiles: a jurisdiction, then a lender's house policy; the strictest wins.

Pure. Caps take the minimum, quiet periods the maximum, contact hours the intersection
(latest opening, earliest closing), restricting switches any layer sets, and a vulnerability
pause beats softening. The winning layer's rule is kept whole, with its source and layer,
so a verdict still names the layer whose rule decided (`house.weekly_budget`). The layered
profile is named after the first layer; its version joins the layers' `name@version`.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from arrears.compliance.profile import (
    BreathingSpaceRule,
    CapRule,
    ChannelsRule,
    ContactPersonsRule,
    ContactWindowRule,
    Profile,
    QuietDaysRule,
    Sourced,
    TemplateRules,
    VulnerabilityRule,
    WordingRule,
)

R = TypeVar("R", bound=Sourced)


class LayeringError(ValueError):
    """Layers that cannot be combined (their contact hours do not overlap)."""


def layer(*profiles: Profile) -> Profile:
    """The strictest combination of `profiles`, the first being the jurisdiction."""
    if not profiles:
        raise LayeringError("layer needs at least one profile")
    first, *rest = profiles
    combined = first
    for other in rest:
        combined = _pair(combined, other)
    version = "+".join(profile.label for profile in profiles)
    return combined.model_copy(update={"name": first.name, "version": version})


def _pair(a: Profile, b: Profile) -> Profile:
    return a.model_copy(
        update={
            "window": _window(a.window, b.window),
            "connected_calls_per_customer_per_day": _pick(
                a.connected_calls_per_customer_per_day,
                b.connected_calls_per_customer_per_day,
                _fewer,
            ),
            "unanswered_attempts_per_point_per_day": _pick(
                a.unanswered_attempts_per_point_per_day,
                b.unanswered_attempts_per_point_per_day,
                _fewer,
            ),
            "call_attempts_per_debt_rolling_7_days": _pick(
                a.call_attempts_per_debt_rolling_7_days,
                b.call_attempts_per_debt_rolling_7_days,
                _fewer,
            ),
            "quiet_days_after_conversation": _pick(
                a.quiet_days_after_conversation, b.quiet_days_after_conversation, _longer
            ),
            "contacts_per_week": _pick(a.contacts_per_week, b.contacts_per_week, _fewer),
            "opt_out": _pick(a.opt_out, b.opt_out, _first),
            "vulnerability": _pick(a.vulnerability, b.vulnerability, _vulnerability),
            "breathing_space": _pick(a.breathing_space, b.breathing_space, _longer_space),
            # A permission, not a protection: only the jurisdiction grants it (a house
            # policy may tighten it, never grant it where the law's profile does not).
            "contact_persons": (
                _pick(a.contact_persons, b.contact_persons, _persons)
                if a.contact_persons is not None
                else None
            ),
            "templates": _templates(a.templates, b.templates),
        }
    )


def _pick(a: R | None, b: R | None, stricter: Callable[[R, R], R]) -> R | None:
    """The rule of whichever layer has one; of two, the stricter (the first on a tie)."""
    if a is None or b is None:
        return a if b is None else b
    return stricter(a, b)


def _fewer(a: CapRule, b: CapRule) -> CapRule:
    return b if b.limit < a.limit else a


def _longer(a: QuietDaysRule, b: QuietDaysRule) -> QuietDaysRule:
    return b if b.days > a.days else a


def _longer_space(a: BreathingSpaceRule, b: BreathingSpaceRule) -> BreathingSpaceRule:
    return b if b.days > a.days else a


def _vulnerability(a: VulnerabilityRule, b: VulnerabilityRule) -> VulnerabilityRule:
    """A pause beats softening; of two softenings, the one with the lower cap."""
    if a.mode != b.mode:
        return a if a.mode == "pause" else b
    cap_a, cap_b = a.contacts_per_week, b.contacts_per_week
    if a.mode == "soften" and cap_b is not None and (cap_a is None or cap_b < cap_a):
        return b
    return a


def _persons(a: ContactPersonsRule, b: ContactPersonsRule) -> ContactPersonsRule:
    """More failed attempts or unreachable days before a contact person: stricter."""
    winner = (
        b
        if (b.failed_attempts, b.unreachable_days) > (a.failed_attempts, a.unreachable_days)
        else a
    )
    return winner.model_copy(
        update={
            "failed_attempts": max(a.failed_attempts, b.failed_attempts),
            "unreachable_days": max(a.unreachable_days, b.unreachable_days),
        }
    )


def _window(a: ContactWindowRule | None, b: ContactWindowRule | None) -> ContactWindowRule | None:
    """The intersection of two windows. The layer that sets the opening names the rule; a
    source from each layer that narrows it is kept. An agreed window replaces the
    intersection only if every layer allows it."""
    if a is None or b is None:
        return a if b is None else b
    opens_from = b if b.opens > a.opens else a
    closes_from = b if b.closes < a.closes else a
    opens, closes = opens_from.opens, closes_from.closes
    if opens >= closes:
        raise LayeringError(
            f"the contact hours of {a.layer} ({a.opens:%H:%M}-{a.closes:%H:%M}) and "
            f"{b.layer} ({b.opens:%H:%M}-{b.closes:%H:%M}) do not overlap"
        )
    sources = list(dict.fromkeys([opens_from.source, closes_from.source]))
    return opens_from.model_copy(
        update={
            "opens": opens,
            "closes": closes,
            "source": "; ".join(sources),
            "effective": max(opens_from.effective, closes_from.effective),
            "agreed_window_allowed": a.agreed_window_allowed and b.agreed_window_allowed,
        }
    )


def _templates(a: TemplateRules | None, b: TemplateRules | None) -> TemplateRules | None:
    """Template rules add up: every channel that needs opt-out wording, every refused
    wording category."""
    if a is None or b is None:
        return a if b is None else b
    return TemplateRules(
        opt_out_wording=_pick(a.opt_out_wording, b.opt_out_wording, _union_channels),
        identify_institution=_pick(a.identify_institution, b.identify_institution, _first),
        prohibited_wording=_pick(a.prohibited_wording, b.prohibited_wording, _union_wording),
    )


def _first(a: Any, b: Any) -> Any:
    return a


def _union_channels(a: ChannelsRule, b: ChannelsRule) -> ChannelsRule:
    return a.model_copy(update={"channels": list(dict.fromkeys([*a.channels, *b.channels]))})


def _union_wording(a: WordingRule, b: WordingRule) -> WordingRule:
    return a.model_copy(update={"categories": list(dict.fromkeys([*a.categories, *b.categories]))})
