"""Frequency caps: how many contacts, of which kind, in which period.

Pure. Counted over the customer's ledger, across all their loans unless a rule is per debt;
days are customer-local days of the first zone on record. Call caps apply to a proposed call
only (`channel == "call"`); the weekly budget counts and holds every contact.
"""

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta

from arrears.compliance.asks import Ask
from arrears.compliance.clock import start_of_day
from arrears.compliance.facts import LedgerEntry
from arrears.compliance.verdicts import Verdict

WEEK = timedelta(days=7)
DAY = timedelta(days=1)


def connected_calls_per_day(ask: Ask) -> Verdict | None:
    """At most N connected calls per customer per local day, all loans together (CN: 3,
    GB/T 45251-2025). Reached: a call waits for the next local day's contact hours."""
    rule = ask.profile.connected_calls_per_customer_per_day
    if rule is None or not ask.is_call:
        return None
    today = _count(ask, lambda e: e.kind == "call" and e.outcome == "connected")
    if today < rule.limit:
        return None
    return ask.defer(
        ask.profile.rule_id(rule, "connected_calls_per_day"),
        _tomorrow(ask),
        f"{today} connected calls today (at most {rule.limit})",
    )


def unanswered_per_point_per_day(ask: Ask) -> Verdict | None:
    """At most N unanswered call attempts to one contact point per local day (CN: 6,
    GB/T 45251-2025). Reached: a call to that point waits for the next local day."""
    rule = ask.profile.unanswered_attempts_per_point_per_day
    if rule is None or not ask.is_call:
        return None
    point = ask.proposed.contact_point
    today = _count(
        ask,
        lambda e: e.kind == "call" and e.outcome == "unanswered" and e.contact_point == point,
    )
    if today < rule.limit:
        return None
    return ask.defer(
        ask.profile.rule_id(rule, "unanswered_per_point_per_day"),
        _tomorrow(ask),
        f"{today} unanswered attempts to {point} today (at most {rule.limit})",
    )


def seven_in_seven(ask: Ask) -> Verdict | None:
    """At most N call attempts about one debt in any 7 consecutive local days (US: 7;
    12 CFR 1006.14(b)(2)(i)(A)). An 8th waits for the first local day on which the 7 days
    ending that day hold fewer than N attempts of that loan."""
    rule = ask.profile.call_attempts_per_debt_rolling_7_days
    if rule is None or not ask.is_call:
        return None
    loan = ask.proposed.loan_id
    per_day = Counter(ask.day_of(e) for e in ask.ledger if e.kind == "call" and e.loan_id == loan)

    def in_week(last: date) -> int:
        return sum(n for day, n in per_day.items() if last - timedelta(days=6) <= day <= last)

    if (count := in_week(ask.today)) < rule.limit:
        return None
    # Seven days on, the week holds only attempts dated after today: none in a ledger of
    # what happened, so the search always ends.
    free = next(
        (
            ask.today + timedelta(days=k)
            for k in range(1, 8)
            if in_week(ask.today + timedelta(days=k)) < rule.limit
        ),
        ask.today + timedelta(days=7),
    )
    return ask.defer(
        ask.profile.rule_id(rule, "seven_in_seven"),
        start_of_day(free, ask.home),
        f"{count} call attempts on this loan in the 7 days ending today (at most {rule.limit})",
    )


def after_conversation(ask: Ask) -> Verdict | None:
    """No call about a debt for N local days after a telephone conversation about it, the
    day of the conversation being the first (US: 7; 12 CFR 1006.14(b)(2)(i)(B)). Example:
    a conversation on Tuesday, May 4 keeps calls off through Monday, May 10; May 11 is free."""
    rule = ask.profile.quiet_days_after_conversation
    if rule is None or not ask.is_call:
        return None
    loan = ask.proposed.loan_id
    days = [
        ask.day_of(e)
        for e in ask.ledger
        if e.kind == "call" and e.outcome == "connected" and e.loan_id == loan
    ]
    talked = max((day for day in days if day <= ask.today), default=None)
    if talked is None or ask.today >= (free := talked + timedelta(days=rule.days)):
        return None
    return ask.defer(
        ask.profile.rule_id(rule, "after_conversation"),
        start_of_day(free, ask.home),
        f"a conversation about this loan on {talked} (no call for {rule.days} days)",
    )


def weekly_budget(ask: Ask) -> Verdict | None:
    """At most N contacts of the customer, all loans and channels, in any rolling 7 days
    (a lender's house policy). Reached: wait until the oldest counted one leaves."""
    rule = ask.profile.contacts_per_week
    if rule is None:
        return None
    return rolling_week_hold(
        ask, ask.profile.rule_id(rule, "weekly_budget"), rule.limit, "of the weekly budget"
    )


def rolling_week_hold(ask: Ask, rule_id: str, limit: int, why: str) -> Verdict | None:
    """Defer while the ledger holds `limit` or more contacts in the 7 x 24 hours before
    `ask.at`, until enough of them have left the period for one more."""
    since = ask.at - WEEK
    times = sorted(e.at for e in ask.ledger if since < e.at <= ask.at)
    if len(times) < limit:
        return None
    leaving = times[len(times) - limit]
    return ask.defer(rule_id, leaving + WEEK, f"{len(times)} contacts in 7 days {why} ({limit})")


def _count(ask: Ask, counted: Callable[[LedgerEntry], bool]) -> int:
    return sum(1 for e in ask.ledger if counted(e) and ask.day_of(e) == ask.today)


def _tomorrow(ask: Ask) -> datetime:
    return start_of_day(ask.today + DAY, ask.home)
