"""Regulation F's validation period: when a US consumer is assumed to have received the
validation notice, and when the period to dispute the debt ends.

12 CFR 1006.34(b)(5): the validation period ends 30 days after the consumer receives or is
assumed to receive the validation information; the collector may assume receipt on any date
at least five days after providing it, not counting legal public holidays identified in
5 U.S.C. 6103(a), Saturdays and Sundays.

Legal public holidays (5 U.S.C. 6103(a)): New Year's Day (1 January), Birthday of Martin
Luther King, Jr. (third Monday in January), Washington's Birthday (third Monday in
February), Memorial Day (last Monday in May), Juneteenth National Independence Day
(19 June, since 2021), Independence Day (4 July), Labor Day (first Monday in September),
Columbus Day (second Monday in October), Veterans Day (11 November), Thanksgiving Day
(fourth Thursday in November) and Christmas Day (25 December).

A fixed-date holiday on a Saturday is observed the Friday before, on a Sunday the Monday
after (5 U.S.C. 6103(b), Executive Order 11582). Those observed days are skipped too: a
later assumed receipt only lengthens the consumer's period, which the rule allows ("at least
five days"), so the stricter reading is always safe. No other closure (an executive order
closing agencies for a day) is skipped.

Pure: dates in, dates out; no clock, no Temporal import.
"""

from datetime import date, timedelta

RECEIPT_DAYS = 5
"""Days, not counting holidays and weekends, after which receipt is assumed (1006.34(b)(5))."""

VALIDATION_DAYS = 30
"""Days after the assumed receipt until the validation period ends (1006.34(b)(5))."""

JUNETEENTH_FROM = 2021
"""The year Juneteenth became a legal public holiday (Pub. L. 117-17)."""


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The `n`th `weekday` (Monday 0) of the month; `n` = -1 for the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    following = date(year + month // 12, month % 12 + 1, 1)
    last = following - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(holiday: date) -> date:
    """The day a fixed-date holiday is observed: Saturday's the Friday before, Sunday's the
    Monday after (5 U.S.C. 6103(b))."""
    if holiday.weekday() == 5:
        return holiday - timedelta(days=1)
    if holiday.weekday() == 6:
        return holiday + timedelta(days=1)
    return holiday


def legal_public_holidays(year: int) -> frozenset[date]:
    """The legal public holidays of `year` (5 U.S.C. 6103(a)) with the days they are observed
    (6103(b)); the observed New Year's Day of `year + 1` may fall on 31 December of `year`."""
    fixed = [date(year, 1, 1), date(year, 7, 4), date(year, 11, 11), date(year, 12, 25)]
    if year >= JUNETEENTH_FROM:
        fixed.append(date(year, 6, 19))
    by_rule = [
        _nth_weekday(year, 1, 0, 3),  # Martin Luther King, Jr.
        _nth_weekday(year, 2, 0, 3),  # Washington's Birthday
        _nth_weekday(year, 5, 0, -1),  # Memorial Day
        _nth_weekday(year, 9, 0, 1),  # Labor Day
        _nth_weekday(year, 10, 0, 2),  # Columbus Day
        _nth_weekday(year, 11, 3, 4),  # Thanksgiving Day
    ]
    days = {*fixed, *(_observed(d) for d in fixed), *by_rule}
    next_new_year = _observed(date(year + 1, 1, 1))
    if next_new_year.year == year:
        days.add(next_new_year)
    return frozenset(day for day in days if day.year == year)


def counts_toward_receipt(day: date) -> bool:
    """Whether `day` counts among the five days of 1006.34(b)(5): not a Saturday, Sunday or
    legal public holiday (nor the day one is observed)."""
    return day.weekday() < 5 and day not in legal_public_holidays(day.year)


def assumed_receipt(sent_on: date) -> date:
    """The day the consumer is assumed to receive a notice sent on `sent_on`: the fifth day
    after it that counts (1006.34(b)(5))."""
    day, counted = sent_on, 0
    while counted < RECEIPT_DAYS:
        day += timedelta(days=1)
        if counts_toward_receipt(day):
            counted += 1
    return day


def validation_period_end(sent_on: date) -> date:
    """The last day of the validation period of a notice sent on `sent_on`: 30 days after
    its assumed receipt (12 CFR 1006.34(b)(5)). Sent Thursday 2 July 2026 (4 July a
    Saturday, observed Friday 3 July): receipt Friday 10 July, period ends 9 August."""
    return assumed_receipt(sent_on) + timedelta(days=VALIDATION_DAYS)
