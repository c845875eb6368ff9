"""What a strategy offers a customer, with exact amounts, and which plans it allows.

Pure: no I/O, no Temporal import. Amounts are integer minor units and rates basis points;
every division is an integer one whose rounding is stated, never a float.
"""

from dataclasses import dataclass
from typing import Any, Literal

from arrears.contracts import Balance, Jurisdiction, RiskTier, Stage
from arrears.strategy.model import OfferRule, Strategy

BASIS_POINTS = 10_000
"""Basis points in a whole: 10,000 bp = 100 %."""

OfferKind = Literal["interest_waiver", "instalment_plan", "extension"]


@dataclass(frozen=True)
class Offer:
    """One offer with its amounts. `pay` is what the customer pays in all under it, never
    more than the balance; `waived` is interest forgiven; a plan's `instalments` add up to
    `pay` exactly. `rule` is the offer's path in the strategy file."""

    kind: OfferKind
    rule: str
    strategy_version: str
    pay: int
    waived: int = 0
    months: int | None = None
    instalments: tuple[int, ...] = ()
    extension_days: int | None = None


def offers_for(
    strategy: Strategy,
    stage: Stage,
    tier: RiskTier,
    balance: Balance,
    *,
    jurisdiction: Jurisdiction,
    hardship: bool = False,
) -> list[Offer]:
    """The offers for a case in `stage` at risk `tier` owing `balance`, in strategy order.

    An interest waiver forgives `waiver_bp` of the interest, rounded down to the minor
    unit, and is left out when that is nothing. Plan terms beyond the jurisdiction's
    maximum, or with instalments under one minor unit, are left out. Offers marked
    `only_on_hardship` are made only when `hardship`. Nothing is offered on a zero balance.
    """
    if min(balance.principal, balance.interest, balance.fees) < 0:
        raise ValueError("a balance cannot have a negative component")
    total = balance.principal + balance.interest + balance.fees
    if total == 0:
        return []

    def applies(rule: OfferRule) -> bool:
        return (
            stage in rule.stages and tier in rule.tiers and (hardship or not rule.only_on_hardship)
        )

    def offer(kind: OfferKind, k: int, **terms: Any) -> Offer:
        return Offer(kind, f"offers.{kind}[{k}]", strategy.version, **terms)

    offers: list[Offer] = []
    for k, waiver in enumerate(strategy.offers.interest_waiver):
        waived = balance.interest * waiver.waiver_bp // BASIS_POINTS
        if applies(waiver) and waived > 0:
            offers.append(offer("interest_waiver", k, pay=total - waived, waived=waived))
    longest = strategy.plan_max_months.get(jurisdiction, 0)
    for k, plan in enumerate(strategy.offers.instalment_plan):
        offers.extend(
            offer("instalment_plan", k, pay=total, months=n, instalments=instalments(total, n))
            for n in plan.months
            if applies(plan) and n <= longest and n <= total
        )
    for k, extension in enumerate(strategy.offers.extension):
        if applies(extension):
            offers.append(offer("extension", k, pay=total, extension_days=extension.days))
    return offers


def instalments(total: int, months: int) -> tuple[int, ...]:
    """`total` split over `months` instalments that add up to it exactly: equal amounts,
    the first `total % months` of them one minor unit larger."""
    if months < 1 or total < 0:
        raise ValueError("a plan needs at least one month and a non-negative total")
    base, extra = divmod(total, months)
    return (base + 1,) * extra + (base,) * (months - extra)


def validate_plan(strategy: Strategy, jurisdiction: Jurisdiction, months: int) -> None:
    """Raise `ValueError`, saying why, unless an instalment plan of `months` months is
    allowed in `jurisdiction` by this strategy (and so by law: see `plan_max_months`)."""
    longest = strategy.plan_max_months.get(jurisdiction)
    if longest is None:
        raise ValueError(
            f"strategy {strategy.version} offers no instalment plans in {jurisdiction}"
        )
    if not 1 <= months <= longest:
        raise ValueError(
            f"an instalment plan in {jurisdiction} runs 1 to {longest} months, not {months}"
        )
