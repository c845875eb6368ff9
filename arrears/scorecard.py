"""A transparent points scorecard for collection risk.

Pure. Every point given or taken away comes with a reason code, so an agent or an auditor
can see why a customer was scored as they were. Higher score, lower risk.
"""

from dataclasses import dataclass

from arrears.contracts import RiskScore, RiskTier

BASE_SCORE = 600
HIGH_TIER_BELOW = 520
LOW_TIER_FROM = 620


@dataclass(frozen=True)
class ScoreFacts:
    """What the scorecard looks at. Amounts are in the case currency's minor units."""

    total_due: int
    dpd: int
    other_open_cases: int
    past_cases: int
    past_written_off: int
    has_phone: bool
    has_email: bool


@dataclass(frozen=True)
class _Rule:
    code: str
    meaning: str
    points: int


def _rules_for(facts: ScoreFacts) -> list[_Rule]:
    rules: list[_Rule] = []
    if facts.total_due >= 5_000_000:
        rules.append(_Rule("R01", "balance at or above 50,000 units", -60))
    elif facts.total_due >= 1_000_000:
        rules.append(_Rule("R02", "balance at or above 10,000 units", -30))
    elif facts.total_due < 100_000:
        rules.append(_Rule("R03", "small balance, under 1,000 units", +30))
    if facts.dpd > 30:
        rules.append(_Rule("R10", "opened more than 30 days past due", -50))
    elif facts.dpd > 3:
        rules.append(_Rule("R11", "opened past the grace period", -20))
    if facts.other_open_cases:
        rules.append(_Rule("R20", "customer has other loans in collection", -40))
    if facts.past_written_off:
        rules.append(_Rule("R21", "customer has a written-off loan", -80))
    elif facts.past_cases:
        rules.append(_Rule("R22", "customer cured earlier collection cases", +20))
    else:
        rules.append(_Rule("R23", "first collection case for this customer", +30))
    if not facts.has_phone:
        rules.append(_Rule("R30", "no phone number on file", -30))
    if not facts.has_email:
        rules.append(_Rule("R31", "no e-mail address on file", -10))
    return rules


def tier_for(score: int) -> RiskTier:
    if score < HIGH_TIER_BELOW:
        return "high"
    if score >= LOW_TIER_FROM:
        return "low"
    return "medium"


def score(facts: ScoreFacts) -> RiskScore:
    """Score `facts`: the base plus each rule's points; reasons in the order applied."""
    rules = _rules_for(facts)
    total = BASE_SCORE + sum(rule.points for rule in rules)
    reasons = [f"{rule.code} {rule.meaning} ({rule.points:+d})" for rule in rules]
    return RiskScore(score=total, tier=tier_for(total), reasons=reasons)
