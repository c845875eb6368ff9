"""Invariants of the gate, whatever the zones, the clock changes and the ledger:

- an allowed contact is inside the contact hours in every zone of the customer;
- a deferral's `until` is after now, inside the hours, and asked again then (same ledger) is
  allowed (or blocked, if the zones' hours stop overlapping within the search horizon);
- calls placed only when allowed never make an 8th attempt on one loan in any 7 consecutive
  local days, nor a call in the 7 days that start with a conversation.
"""

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.compliance import LedgerEntry, Profile, decide, jurisdiction_profile, profile_for
from arrears.compliance.windows import contact_hours
from tests.compliance.builders import (
    call,
    facts,
    house,
    message,
    profile,
    propose_call,
    propose_sms,
)

ZONES = (
    "America/New_York",
    "America/Los_Angeles",
    "America/St_Johns",
    "America/Santiago",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Shanghai",
    "Australia/Adelaide",
    "Australia/Lord_Howe",
    "Europe/London",
    "Pacific/Chatham",
)
"""Zones with DST (some changing at midnight, Lord Howe by half an hour) and zones offset
by half or three quarters of an hour."""


@cache
def transitions() -> tuple[datetime, ...]:
    """The instants in 2026 at which some zone's offset changes."""
    found: list[datetime] = []
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for name in ZONES:
        tz = ZoneInfo(name)
        before = start.astimezone(tz).utcoffset()
        for hour in range(1, 365 * 24, 1):
            instant = start + timedelta(hours=hour)
            if (offset := instant.astimezone(tz).utcoffset()) != before:
                found.append(instant)
                before = offset
    return tuple(found)


instants = st.one_of(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)).map(
        lambda naive: naive.replace(tzinfo=UTC)
    ),
    st.builds(
        lambda base, minutes: base + timedelta(minutes=minutes),
        st.sampled_from(transitions()),
        st.integers(min_value=-36 * 60, max_value=36 * 60),
    ),
)
zone_sets = st.lists(st.sampled_from(ZONES), min_size=1, max_size=3, unique=True)


@st.composite
def windows(draw: st.DrawFn) -> Profile:
    opens = draw(st.integers(min_value=0, max_value=23 * 60))
    closes = draw(st.integers(min_value=opens + 30, max_value=24 * 60 - 1))
    return profile(
        window={
            "opens": f"{opens // 60:02}:{opens % 60:02}",
            "closes": f"{closes // 60:02}:{closes % 60:02}",
        }
    )


profiles = st.one_of(
    st.sampled_from(["CN", "US", "UK", "EU"]).map(jurisdiction_profile),
    st.sampled_from(["CN", "US", "UK"]).map(lambda code: profile_for(code, house())),
    windows(),
)


def inside_everywhere(profile: Profile, zones: list[str], instant: datetime) -> bool:
    hours = contact_hours(profile, facts(*zones))
    assert hours is not None
    return all(
        hours.opens <= instant.astimezone(ZoneInfo(tz)).time() < hours.closes for tz in zones
    )


@settings(max_examples=200, deadline=None)
@given(profile=profiles, zones=zone_sets, now=instants, as_call=st.booleans())
def test_allowed_contacts_are_inside_the_hours_and_deferrals_land_inside(
    profile: Profile, zones: list[str], now: datetime, as_call: bool
) -> None:
    proposed = propose_call() if as_call else propose_sms()
    verdict = decide(profile, facts(*zones), [], proposed, now)
    if verdict.decision == "allow":
        assert inside_everywhere(profile, zones, now)
    elif verdict.decision == "defer":
        assert verdict.until is not None and verdict.until > now
        assert inside_everywhere(profile, zones, verdict.until)
        again = decide(profile, facts(*zones), [], proposed, verdict.until)
        assert again.decision == "allow", again
    else:
        assert verdict.rule.endswith(".no_convenient_time")


@st.composite
def ledgers(draw: st.DrawFn, now: datetime) -> list[LedgerEntry]:
    entries = []
    for _ in range(draw(st.integers(min_value=0, max_value=14))):
        when = now - timedelta(minutes=draw(st.integers(min_value=1, max_value=9 * 24 * 60)))
        loan = draw(st.sampled_from(["L1", "L2"]))
        if draw(st.booleans()):
            outcome = draw(st.sampled_from(["connected", "unanswered", "wrong_number", None]))
            entries.append(call(when, outcome, loan=loan))
        else:
            entries.append(message(when, loan=loan))
    return entries


@settings(max_examples=200, deadline=None)
@given(data=st.data(), code=st.sampled_from(["CN", "US", "UK"]), zones=zone_sets, now=instants)
def test_a_deferral_asked_again_at_until_is_allowed(
    data: st.DataObject, code: str, zones: list[str], now: datetime
) -> None:
    profile = profile_for(code, house())
    ledger = data.draw(ledgers(now))
    proposed = data.draw(st.sampled_from([propose_call(), propose_sms()]))
    verdict = decide(profile, facts(*zones), ledger, proposed, now)
    if verdict.decision != "defer":
        return
    assert verdict.until is not None and verdict.until > now
    assert inside_everywhere(profile, zones, verdict.until)
    again = decide(profile, facts(*zones), ledger, proposed, verdict.until)
    if again.decision == "block":
        # Zones whose hours stop overlapping (a clock change) within the search horizon.
        assert again.rule.endswith(".no_convenient_time"), (verdict, again)
    else:
        assert again.decision == "allow", (verdict, again)


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    start=instants,
    steps=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=30 * 60),
            # Mostly unanswered: conversations alone would keep the weekly count low.
            st.sampled_from(["unanswered"] * 6 + ["connected", "wrong_number", None]),
        ),
        min_size=1,
        max_size=60,
    ),
)
def test_calls_placed_when_allowed_keep_regulation_f_frequencies(
    zone: str, start: datetime, steps: list[tuple[int, str | None]]
) -> None:
    us = jurisdiction_profile("US")
    customer = facts(zone)
    ledger: list[LedgerEntry] = []
    now = start
    for minutes, outcome in steps:
        now += timedelta(minutes=minutes)
        if decide(us, customer, ledger, propose_call(), now).decision == "allow":
            ledger.append(call(now, outcome))
    tz = ZoneInfo(zone)
    days = Counter(entry.at.astimezone(tz).date() for entry in ledger)
    for last in days:
        week = sum(n for day, n in days.items() if last - timedelta(days=6) <= day <= last)
        assert week <= 7, (last, days)
    for talk in (e for e in ledger if e.outcome == "connected"):
        talked = talk.at.astimezone(tz).date()
        for later in (e for e in ledger if e.at > talk.at):
            assert later.at.astimezone(tz).date() >= talked + timedelta(days=7)
    for entry in ledger:
        clock = entry.at.astimezone(tz).time()
        assert time(8) <= clock < time(21)
