"""The stage ladder, the contact cadence by risk tier, escalations and promise dates."""

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.contracts import RiskTier, Stage
from arrears.strategy import (
    CaseFlags,
    ContactDue,
    Strategy,
    cadence_for,
    contacts_due,
    cooling_off_ends,
    escalations_due,
    first_call_day,
    from_data,
    load_default,
    next_contact_day,
    next_escalation_dpd,
    next_stage_dpd,
    promise_deadline,
    promise_horizon_ok,
    stage_for,
    stage_rule,
)
from arrears.strategy.model import STAGE_ORDER
from tests.strategy.builders import default_data

STRATEGY = load_default()
CONTACT_STAGES: list[Stage] = ["reminder", "early", "mid", "late"]
tiers = st.sampled_from(["low", "medium", "high"])


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
    ],
)
def test_stage_follows_the_default_ladder(dpd: int, stage: Stage) -> None:
    assert stage_for(STRATEGY, dpd) == stage


def test_legal_stage_is_only_for_refusers_past_90_dpd() -> None:
    assert stage_for(STRATEGY, 90, refused=True) == "late"
    assert stage_for(STRATEGY, 91, refused=True) == "legal"
    assert stage_for(STRATEGY, 91, refused=False) == "late"
    assert stage_for(STRATEGY, 180, refused=True) == "write_off"


def test_negative_dpd_has_no_stage() -> None:
    with pytest.raises(ValueError, match="negative"):
        stage_for(STRATEGY, -1)


@given(dpd=st.integers(0, 10_000), later=st.integers(0, 10_000), refused=st.booleans())
def test_stage_for_is_total_and_monotonic_over_dpd(dpd: int, later: int, refused: bool) -> None:
    first = stage_for(STRATEGY, dpd, refused=refused)
    second = stage_for(STRATEGY, dpd + later, refused=refused)

    assert STAGE_ORDER.index(first) <= STAGE_ORDER.index(second)
    assert STAGE_ORDER.index(stage_for(STRATEGY, dpd)) <= STAGE_ORDER.index(first)


def _contacts_in_stage(stage: Stage, tier: RiskTier) -> int:
    index = [rule.name for rule in STRATEGY.stages].index(stage)
    days = STRATEGY.stages[index + 1].from_dpd - STRATEGY.stages[index].from_dpd
    return sum(len(contacts_due(STRATEGY, stage, tier, day)) for day in range(days))


@pytest.mark.parametrize("stage", CONTACT_STAGES)
def test_low_risk_gets_fewer_contacts_than_high_risk(stage: Stage) -> None:
    low, medium, high = (_contacts_in_stage(stage, tier) for tier in ("low", "medium", "high"))

    assert low < high
    assert low <= medium <= high


def test_agent_calls_come_early_for_high_risk_and_later_for_low_risk() -> None:
    assert first_call_day(STRATEGY, "early", "high") == 1
    assert first_call_day(STRATEGY, "early", "medium") is None
    assert first_call_day(STRATEGY, "early", "low") is None
    assert first_call_day(STRATEGY, "mid", "low") == 7
    assert first_call_day(STRATEGY, "mid", "high") == 0


def test_contacts_due_name_stage_day_and_channel() -> None:
    assert contacts_due(STRATEGY, "early", "high", 0) == [
        ContactDue("sms", "early.d0.sms"),
        ContactDue("email", "early.d0.email"),
    ]
    assert contacts_due(STRATEGY, "early", "high", 1) == [ContactDue("call", "early.d1.call")]
    assert contacts_due(STRATEGY, "early", "high", 2) == []


def test_a_rescored_case_gets_the_same_key_for_the_same_day_and_channel() -> None:
    low = contacts_due(STRATEGY, "mid", "low", 21)
    high = contacts_due(STRATEGY, "mid", "high", 21)

    assert ContactDue("sms", "mid.d21.sms") in low
    assert ContactDue("sms", "mid.d21.sms") in high


def test_a_channel_asked_for_twice_on_one_day_is_contacted_once() -> None:
    data = default_data()
    data["stages"][1]["cadence"]["low"] = [
        {"day": 0, "every_days": 2, "channels": ["sms"]},
        {"day": 4, "channels": ["sms", "email"]},
    ]

    due = contacts_due(from_data(data), "early", "low", 4)

    assert due == [ContactDue("sms", "early.d4.sms"), ContactDue("email", "early.d4.email")]


def test_stages_without_contact_have_no_cadence() -> None:
    assert cadence_for(STRATEGY, "legal", "high") == ()
    assert contacts_due(STRATEGY, "write_off", "high", 0) == []
    assert next_contact_day(STRATEGY, "legal", "high", 0) is None


def test_a_stage_the_strategy_lacks_is_an_error() -> None:
    data = default_data()
    data["stages"].pop(4)

    with pytest.raises(ValueError, match="has no stage 'legal'"):
        stage_rule(from_data(data), "legal")


@given(stage=st.sampled_from(CONTACT_STAGES), tier=tiers, from_day=st.integers(0, 200))
def test_next_contact_day_is_the_first_day_with_a_contact(
    stage: Stage, tier: RiskTier, from_day: int
) -> None:
    day = next_contact_day(STRATEGY, stage, tier, from_day)
    end = day if day is not None else 400

    assert all(not contacts_due(STRATEGY, stage, tier, d) for d in range(from_day, end))
    if day is not None:
        assert contacts_due(STRATEGY, stage, tier, day)


def _due(dpd: int, tier: RiskTier, **flags: Any) -> list[str]:
    return [due.step for due in escalations_due(STRATEGY, dpd, tier, CaseFlags(**flags))]


def test_lawyers_letter_goes_to_refusers_at_dpd_75() -> None:
    done = {"bureau_pre_notice": 65, "bureau_report": 80}

    assert "lawyer_letter" not in _due(74, "medium", refused=True, done=done)
    assert "lawyer_letter" in _due(75, "medium", refused=True, done=done)
    assert "lawyer_letter" not in _due(120, "medium", refused=False, done=done)


@pytest.mark.parametrize("blocker", ["has_active_promise", "has_active_plan", "has_open_dispute"])
def test_litigation_waits_for_no_promise_plan_or_dispute(blocker: str) -> None:
    done = {"lawyer_letter": 75, "bureau_pre_notice": 65, "bureau_report": 80}

    assert _due(100, "medium", refused=True, done=done) == ["litigation_referral"]
    assert _due(100, "medium", refused=True, done=done, **{blocker: True}) == []


def test_litigation_follows_the_lawyers_letter_after_its_wait() -> None:
    done = {"lawyer_letter": 90, "bureau_pre_notice": 65, "bureau_report": 80}

    assert "litigation_referral" not in _due(103, "medium", refused=True, done=done)
    assert "litigation_referral" in _due(104, "medium", refused=True, done=done)


def test_bureau_report_waits_after_the_pre_notice() -> None:
    assert _due(61, "high") == ["bureau_pre_notice"]
    assert _due(74, "high", done={"bureau_pre_notice": 61}) == []
    assert _due(75, "high", done={"bureau_pre_notice": 61}) == ["bureau_report"]
    assert _due(80, "medium", done={"bureau_pre_notice": 70}) == []
    assert _due(84, "medium", done={"bureau_pre_notice": 70}) == ["bureau_report"]


def test_high_risk_escalates_earlier_than_low_risk() -> None:
    def first_dpd(tier: RiskTier) -> int:
        return next(dpd for dpd in range(200) if _due(dpd, tier))

    assert first_dpd("high") < first_dpd("medium") < first_dpd("low")


def test_escalations_name_their_rule_and_the_strategy_version() -> None:
    (due,) = escalations_due(STRATEGY, 61, "high", CaseFlags())

    assert due.rule == "escalations.bureau_pre_notice.dpd.high"
    assert due.strategy_version == "2026.12-1"


AGREEMENTS = ["has_active_promise", "has_active_plan", "has_open_dispute", "in_hardship"]


@pytest.mark.parametrize("agreement", AGREEMENTS)
def test_an_agreement_holds_back_every_escalation_write_off_included(agreement: str) -> None:
    taken = dict.fromkeys(["bureau_pre_notice", "bureau_report"], 61)

    assert _due(70, "high", **{agreement: True}) == []
    assert _due(180, "low", done=taken, **{agreement: True}) == []
    assert _due(180, "low", done=taken) == ["write_off"]


def test_cases_that_hold_every_escalation_ignore_a_strategy_that_lists_fewer_blockers() -> None:
    """A strategy from before the rule (write-off without blockers) still cannot write off
    a performing plan in runs that hold every escalation back."""
    data = default_data()
    del data["escalations"]["write_off"]["blocked_by"]
    lax = Strategy.model_validate(data)
    taken = dict.fromkeys(["bureau_pre_notice", "bureau_report"], 61)

    def due(**flags: Any) -> list[str]:
        return [d.step for d in escalations_due(lax, 180, "low", CaseFlags(done=taken, **flags))]

    assert due(has_active_plan=True) == ["write_off"]
    assert due(has_active_plan=True, agreements_hold_all=True) == []
    assert due(agreements_hold_all=True) == ["write_off"]


@given(dpd=st.integers(0, 220), refused=st.booleans())
def test_next_stage_dpd_is_the_first_day_in_another_stage(dpd: int, refused: bool) -> None:
    stage = stage_for(STRATEGY, dpd, refused=refused)
    change = next_stage_dpd(STRATEGY, dpd, refused=refused)
    end = change if change is not None else 400

    assert all(stage_for(STRATEGY, d, refused=refused) == stage for d in range(dpd, end))
    if change is not None:
        assert stage_for(STRATEGY, change, refused=refused) != stage


def test_the_last_stage_has_no_next_one() -> None:
    assert next_stage_dpd(STRATEGY, 3) == 4
    assert next_stage_dpd(STRATEGY, 90) == 180
    assert next_stage_dpd(STRATEGY, 90, refused=True) == 91
    assert next_stage_dpd(STRATEGY, 180) is None


flag_sets = st.builds(
    CaseFlags,
    refused=st.booleans(),
    has_active_promise=st.booleans(),
    has_active_plan=st.booleans(),
    has_open_dispute=st.booleans(),
    in_hardship=st.booleans(),
    done=st.dictionaries(
        st.sampled_from(list(STRATEGY.escalations)), st.integers(0, 200), max_size=4
    ),
)


@given(dpd=st.integers(0, 220), tier=tiers, flags=flag_sets)
def test_next_escalation_dpd_is_the_first_day_with_an_escalation(
    dpd: int, tier: RiskTier, flags: CaseFlags
) -> None:
    day = next_escalation_dpd(STRATEGY, dpd, tier, flags)
    end = day if day is not None else 400

    assert all(not escalations_due(STRATEGY, d, tier, flags) for d in range(dpd + 1, end))
    if day is not None:
        assert day > dpd
        assert escalations_due(STRATEGY, day, tier, flags)


def test_an_escalation_waiting_on_another_counts_once_that_one_is_taken() -> None:
    assert next_escalation_dpd(STRATEGY, 50, "high", CaseFlags()) == 61
    taken = CaseFlags(done={"bureau_pre_notice": 61})
    assert next_escalation_dpd(STRATEGY, 61, "high", taken) == 75


def test_promise_date_must_lie_within_the_horizon() -> None:
    today = date(2026, 11, 2)

    assert promise_horizon_ok(STRATEGY, today, today)
    assert promise_horizon_ok(STRATEGY, today, date(2026, 12, 2))
    assert not promise_horizon_ok(STRATEGY, today, date(2026, 12, 3))
    assert not promise_horizon_ok(STRATEGY, today, date(2026, 11, 1))


def test_promise_tolerance_and_hardship_cooling_off_come_from_the_strategy() -> None:
    assert promise_deadline(STRATEGY, date(2026, 11, 30)) == date(2026, 12, 2)
    assert cooling_off_ends(STRATEGY, date(2026, 11, 2)) == date(2026, 11, 16)
