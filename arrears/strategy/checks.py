"""The rules that relate one part of a strategy to another, beyond each field's own range.

Pure: no I/O, no Temporal import. `coherence_problems` lists every problem with its field
path, so one load reports them all; the loader refuses a strategy that has any.
"""

import itertools
from typing import get_args

from arrears.strategy.model import (
    LEGAL_MAX_PLAN_MONTHS,
    STAGE_ORDER,
    TIERS,
    Blocker,
    EscalationStep,
    Strategy,
)

Problem = tuple[str, str]
"""A field path (`stages[2].from_dpd`, empty for the whole document) and what is wrong."""

# Escalations that must happen in this order (by DPD, for every tier) when both are present.
_CHAINS: tuple[tuple[EscalationStep, ...], ...] = (
    ("bureau_pre_notice", "bureau_report", "write_off"),
    ("lawyer_letter", "litigation_referral", "write_off"),
)
_LEGAL_TRACK: tuple[EscalationStep, ...] = ("lawyer_letter", "litigation_referral")
_AGREEMENTS: frozenset[Blocker] = frozenset(get_args(Blocker))
"""An active promise, plan, hardship pause or dispute holds back every escalation."""


def _stage_problems(strategy: Strategy) -> list[Problem]:
    problems: list[Problem] = []
    stages = strategy.stages
    for i, stage in enumerate(stages):
        at = f"stages[{i}]"
        earlier = [s.name for s in stages[:i]]
        if stage.name in earlier:
            problems.append((f"{at}.name", f"stage {stage.name!r} is defined twice"))
        elif earlier and STAGE_ORDER.index(stage.name) < STAGE_ORDER.index(earlier[-1]):
            problems.append((f"{at}.name", f"stages run in the order {', '.join(STAGE_ORDER)}"))
        if i == 0 and stage.from_dpd != 0:
            problems.append((f"{at}.from_dpd", "the first stage must start at DPD 0"))
        if i == 0 and stage.requires_refusal:
            problems.append((f"{at}.requires_refusal", "the first stage cannot require a refusal"))
        if i and stage.from_dpd <= stages[i - 1].from_dpd:
            problems.append((f"{at}.from_dpd", "stages must be in increasing DPD order"))
        if stage.contact != (stage.cadence is not None):
            flag, needs = ("true", "one for each tier") if stage.contact else ("false", "none")
            problems.append((f"{at}.cadence", f"a stage with contact: {flag} needs {needs}"))
    if stages[0].name != "reminder":
        problems.append(("stages[0].name", "the first stage must be 'reminder', the grace period"))
    elif len(stages) > 1 and stages[1].from_dpd != strategy.grace_days + 1:
        last = stages[1].from_dpd - 1
        problems.append(("grace_days", f"must equal the reminder stage's last DPD ({last})"))
    return problems


def _escalation_problems(strategy: Strategy) -> list[Problem]:
    problems: list[Problem] = []
    rules = strategy.escalations
    for chain in _CHAINS:
        present = [step for step in chain if step in rules]
        for first, then in itertools.pairwise(present):
            problems.extend(
                (f"escalations.{then}.dpd.{tier}", f"{then} must come after {first}")
                for tier in TIERS
                if rules[then].dpd.of(tier) <= rules[first].dpd.of(tier)
            )
    for step, rule in rules.items():
        at = f"escalations.{step}"
        waits_for = rule.after.step if rule.after else None
        if step == "bureau_report" and waits_for != "bureau_pre_notice":
            problems.append((f"{at}.after", "a bureau report must wait after the pre-notice"))
        if step in _LEGAL_TRACK and not rule.requires_refusal:
            problems.append((f"{at}.requires_refusal", "the legal track is only for refusers"))
        if missing := _AGREEMENTS - set(rule.blocked_by):
            problems.append(
                (f"{at}.blocked_by", f"every escalation must be held back by {sorted(missing)}")
            )
        if rule.after is None:
            continue
        if rule.after.step not in rules or rule.after.step == step:
            problems.append((f"{at}.after.step", "must name another escalation of this strategy"))
            continue
        for tier in TIERS:
            earliest = rules[rule.after.step].dpd.of(tier) + rule.after.wait_days
            if rule.dpd.of(tier) < earliest:
                what = f"must be at least {earliest} ({rule.after.step} plus the wait)"
                problems.append((f"{at}.dpd.{tier}", what))
    return problems


def _offer_problems(strategy: Strategy) -> list[Problem]:
    problems: list[Problem] = [
        (f"plan_max_months.{where}", f"exceeds the legal maximum of {cap} months")
        for where, months in strategy.plan_max_months.items()
        if (cap := LEGAL_MAX_PLAN_MONTHS.get(where)) is not None and months > cap
    ]
    longest = max(strategy.plan_max_months.values())
    for k, plan in enumerate(strategy.offers.instalment_plan):
        problems.extend(
            (f"offers.instalment_plan[{k}].months[{m}]", "longer than any plan_max_months")
            for m, months in enumerate(plan.months)
            if months > longest
        )
    names = {stage.name for stage in strategy.stages}
    for kind, offers in strategy.offers:
        for k, offer in enumerate(offers):
            problems.extend(
                (f"offers.{kind}[{k}].stages[{m}]", f"{stage!r} is not a stage of this strategy")
                for m, stage in enumerate(offer.stages)
                if stage not in names
            )
    return problems


def coherence_problems(strategy: Strategy) -> list[Problem]:
    """Every cross-field problem of `strategy` (stages, then escalations, then offers);
    empty when it is coherent. Each field must already be valid on its own."""
    return _stage_problems(strategy) + _escalation_problems(strategy) + _offer_problems(strategy)
