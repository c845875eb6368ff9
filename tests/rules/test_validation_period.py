"""Regulation F's validation period (12 CFR 1006.34(b)(5)): receipt assumed five days after
sending, not counting Saturdays, Sundays and legal public holidays (5 U.S.C. 6103(a), with
the days they are observed); the period ends 30 days after that receipt."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.workflows.validation_period import (
    assumed_receipt,
    counts_toward_receipt,
    legal_public_holidays,
    validation_period_end,
)


def test_the_2026_legal_public_holidays_and_the_day_independence_day_is_observed():
    assert sorted(legal_public_holidays(2026)) == [
        date(2026, 1, 1),
        date(2026, 1, 19),  # third Monday in January
        date(2026, 2, 16),  # third Monday in February
        date(2026, 5, 25),  # last Monday in May
        date(2026, 6, 19),
        date(2026, 7, 3),  # 4 July is a Saturday: observed the Friday before
        date(2026, 7, 4),
        date(2026, 9, 7),  # first Monday in September
        date(2026, 10, 12),  # second Monday in October
        date(2026, 11, 11),
        date(2026, 11, 26),  # fourth Thursday in November
        date(2026, 12, 25),
    ]


def test_juneteenth_is_a_holiday_from_2021_on():
    assert date(2020, 6, 19) not in legal_public_holidays(2020)
    assert date(2021, 6, 18) in legal_public_holidays(2021)  # a Saturday, observed Friday


def test_new_years_day_on_a_saturday_is_observed_on_the_last_day_of_the_year_before():
    assert date(2027, 12, 31) in legal_public_holidays(2027)
    assert date(2028, 1, 1) in legal_public_holidays(2028)


@pytest.mark.parametrize(
    ("sent_on", "receipt", "ends"),
    [
        # Thursday; Friday 3 July observed for Independence Day, then the weekend.
        (date(2026, 7, 2), date(2026, 7, 10), date(2026, 8, 9)),
        # An ordinary week: Monday to the Monday after.
        (date(2026, 3, 2), date(2026, 3, 9), date(2026, 4, 8)),
        # The day before Thanksgiving.
        (date(2026, 11, 25), date(2026, 12, 3), date(2027, 1, 2)),
        # Independence Day on a Sunday, observed Monday 5 July.
        (date(2027, 7, 2), date(2027, 7, 12), date(2027, 8, 11)),
        # Christmas and New Year's Day on Saturdays, observed 24 and 31 December.
        (date(2027, 12, 23), date(2028, 1, 3), date(2028, 2, 2)),
        # Sent on a Saturday: the five days start on Monday.
        (date(2026, 8, 1), date(2026, 8, 7), date(2026, 9, 6)),
    ],
)
def test_the_validation_period_ends_30_days_after_the_assumed_receipt(
    sent_on: date, receipt: date, ends: date
):
    assert assumed_receipt(sent_on) == receipt
    assert validation_period_end(sent_on) == ends


@given(st.dates(min_value=date(2022, 1, 1), max_value=date(2099, 12, 31)))
def test_receipt_falls_on_the_fifth_counting_day_after_sending(sent_on: date):
    receipt = assumed_receipt(sent_on)
    between = [sent_on + timedelta(days=n) for n in range(1, (receipt - sent_on).days + 1)]
    assert sum(counts_toward_receipt(day) for day in between) == 5
    assert counts_toward_receipt(receipt)
    assert timedelta(days=5) <= receipt - sent_on <= timedelta(days=12)
    assert validation_period_end(sent_on) == receipt + timedelta(days=30)
