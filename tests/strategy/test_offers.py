"""Offers with exact integer amounts, and the instalment plans a jurisdiction allows."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.contracts import RiskTier, Stage
from arrears.strategy import Offer, instalments, load_default, offers_for, validate_plan
from tests.strategy.builders import balance

STRATEGY = load_default()


def _kinds(offers: list[Offer]) -> list[str]:
    return [offer.kind for offer in offers]


def test_interest_waiver_is_exact_and_rounds_in_whole_minor_units() -> None:
    owed = balance(100_000, interest=12_345, fees=500)

    waiver, *_ = offers_for(STRATEGY, "early", "medium", owed, jurisdiction="CN")

    assert waiver.kind == "interest_waiver"
    assert waiver.rule == "offers.interest_waiver[0]"
    assert waiver.waived == 6_172  # 50.00 % of 12,345, rounded down
    assert waiver.pay == 112_845 - 6_172
    assert type(waiver.pay) is int and type(waiver.waived) is int


def test_no_waiver_is_offered_when_nothing_would_be_waived() -> None:
    offers = offers_for(STRATEGY, "early", "low", balance(50_000), jurisdiction="CN")

    assert "interest_waiver" not in _kinds(offers)


def test_plans_split_the_balance_exactly_over_each_term() -> None:
    owed = balance(100_000, interest=12_345, fees=500)

    plans = [o for o in offers_for(STRATEGY, "mid", "high", owed, jurisdiction="CN") if o.months]

    assert [plan.months for plan in plans] == [3, 6, 12, 24]
    assert plans[1].instalments == (18_808, 18_808, 18_808, 18_807, 18_807, 18_807)
    assert all(sum(plan.instalments) == plan.pay == 112_845 for plan in plans)


def test_hardship_opens_plans_early_and_longer_ones_up_to_the_cn_limit() -> None:
    owed = balance(1_000_000)

    early = offers_for(STRATEGY, "early", "high", owed, jurisdiction="CN")
    early_hardship = offers_for(STRATEGY, "early", "high", owed, jurisdiction="CN", hardship=True)
    mid_hardship = offers_for(STRATEGY, "mid", "high", owed, jurisdiction="CN", hardship=True)

    assert "instalment_plan" not in _kinds(early)
    assert [o.months for o in early_hardship if o.months] == [3, 6, 12, 24, 36]
    assert max(o.months or 0 for o in mid_hardship) == 60


def test_a_jurisdiction_without_plan_limits_gets_no_plans() -> None:
    offers = offers_for(STRATEGY, "mid", "low", balance(100_000), jurisdiction="US")

    assert "instalment_plan" not in _kinds(offers)


def test_extension_is_not_offered_to_high_risk() -> None:
    owed = balance(100_000)

    (low_extension,) = [
        o for o in offers_for(STRATEGY, "early", "low", owed, jurisdiction="CN") if o.extension_days
    ]
    high = offers_for(STRATEGY, "early", "high", owed, jurisdiction="CN")

    assert low_extension.extension_days == 30
    assert low_extension.pay == 100_000
    assert "extension" not in _kinds(high)


def test_nothing_is_offered_on_a_zero_balance_and_negative_parts_are_refused() -> None:
    assert offers_for(STRATEGY, "mid", "low", balance(0), jurisdiction="CN") == []
    with pytest.raises(ValueError, match="negative"):
        offers_for(STRATEGY, "mid", "low", balance(100, interest=-1), jurisdiction="CN")


@given(
    principal=st.integers(0, 10**12),
    interest=st.integers(0, 10**10),
    fees=st.integers(0, 10**8),
    stage=st.sampled_from(["reminder", "early", "mid", "late", "legal"]),
    tier=st.sampled_from(["low", "medium", "high"]),
    hardship=st.booleans(),
)
def test_offers_never_exceed_the_balance_and_add_up_exactly(
    principal: int, interest: int, fees: int, stage: Stage, tier: RiskTier, hardship: bool
) -> None:
    owed = balance(principal, interest=interest, fees=fees)

    for offer in offers_for(STRATEGY, stage, tier, owed, jurisdiction="CN", hardship=hardship):
        assert 0 < offer.pay <= owed.total
        assert 0 <= offer.waived <= interest
        assert offer.pay + offer.waived == owed.total
        assert all(type(amount) is int for amount in (offer.pay, offer.waived, *offer.instalments))
        if offer.months:
            assert sum(offer.instalments) == offer.pay
            assert len(offer.instalments) == offer.months <= 60


@given(total=st.integers(0, 10**13), months=st.integers(1, 600))
def test_instalments_add_up_and_differ_by_at_most_one_unit(total: int, months: int) -> None:
    split = instalments(total, months)

    assert sum(split) == total
    assert len(split) == months
    assert max(split) - min(split) <= 1
    assert list(split) == sorted(split, reverse=True)


def test_cn_plans_run_at_most_60_months() -> None:
    validate_plan(STRATEGY, "CN", 1)
    validate_plan(STRATEGY, "CN", 60)
    with pytest.raises(ValueError, match="runs 1 to 60 months, not 61"):
        validate_plan(STRATEGY, "CN", 61)
    with pytest.raises(ValueError, match="not 0"):
        validate_plan(STRATEGY, "CN", 0)
    with pytest.raises(ValueError, match="offers no instalment plans in US"):
        validate_plan(STRATEGY, "US", 12)
