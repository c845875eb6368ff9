"""Contact hours: the window in every zone, agreed windows, no convenient time."""

from datetime import date, time

import pytest

from arrears.compliance import CustomerFacts, decide
from tests.compliance.builders import (
    NEW_YORK,
    SHANGHAI,
    at,
    cn,
    facts,
    local,
    profile,
    propose_sms,
    us,
)

DAY = date(2026, 3, 10)


def test_cn_contact_inside_hours_is_allowed() -> None:
    verdict = decide(cn(), facts(), [], propose_sms(), at(DAY, "08:00", SHANGHAI))
    assert verdict.decision == "allow"
    assert verdict.rule == "gate.allow"
    assert verdict.profile == "CN@2026.1"


def test_cn_contact_at_22_defers_to_8_next_morning() -> None:
    verdict = decide(cn(), facts(), [], propose_sms(), at(DAY, "22:00", SHANGHAI))
    assert (verdict.decision, verdict.rule) == ("defer", "CN.quiet_hours")
    assert verdict.until == at(date(2026, 3, 11), "08:00", SHANGHAI)


def test_cn_contact_before_8_defers_to_8_the_same_day() -> None:
    verdict = decide(cn(), facts(), [], propose_sms(), at(DAY, "06:30", SHANGHAI))
    assert verdict.until == at(DAY, "08:00", SHANGHAI)


def test_cn_agreed_window_replaces_the_window() -> None:
    agreed = facts(agreed_window=(time(19), time(23)))
    late = decide(cn(), agreed, [], propose_sms(), at(DAY, "22:30", SHANGHAI))
    assert late.decision == "allow"
    morning = decide(cn(), agreed, [], propose_sms(), at(DAY, "09:00", SHANGHAI))
    assert (morning.rule, morning.until) == ("CN.agreed_window", at(DAY, "19:00", SHANGHAI))


def test_us_ignores_an_agreed_window_it_does_not_allow() -> None:
    agreed = facts(NEW_YORK, agreed_window=(time(19), time(23)))
    verdict = decide(us(), agreed, [], propose_sms(), at(DAY, "22:00", NEW_YORK))
    assert (verdict.decision, verdict.rule) == ("defer", "US.quiet_hours")


def test_us_several_zones_allow_only_hours_convenient_in_all() -> None:
    """12 CFR 1006.6(b)(1)(i): 8:05 in New York is 5:05 in Los Angeles; the first time
    convenient in both is 8:00 in Los Angeles, 11:00 in New York."""
    zones = facts(NEW_YORK, "America/Los_Angeles")
    verdict = decide(us(), zones, [], propose_sms(), at(DAY, "08:05", NEW_YORK))
    assert (verdict.decision, verdict.rule) == ("defer", "US.quiet_hours")
    assert verdict.until == at(DAY, "11:00", NEW_YORK)
    late = decide(us(), zones, [], propose_sms(), at(DAY, "20:30", "America/Los_Angeles"))
    assert local(late.until, NEW_YORK).time() == time(11)


def test_no_time_convenient_in_every_zone_blocks() -> None:
    narrow = profile(window={"opens": "08:00", "closes": "09:00"})
    verdict = decide(narrow, facts("UTC", "Asia/Tokyo"), [], propose_sms(), at(DAY, "12:00", "UTC"))
    assert (verdict.decision, verdict.rule) == ("block", "T.no_convenient_time")


def test_window_opening_in_a_skipped_hour_opens_when_the_clocks_jump() -> None:
    """New York skips 02:00-03:00 on 2026-03-08: a window opening at 02:30 opens at 03:00."""
    early = profile(window={"opens": "02:30", "closes": "05:00"})
    verdict = decide(
        early, facts(NEW_YORK), [], propose_sms(), at(date(2026, 3, 8), "01:30", NEW_YORK)
    )
    assert verdict.until == at(date(2026, 3, 8), "03:00", NEW_YORK)
    assert decide(early, facts(NEW_YORK), [], propose_sms(), verdict.until).decision == "allow"


def test_gate_refuses_a_naive_instant_and_a_customer_without_a_zone() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        decide(cn(), facts(), [], propose_sms(), at(DAY, "10:00", SHANGHAI).replace(tzinfo=None))
    with pytest.raises(ValueError, match="timezones is empty"):
        decide(cn(), CustomerFacts(timezones=()), [], propose_sms(), at(DAY, "10:00", SHANGHAI))
