"""Opt-out, invalid points, vulnerability and Breathing Space."""

from datetime import date, timedelta

from arrears.compliance import ProposedContact, decide, layer
from tests.compliance.builders import (
    LONDON,
    SHANGHAI,
    at,
    cn,
    cn_with_house,
    facts,
    house,
    message,
    propose_call,
    propose_sms,
    uk,
    us,
)

DAY = date(2026, 3, 10)


def test_opted_out_channel_is_blocked_at_once_in_every_profile() -> None:
    for profile in (cn(), us(), uk()):
        verdict = decide(
            profile,
            facts(SHANGHAI, opted_out=frozenset({"sms"})),
            [],
            propose_sms(),
            at(DAY, "03:00", SHANGHAI),
        )
        assert (verdict.decision, verdict.rule) == ("block", f"{profile.name}.opted_out")


def test_opt_out_of_one_channel_leaves_the_others() -> None:
    verdict = decide(
        cn(),
        facts(opted_out=frozenset({"sms"})),
        [],
        ProposedContact("L1", "email", "email"),
        at(DAY, "10:00", SHANGHAI),
    )
    assert verdict.decision == "allow"


def test_invalid_contact_point_is_blocked() -> None:
    verdict = decide(
        cn(),
        facts(invalid_points=frozenset({"phone"})),
        [],
        propose_call(),
        at(DAY, "10:00", SHANGHAI),
    )
    assert (verdict.decision, verdict.rule) == ("block", "gate.point_invalid")


def test_house_pause_blocks_collection_of_a_vulnerable_customer() -> None:
    vulnerable = facts(vulnerability="bereavement")
    verdict = decide(cn_with_house(), vulnerable, [], propose_sms(), at(DAY, "10:00", SHANGHAI))
    assert (verdict.decision, verdict.rule) == ("block", "house.vulnerability")


def test_house_pause_lets_a_notice_go() -> None:
    vulnerable = facts(vulnerability="bereavement")
    notice = propose_sms(purpose="notice")
    verdict = decide(cn_with_house(), vulnerable, [], notice, at(DAY, "10:00", SHANGHAI))
    assert verdict.decision == "allow"


def test_uk_soften_blocks_calls_of_a_vulnerable_customer() -> None:
    vulnerable = facts(LONDON, vulnerability="mental_health")
    verdict = decide(uk(), vulnerable, [], propose_call(), at(DAY, "10:00", LONDON))
    assert (verdict.decision, verdict.rule) == ("block", "UK.vulnerability")


def test_uk_soften_caps_written_contacts_per_week() -> None:
    vulnerable = facts(LONDON, vulnerability="mental_health")
    first = at(DAY, "10:00", LONDON)
    ledger = [message(first), message(first + timedelta(days=2))]
    now = first + timedelta(days=3)
    verdict = decide(uk(), vulnerable, ledger, propose_sms(), now)
    assert (verdict.decision, verdict.rule) == ("defer", "UK.vulnerability")
    assert verdict.until == first + timedelta(days=7)
    assert decide(uk(), vulnerable, ledger[:1], propose_sms(), now).decision == "allow"


def test_uk_with_house_pause_beats_soften() -> None:
    profile = layer(uk(), house())
    verdict = decide(
        profile, facts(LONDON, vulnerability="x"), [], propose_sms(), at(DAY, "10:00", LONDON)
    )
    assert (verdict.decision, verdict.rule) == ("block", "house.vulnerability")


def test_uk_breathing_space_defers_collection_to_its_end() -> None:
    ends = at(DAY + timedelta(days=60), "00:00", LONDON)
    moratorium = facts(LONDON, breathing_space_until=ends)
    verdict = decide(uk(), moratorium, [], propose_sms(), at(DAY, "10:00", LONDON))
    assert (verdict.decision, verdict.rule) == ("defer", "UK.breathing_space")
    assert verdict.until == at(DAY + timedelta(days=60), "08:00", LONDON)


def test_uk_breathing_space_lets_a_notice_go_and_ends() -> None:
    ends = at(DAY, "09:00", LONDON)
    moratorium = facts(LONDON, breathing_space_until=ends)
    notice = propose_sms(purpose="notice")
    assert decide(uk(), moratorium, [], notice, at(DAY, "08:30", LONDON)).decision == "allow"
    assert decide(uk(), moratorium, [], propose_sms(), ends).decision == "allow"
