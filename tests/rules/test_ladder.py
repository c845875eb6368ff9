"""The default collection ladder: the stage for a number of days past due."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.workflows.ladder import GRACE_DAYS, WRITE_OFF_DPD, stage_for

LADDER_ORDER = ("reminder", "early", "mid", "late", "write_off")


@pytest.mark.parametrize(
    ("dpd", "stage"),
    [
        (0, "reminder"),
        (3, "reminder"),
        (4, "early"),
        (30, "early"),
        (31, "mid"),
        (60, "mid"),
        (61, "late"),
        (90, "late"),
        (91, "late"),
        (179, "late"),
        (180, "write_off"),
        (365, "write_off"),
    ],
)
def test_stage_for_each_ladder_boundary(dpd: int, stage: str) -> None:
    assert stage_for(dpd) == stage


def test_grace_period_ends_after_three_days() -> None:
    assert GRACE_DAYS == 3
    assert stage_for(GRACE_DAYS) == "reminder"
    assert stage_for(GRACE_DAYS + 1) == "early"


def test_write_off_starts_at_180_days_past_due() -> None:
    assert WRITE_OFF_DPD == 180
    assert stage_for(WRITE_OFF_DPD - 1) == "late"
    assert stage_for(WRITE_OFF_DPD) == "write_off"


@given(dpd=st.integers(min_value=0, max_value=10_000))
def test_days_past_due_alone_never_reach_legal(dpd: int) -> None:
    assert stage_for(dpd) != "legal"
    assert stage_for(dpd) in LADDER_ORDER


@given(
    first=st.integers(min_value=0, max_value=10_000),
    second=st.integers(min_value=0, max_value=10_000),
)
def test_stage_never_moves_back_down_the_ladder_as_dpd_grows(first: int, second: int) -> None:
    low, high = sorted((first, second))

    assert LADDER_ORDER.index(stage_for(low)) <= LADDER_ORDER.index(stage_for(high))


def test_every_day_from_zero_to_write_off_walks_the_ladder_in_order() -> None:
    stages = [stage_for(dpd) for dpd in range(WRITE_OFF_DPD + 1)]
    distinct = list(dict.fromkeys(stages))

    assert distinct == list(LADDER_ORDER)
