"""Frequency caps: CN per-day call caps, Regulation F's 7-in-7 and conversation rules, the
house weekly budget."""

from datetime import date, timedelta

from arrears.compliance import decide
from tests.compliance.builders import (
    NEW_YORK,
    SHANGHAI,
    at,
    call,
    cn,
    cn_with_house,
    facts,
    message,
    propose_call,
    propose_sms,
    us,
)

DAY = date(2026, 3, 10)


def test_cn_fourth_connected_call_of_the_day_waits_for_tomorrow() -> None:
    ledger = [
        call(at(DAY, clock, SHANGHAI), "connected", loan=loan)
        for clock, loan in (("09:00", "L1"), ("10:00", "L2"), ("11:00", "L3"))
    ]
    verdict = decide(cn(), facts(), ledger, propose_call(), at(DAY, "15:00", SHANGHAI))
    assert (verdict.decision, verdict.rule) == ("defer", "CN.connected_calls_per_day")
    assert verdict.until == at(DAY + timedelta(days=1), "08:00", SHANGHAI)


def test_cn_connected_call_cap_leaves_messages_alone() -> None:
    ledger = [call(at(DAY, f"{h:02}:00", SHANGHAI), "connected") for h in (9, 10, 11)]
    verdict = decide(cn(), facts(), ledger, propose_sms(), at(DAY, "15:00", SHANGHAI))
    assert verdict.decision == "allow"


def test_cn_connected_calls_count_by_local_day() -> None:
    yesterday = DAY - timedelta(days=1)
    ledger = [call(at(yesterday, f"{h:02}:00", SHANGHAI), "connected") for h in (19, 20, 21)]
    verdict = decide(cn(), facts(), ledger, propose_call(), at(DAY, "08:00", SHANGHAI))
    assert verdict.decision == "allow"


def test_cn_seventh_unanswered_attempt_to_one_point_waits_for_tomorrow() -> None:
    ledger = [call(at(DAY, f"{9 + h:02}:00", SHANGHAI), "unanswered") for h in range(6)]
    verdict = decide(cn(), facts(), ledger, propose_call(), at(DAY, "16:00", SHANGHAI))
    assert (verdict.decision, verdict.rule) == ("defer", "CN.unanswered_per_point_per_day")
    assert verdict.until == at(DAY + timedelta(days=1), "08:00", SHANGHAI)
    other_point = decide(
        cn(), facts(), ledger, propose_call(point="person:r1"), at(DAY, "16:00", SHANGHAI)
    )
    assert other_point.rule != "CN.unanswered_per_point_per_day"


# Regulation F, 12 CFR 1006.14(b)(2)(i). May 3, 2021 was a Monday.
MONDAY = date(2021, 5, 3)


def test_us_eighth_call_in_seven_days_waits_until_it_would_not_be_the_eighth() -> None:
    """One call a day Monday May 3 to Sunday May 9: an 8th on Sunday waits for Monday
    May 10, when the 7 days May 4-10 hold 6."""
    ledger = [call(at(MONDAY + timedelta(days=d), "10:00", NEW_YORK)) for d in range(7)]
    sunday = MONDAY + timedelta(days=6)
    verdict = decide(us(), facts(NEW_YORK), ledger, propose_call(), at(sunday, "15:00", NEW_YORK))
    assert (verdict.decision, verdict.rule) == ("defer", "US.seven_in_seven")
    assert verdict.until == at(date(2021, 5, 10), "08:00", NEW_YORK)


def test_us_seven_calls_in_one_day_hold_the_debt_for_the_week() -> None:
    ledger = [call(at(MONDAY, f"{9 + h:02}:00", NEW_YORK)) for h in range(7)]
    verdict = decide(us(), facts(NEW_YORK), ledger, propose_call(), at(MONDAY, "17:00", NEW_YORK))
    assert verdict.until == at(date(2021, 5, 10), "08:00", NEW_YORK)


def test_us_seven_in_seven_counts_each_debt_apart() -> None:
    ledger = [call(at(MONDAY, f"{9 + h:02}:00", NEW_YORK), loan="L2") for h in range(7)]
    verdict = decide(us(), facts(NEW_YORK), ledger, propose_call(), at(MONDAY, "17:00", NEW_YORK))
    assert verdict.decision == "allow"


def test_us_no_call_for_seven_days_after_a_conversation() -> None:
    """12 CFR 1006.14(b)(2)(i)(B), the date of the conversation being the first day: a
    conversation on Tuesday, May 4 keeps calls off through Monday, May 10."""
    tuesday = date(2021, 5, 4)
    ledger = [call(at(tuesday, "10:00", NEW_YORK), "connected")]
    monday = decide(
        us(), facts(NEW_YORK), ledger, propose_call(), at(date(2021, 5, 10), "20:00", NEW_YORK)
    )
    assert (monday.decision, monday.rule) == ("defer", "US.after_conversation")
    assert monday.until == at(date(2021, 5, 11), "08:00", NEW_YORK)
    tuesday_after = decide(
        us(), facts(NEW_YORK), ledger, propose_call(), at(date(2021, 5, 11), "08:00", NEW_YORK)
    )
    assert tuesday_after.decision == "allow"


def test_us_call_task_five_days_after_a_conversation_is_deferred() -> None:
    """A simulated case: conversation on day 3.6, a call task at day 8.6."""
    start = at(date(2026, 1, 5), "00:00", NEW_YORK)
    talked = start + timedelta(days=3.6)
    ledger = [call(talked, "connected")]
    verdict = decide(us(), facts(NEW_YORK), ledger, propose_call(), talked + timedelta(days=5))
    assert (verdict.decision, verdict.rule) == ("defer", "US.after_conversation")
    assert verdict.until == at(date(2026, 1, 15), "08:00", NEW_YORK)


def test_us_conversation_about_another_loan_does_not_hold_this_one() -> None:
    ledger = [call(at(MONDAY, "10:00", NEW_YORK), "connected", loan="L2")]
    verdict = decide(
        us(),
        facts(NEW_YORK),
        ledger,
        propose_call(),
        at(MONDAY + timedelta(days=1), "10:00", NEW_YORK),
    )
    assert verdict.decision == "allow"


def test_house_sixth_contact_in_a_week_waits_for_the_oldest_to_leave() -> None:
    first = at(DAY, "09:00", SHANGHAI)
    ledger = [message(first, loan="L1")] + [
        message(first + timedelta(days=d), loan=f"L{d}", channel="email") for d in range(1, 5)
    ]
    now = at(DAY + timedelta(days=5), "10:00", SHANGHAI)
    verdict = decide(cn_with_house(), facts(), ledger, propose_sms(loan="L9"), now)
    assert (verdict.decision, verdict.rule) == ("defer", "house.weekly_budget")
    assert verdict.profile == "CN@2026.1+house@3"
    assert verdict.until == first + timedelta(days=7)


def test_house_weekly_budget_deferral_lands_inside_the_hours() -> None:
    """The oldest contact leaves the week at 23:30, after the CN window: wait for 08:00."""
    first = at(DAY, "23:30", SHANGHAI)
    ledger = [message(first + timedelta(hours=h)) for h in range(5)]
    now = at(DAY + timedelta(days=3), "10:00", SHANGHAI)
    verdict = decide(cn_with_house(), facts(), ledger, propose_sms(), now)
    assert verdict.until == at(DAY + timedelta(days=8), "08:00", SHANGHAI)
