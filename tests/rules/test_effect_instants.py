"""When an effect the case awaited is told: the instant the activity reported, kept within
the span the case awaited it (`door.instant_of_effect`)."""

from datetime import UTC, datetime, timedelta

from arrears.contracts import NotificationResult
from arrears.workflows.door import instant_of_effect, sent_instant

STARTED = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
NOW = STARTED + timedelta(seconds=5)


def test_a_reported_instant_within_the_span_is_the_instant_told():
    reported = STARTED + timedelta(seconds=2)
    assert instant_of_effect(reported, STARTED, NOW) == reported


def test_a_clock_behind_or_ahead_of_the_cases_is_kept_within_the_span():
    assert instant_of_effect(STARTED - timedelta(days=400), STARTED, NOW) == STARTED
    assert instant_of_effect(NOW + timedelta(minutes=3), STARTED, NOW) == NOW


def test_without_a_reported_instant_the_effect_is_told_when_the_case_learned_it():
    assert instant_of_effect(None, STARTED, NOW) == NOW
    assert instant_of_effect(STARTED + timedelta(seconds=1), None, NOW) == NOW


def test_only_a_sent_message_is_told_at_its_sending():
    left = STARTED + timedelta(seconds=1)
    sent = NotificationResult(idempotency_key="k", channel="sms", status="sent", sent_at=left)
    deferred = sent.model_copy(update={"status": "deferred"})
    assert sent_instant(sent, STARTED, NOW) == left
    assert sent_instant(deferred, STARTED, NOW) == NOW
