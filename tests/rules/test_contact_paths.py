"""Pure rules of the case's side of the contact gate: the facts it tells the gate, what the
door records of a verdict, the path a call outcome takes, and Breathing Space's dates."""

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from arrears.commands import RecordContactOutcome, StartBreathingSpace
from arrears.contracts import NotificationResult
from arrears.idempotency import stamp
from arrears.strategy import load_default
from arrears.workflows import door
from arrears.workflows.case_commands import BreathingSpace
from arrears.workflows.case_state import CaseState, PendingContact
from arrears.workflows.outcome_paths import follow_outcome
from tests.factories import opening

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai


def case(days_past_due: int = 31) -> CaseState:
    state = CaseState.open(
        opening(due_date=date(2026, 11, 28) - timedelta(days=days_past_due)),
        NOW,
        load_default(),
    )
    state.reasons_decide = state.contact_gate = True
    return state


def waiting(step: str, channel: str, **fields) -> PendingContact:
    return PendingContact(step_key=step, channel=channel, template="t", not_before=NOW, **fields)


def result(status: str, **fields) -> NotificationResult:
    return NotificationResult(idempotency_key="k", channel="sms", status=status, **fields)


def types(state: CaseState) -> list[str]:
    return [e.type for e in state.timeline]


def test_the_gate_is_told_the_case_facts_as_they_are_now():
    state = case()
    state.ceased_channels = {"call"}
    state.invalid_points = {"phone"}
    state.vulnerability = "illness"
    state.breathing_space = BreathingSpace(
        kind="standard", started_on=date(2026, 11, 28), until=date(2027, 1, 27), reference="B"
    )

    notice = door.gate_facts(state, waiting("n.sms", "sms", notice="bureau_pre_notice"), NOW)
    routine = door.gate_facts(state, waiting("r.sms", "sms"), NOW)

    assert (notice.purpose, routine.purpose) == ("notice", "collection")
    assert routine.opted_out == ["call"] and routine.invalid_points == ["phone"]
    assert routine.vulnerability == "illness"
    # Midnight in Shanghai at the start of the day collection resumes.
    assert routine.breathing_space_until == datetime(2027, 1, 26, 16, 0, tzinfo=UTC)


def test_a_blocked_contact_is_recorded_with_rule_and_profile_and_falls_back():
    state = case()
    sms = waiting("bureau_pre_notice.sms", "sms", fallback=["email"], notice="bureau_pre_notice")
    state.pending_contacts = [sms]

    door.record_outcome(
        state, sms, result("blocked", rule="CN.point_refused", profile="CN@1"), NOW, window_rule="w"
    )

    blocked = state.timeline[-1]
    assert (blocked.type, blocked.rule, blocked.profile) == (
        "contact_blocked",
        "CN.point_refused",
        "CN@1",
    )
    assert [p.step_key for p in state.pending_contacts] == ["bureau_pre_notice.email"]


def test_a_deferral_records_the_profile_and_a_send_the_gates_rule():
    state = case()
    sms, email = waiting("a.sms", "sms"), waiting("a.email", "email")
    state.pending_contacts = [sms, email]
    later = NOW + timedelta(hours=2)

    door.record_outcome(
        state,
        sms,
        result("deferred", until=later, rule="CN.cap", profile="CN@1"),
        NOW,
        window_rule="w",
    )
    door.record_outcome(state, email, result("sent", message_id="m"), NOW, window_rule="w")

    deferred, sent = state.timeline[-2:]
    assert (deferred.rule, deferred.profile, deferred.until) == ("CN.cap", "CN@1", later)
    assert sms.not_before == later
    # No rule from the gate: the contact window's, as before it.
    assert (sent.type, sent.rule) == ("contact_sent", "w")


def test_a_wrong_number_blocks_what_waits_for_the_phone_and_skips_the_cadence():
    state = case()
    state.pending_contacts = [waiting("mid.d0.sms", "sms"), waiting("mid.d2.call", "call")]

    follow_outcome(state, RecordContactOutcome(outcome="wrong_number"), NOW)
    door.settle_waiting(state, NOW)
    state.contacts_done.discard("mid.d0.sms")
    door.queue_cadence(state, NOW)

    assert state.invalid_points == {"phone"}
    blocked = [e for e in state.timeline if e.type == "contact_blocked"]
    assert [e.rule for e in blocked] == ["gate.point_invalid"] * 2
    assert sorted(p.step_key for p in state.pending_contacts) == ["mid.d0.email", "mid.d2.email"]
    skipped = state.timeline[-1]
    assert (skipped.type, skipped.step, skipped.rule) == (
        "contact_skipped",
        "mid.d0.sms",
        "gate.point_invalid",
    )


def test_unanswered_calls_count_only_since_the_last_conversation():
    state = case()
    for outcome in ("no_answer", "no_answer", "conversation", "no_answer", "no_answer"):
        command = RecordContactOutcome(outcome=outcome)
        state.record_outcome(command, NOW)
        follow_outcome(state, command, NOW)
    assert "contact_lost" not in types(state)

    third = RecordContactOutcome(outcome="no_answer")
    state.record_outcome(third, NOW)
    follow_outcome(state, third, NOW)

    assert types(state)[-2:] == ["contact_lost", "reason_path"]
    assert state.contact_lost


def test_a_path_a_strategy_changes_is_the_one_taken():
    state = case()
    reasons = state.strategy.reasons.model_copy(update={"cannot_pay": "remind"})
    state.strategy = state.strategy.model_copy(update={"reasons": reasons})

    follow_outcome(state, RecordContactOutcome(outcome="conversation", reason="cannot_pay"), NOW)

    assert state.timeline[-1].path == "remind" and state.hardship_until is None


def test_an_outcome_without_a_point_is_stamped_as_before_the_field():
    body = RecordContactOutcome(outcome="no_answer", reason="forgot")
    before = stamp("K", "record_contact_outcome", body)
    assert body.model_dump() == {"outcome": "no_answer", "reason": "forgot"}
    named = RecordContactOutcome(outcome="no_answer", reason="forgot", contact_point="phone")
    assert stamp("K", "record_contact_outcome", named).request != before.request


@pytest.mark.parametrize(
    ("fields", "until"),
    [
        ({"kind": "standard"}, date(2027, 1, 27)),
        ({"kind": "standard", "ends_on": date(2026, 12, 31)}, date(2027, 1, 1)),
        ({"kind": "mental_health_crisis", "ends_on": date(2027, 6, 30)}, date(2027, 7, 1)),
    ],
)
def test_breathing_space_ends_by_its_kind(fields: dict, until: date):
    command = StartBreathingSpace(started_on=date(2026, 11, 28), reference="B", **fields)
    assert command.until == until


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "mental_health_crisis"},
        {"kind": "standard", "ends_on": date(2027, 1, 27)},
        {"kind": "standard", "ends_on": date(2026, 11, 27)},
    ],
)
def test_breathing_space_dates_out_of_the_rules_name_ends_on(fields: dict):
    with pytest.raises(ValidationError, match="ends_on"):
        StartBreathingSpace(started_on=date(2026, 11, 28), reference="B", **fields)
