"""The transparent points scorecard: tiers, reasons and monotonicity."""

import dataclasses
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.scorecard import (
    BASE_SCORE,
    HIGH_TIER_BELOW,
    LOW_TIER_FROM,
    ScoreFacts,
    score,
    tier_for,
)

REASON = re.compile(r"^(R\d{2}) .+ \(([+-]\d+)\)$")

CLEAN = ScoreFacts(
    total_due=50_000,
    dpd=0,
    other_open_cases=0,
    past_cases=0,
    past_written_off=0,
    has_phone=True,
    has_email=True,
)

facts_strategy = st.builds(
    ScoreFacts,
    total_due=st.integers(min_value=0, max_value=10**9),
    dpd=st.integers(min_value=0, max_value=400),
    other_open_cases=st.integers(min_value=0, max_value=5),
    past_cases=st.integers(min_value=0, max_value=10),
    past_written_off=st.integers(min_value=0, max_value=5),
    has_phone=st.booleans(),
    has_email=st.booleans(),
)


def codes(facts: ScoreFacts) -> list[str]:
    return [_parse(reason)[0] for reason in score(facts).reasons]


def _parse(reason: str) -> tuple[str, int]:
    match = REASON.match(reason)
    assert match, f"reason {reason!r} is not 'CODE meaning (+N)'"
    return match.group(1), int(match.group(2))


@pytest.mark.parametrize(
    ("value", "tier"),
    [
        (HIGH_TIER_BELOW - 1, "high"),
        (HIGH_TIER_BELOW, "medium"),
        (LOW_TIER_FROM - 1, "medium"),
        (LOW_TIER_FROM, "low"),
        (0, "high"),
        (1_000, "low"),
    ],
)
def test_tier_at_each_boundary(value: int, tier: str) -> None:
    assert tier_for(value) == tier


def test_tier_boundaries_are_520_and_620() -> None:
    assert (BASE_SCORE, HIGH_TIER_BELOW, LOW_TIER_FROM) == (600, 520, 620)


def test_clean_first_case_with_a_small_balance_is_low_risk() -> None:
    result = score(CLEAN)

    assert result.score == 660
    assert result.tier == "low"
    assert [_parse(reason) for reason in result.reasons] == [("R03", 30), ("R23", 30)]


def test_every_penalty_at_once_is_high_risk() -> None:
    worst = ScoreFacts(
        total_due=5_000_000,
        dpd=31,
        other_open_cases=2,
        past_cases=3,
        past_written_off=1,
        has_phone=False,
        has_email=False,
    )

    result = score(worst)

    assert codes(worst) == ["R01", "R10", "R20", "R21", "R30", "R31"]
    assert result.score == 600 - 60 - 50 - 40 - 80 - 30 - 10
    assert result.tier == "high"


@pytest.mark.parametrize(
    ("total_due", "code"),
    [
        (0, "R03"),
        (99_999, "R03"),
        (100_000, None),
        (999_999, None),
        (1_000_000, "R02"),
        (4_999_999, "R02"),
        (5_000_000, "R01"),
    ],
)
def test_balance_rule_at_each_boundary(total_due: int, code: str | None) -> None:
    found = [c for c in codes(dataclasses.replace(CLEAN, total_due=total_due)) if c < "R10"]

    assert found == ([code] if code else [])


@pytest.mark.parametrize(
    ("dpd", "code"), [(0, None), (3, None), (4, "R11"), (30, "R11"), (31, "R10"), (200, "R10")]
)
def test_days_past_due_rule_at_each_boundary(dpd: int, code: str | None) -> None:
    found = [c for c in codes(dataclasses.replace(CLEAN, dpd=dpd)) if "R10" <= c < "R20"]

    assert found == ([code] if code else [])


@pytest.mark.parametrize(
    ("changes", "code", "points"),
    [
        ({"other_open_cases": 1}, "R20", -40),
        ({"past_cases": 2, "past_written_off": 1}, "R21", -80),
        ({"past_cases": 2}, "R22", +20),
        ({}, "R23", +30),
        ({"has_phone": False}, "R30", -30),
        ({"has_email": False}, "R31", -10),
    ],
)
def test_each_rule_applied_gives_a_reason_with_its_points(
    changes: dict[str, object], code: str, points: int
) -> None:
    result = score(dataclasses.replace(CLEAN, **changes))

    reasons = dict(_parse(reason) for reason in result.reasons)

    assert reasons[code] == points


def test_written_off_history_replaces_the_cured_history_reason() -> None:
    found = codes(dataclasses.replace(CLEAN, past_cases=2, past_written_off=1))

    assert "R21" in found
    assert "R22" not in found
    assert "R23" not in found


@given(facts=facts_strategy)
def test_score_is_the_base_plus_the_points_in_the_reasons(facts: ScoreFacts) -> None:
    result = score(facts)

    assert result.score == BASE_SCORE + sum(_parse(reason)[1] for reason in result.reasons)
    assert result.tier == tier_for(result.score)


@given(facts=facts_strategy)
def test_each_reason_code_appears_at_most_once_in_rule_order(facts: ScoreFacts) -> None:
    found = codes(facts)

    assert found == sorted(set(found))
    assert sum(code in ("R21", "R22", "R23") for code in found) == 1


@given(facts=facts_strategy)
def test_adding_a_written_off_past_case_never_raises_the_score(facts: ScoreFacts) -> None:
    worse = dataclasses.replace(
        facts, past_cases=facts.past_cases + 1, past_written_off=facts.past_written_off + 1
    )

    assert score(worse).score <= score(facts).score


@given(facts=facts_strategy, extra=st.integers(min_value=1, max_value=10**9))
def test_a_larger_balance_never_raises_the_score(facts: ScoreFacts, extra: int) -> None:
    worse = dataclasses.replace(facts, total_due=facts.total_due + extra)

    assert score(worse).score <= score(facts).score


@given(facts=facts_strategy, extra=st.integers(min_value=1, max_value=400))
def test_more_days_past_due_never_raise_the_score(facts: ScoreFacts, extra: int) -> None:
    worse = dataclasses.replace(facts, dpd=facts.dpd + extra)

    assert score(worse).score <= score(facts).score


@given(facts=facts_strategy)
def test_more_open_cases_or_fewer_contact_points_never_raise_the_score(facts: ScoreFacts) -> None:
    for worse in (
        dataclasses.replace(facts, other_open_cases=facts.other_open_cases + 1),
        dataclasses.replace(facts, has_phone=False),
        dataclasses.replace(facts, has_email=False),
    ):
        assert score(worse).score <= score(facts).score


@given(facts=facts_strategy)
def test_score_stays_within_the_reachable_range(facts: ScoreFacts) -> None:
    assert 290 <= score(facts).score <= 660
