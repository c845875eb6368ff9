"""Listing filters become a visibility query; DPD is counted from when a case fell due."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from arrears.api.search import CaseSearch, dpd_at

NOW = datetime(2026, 3, 10, 6, 30, tzinfo=UTC)


def test_an_open_case_is_found_by_when_it_fell_overdue_a_closed_one_by_its_last_dpd():
    query = CaseSearch(status="open", stage="mid", dpd_min=31, dpd_max=60).visibility_query(NOW)

    assert query == (
        'WorkflowType = "CollectionCase" AND ArrearsStatus = "open" AND ArrearsStage = "mid"'
        ' AND ((ArrearsStatus = "open" AND ArrearsOverdueSince <= "2026-02-08T06:30:00Z")'
        ' OR ((ArrearsStatus = "closed" OR ArrearsOverdueSince IS NULL) AND ArrearsDpd >= 31))'
        ' AND ((ArrearsStatus = "open" AND ArrearsOverdueSince > "2026-01-09T06:30:00Z")'
        ' OR ((ArrearsStatus = "closed" OR ArrearsOverdueSince IS NULL) AND ArrearsDpd <= 60))'
    )


def test_dpd_min_zero_filters_nothing():
    assert CaseSearch(dpd_min=0).visibility_query(NOW) == 'WorkflowType = "CollectionCase"'


@pytest.mark.parametrize(
    ("since", "dpd"),
    [
        (NOW + timedelta(hours=1), 0),
        (NOW, 1),
        (NOW - timedelta(hours=23, minutes=59), 1),
        (NOW - timedelta(days=1), 2),
        (NOW - timedelta(days=44, hours=3), 45),
    ],
)
def test_dpd_counts_days_begun_since_the_case_fell_overdue(since: datetime, dpd: int):
    assert dpd_at(NOW, since) == dpd


@pytest.mark.parametrize(
    "since", [NOW - timedelta(days=k, hours=h) for k in range(25, 50) for h in (0, 5, 23)]
)
def test_an_open_case_the_query_finds_is_one_whose_reported_dpd_is_in_range(since: datetime):
    query = CaseSearch(dpd_min=30, dpd_max=45).visibility_query(NOW)
    (at_most,) = re.findall(r'ArrearsOverdueSince <= "([^"]+)"', query)
    (after,) = re.findall(r'ArrearsOverdueSince > "([^"]+)"', query)
    found = datetime.fromisoformat(after) < since <= datetime.fromisoformat(at_most)

    assert found == (30 <= dpd_at(NOW, since) <= 45)
