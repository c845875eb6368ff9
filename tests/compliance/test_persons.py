"""Contact persons (CN): only to restore contact with a lost debtor; never after refusal."""

from datetime import date, timedelta

from arrears.compliance import decide
from tests.compliance.builders import SHANGHAI, at, call, cn, facts, propose_call, us

DAY = date(2026, 3, 10)
PERSON = "person:r1"


def ask_person(ledger, now, **fact_changes):
    return decide(
        cn(),
        facts(**fact_changes),
        ledger,
        propose_call(point=PERSON, purpose="restore_contact"),
        now,
    )


def test_contact_person_blocked_while_the_debtor_answers() -> None:
    ledger = [call(at(DAY, "09:00", SHANGHAI), "connected")]
    verdict = ask_person(ledger, at(DAY + timedelta(days=1), "10:00", SHANGHAI))
    assert (verdict.decision, verdict.rule) == ("block", "CN.contact_person_not_lost")


def test_contact_person_allowed_when_the_debtors_phone_is_invalid() -> None:
    verdict = ask_person([], at(DAY, "10:00", SHANGHAI), invalid_points=frozenset({"phone"}))
    assert verdict.decision == "allow"


def test_contact_person_allowed_from_the_day_after_three_failed_attempts() -> None:
    ledger = [
        call(at(DAY, "09:00", SHANGHAI), "connected"),
        call(at(DAY, "10:00", SHANGHAI), "unanswered"),
        call(at(DAY, "11:00", SHANGHAI), "wrong_number"),
        call(at(DAY, "12:00", SHANGHAI), "unanswered"),
    ]
    same_day = ask_person(ledger, at(DAY, "15:00", SHANGHAI))
    assert same_day.rule == "CN.contact_person_not_lost"
    next_day = ask_person(ledger, at(DAY + timedelta(days=1), "09:00", SHANGHAI))
    assert next_day.decision == "allow"


def test_two_failures_after_a_conversation_are_not_enough() -> None:
    ledger = [
        call(at(DAY, "10:00", SHANGHAI), "unanswered"),
        call(at(DAY, "11:00", SHANGHAI), "connected"),
        call(at(DAY, "12:00", SHANGHAI), "unanswered"),
        call(at(DAY, "13:00", SHANGHAI), "unanswered"),
    ]
    verdict = ask_person(ledger, at(DAY + timedelta(days=1), "10:00", SHANGHAI))
    assert verdict.rule == "CN.contact_person_not_lost"


def test_contact_person_allowed_after_three_unreachable_days() -> None:
    profile_days = [DAY - timedelta(days=k) for k in (1, 2, 3)]
    ledger = [call(at(day, "10:00", SHANGHAI), "unanswered") for day in profile_days]
    verdict = decide(
        cn(),
        facts(),
        ledger,
        propose_call(point=PERSON, purpose="restore_contact"),
        at(DAY, "10:00", SHANGHAI),
    )
    assert verdict.decision == "allow"


def test_contact_person_never_again_after_refusing() -> None:
    ledger = [call(at(DAY, "10:00", SHANGHAI), "refused", point=PERSON)]
    verdict = ask_person(
        ledger, at(DAY + timedelta(days=1), "10:00", SHANGHAI), invalid_points=frozenset({"phone"})
    )
    assert (verdict.decision, verdict.rule) == ("block", "CN.contact_person_refused")


def test_contact_person_only_to_restore_contact() -> None:
    verdict = decide(
        cn(),
        facts(invalid_points=frozenset({"phone"})),
        [],
        propose_call(point=PERSON),
        at(DAY, "10:00", SHANGHAI),
    )
    assert (verdict.decision, verdict.rule) == ("block", "gate.contact_person_purpose")


def test_profile_without_contact_person_rule_allows_none() -> None:
    verdict = decide(
        us(),
        facts("America/New_York", invalid_points=frozenset({"phone"})),
        [],
        propose_call(point=PERSON, purpose="restore_contact"),
        at(DAY, "10:00", "America/New_York"),
    )
    assert (verdict.decision, verdict.rule) == ("block", "gate.contact_person_not_allowed")
