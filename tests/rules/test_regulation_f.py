"""Regulation F's facts of a US case: passive collection holds the bureau report
(12 CFR 1006.30(a)(1)), and a dispute within the validation period is marked
(1006.34(c)(4))."""

from datetime import UTC, date, datetime, timedelta

from arrears.contracts import TimelineEvent
from arrears.workflows.regulation_f import (
    DISPUTE_RULE,
    Hold,
    RegulationF,
    dispute_facts,
    furnishing_hold,
    resolution_rule,
)

T0 = datetime(2026, 7, 2, 17, 0, tzinfo=UTC)


def event(at: datetime, type_: str, **fields: object) -> TimelineEvent:
    return TimelineEvent(at=at, type=type_, **fields)


def test_no_hold_for_cases_without_regulation_f():
    assert furnishing_hold(None, [], T0) is None


def test_held_without_an_end_while_no_notice_was_sent():
    assert furnishing_hold(RegulationF(), [event(T0, "case_opened")], T0) == Hold(until=None)


def test_held_14_days_from_the_first_notice_sent():
    timeline = [
        event(T0, "validation_notice_sent"),
        event(T0 + timedelta(days=3), "bureau_prenotice"),
    ]
    ends = T0 + timedelta(days=14)
    assert furnishing_hold(RegulationF(), timeline, ends - timedelta(seconds=1)) == Hold(ends)
    assert furnishing_hold(RegulationF(), timeline, ends) is None


def test_a_conversation_lifts_the_hold_and_an_unanswered_call_does_not():
    timeline = [event(T0, "validation_notice_sent")]
    unanswered = [*timeline, event(T0, "contact_outcome", outcome="no_answer")]
    assert furnishing_hold(RegulationF(), unanswered, T0) is not None
    for outcome in ("conversation", "refused_to_pay"):
        spoke = [event(T0, "contact_outcome", outcome=outcome)]
        assert furnishing_hold(RegulationF(), spoke, T0) is None


def test_a_dispute_within_the_period_is_marked_and_its_rejection_is_the_verification():
    facts = RegulationF(notice_owed=False, sent_at=T0, period_ends=date(2026, 8, 9))
    assert dispute_facts(facts, date(2026, 8, 9)) == {"within_validation_period": True}
    assert resolution_rule(facts, "rejected", "dispute.rejected.other") == (
        DISPUTE_RULE,
        {"within_validation_period": True},
    )
    # Resolved: the next dispute is judged on its own.
    assert resolution_rule(facts, "rejected", "dispute.rejected.other") == (
        "dispute.rejected.other",
        {},
    )


def test_a_dispute_after_the_period_or_before_the_notice_is_not_within_it():
    sent = RegulationF(notice_owed=False, sent_at=T0, period_ends=date(2026, 8, 9))
    assert dispute_facts(sent, date(2026, 8, 10)) == {"within_validation_period": False}
    assert dispute_facts(RegulationF(), date(2026, 7, 2)) == {"within_validation_period": False}
    assert dispute_facts(None, date(2026, 7, 2)) == {}
    upheld = RegulationF(dispute_in_period=True)
    assert resolution_rule(upheld, "upheld", "dispute.upheld.fraud") == (
        "dispute.upheld.fraud",
        {"within_validation_period": True},
    )
