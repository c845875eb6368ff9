"""The contact gate in simulations: the real workflow on the time-skipping server, each
contact asking the gate with the customer's ledger across all their loans."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from arrears.compliance.loader import from_data
from arrears.contracts import TimelineEvent
from arrears.simulation import loads_scenario, simulate
from arrears.strategy import load_default
from tests.factories import case_body

NEW_YORK = ZoneInfo("America/New_York")
START = "2026-01-05T00:00:00Z"


def of(events: list[TimelineEvent], kind: str, **fields) -> list[TimelineEvent]:
    return [
        e
        for e in events
        if e.type == kind and all((e.model_extra or {}).get(k) == v for k, v in fields.items())
    ]


async def test_a_us_call_five_days_after_a_conversation_waits_for_the_seventh_day():
    """Regulation F 1006.14(b)(2)(i)(B): a conversation on day 3.6 (09:24 on Thursday 8
    January in New York, the first of its seven days); the cadence's next call falls inside
    them and is deferred to 08:00 on 15 January."""
    body = case_body(
        loan_id="L-US-CALL",
        customer_id="C-US-CALL",
        jurisdiction="US",
        currency="USD",
        timezone="America/New_York",
        phone="+12125550143",
        due_date="2025-12-04",
    )
    scenario = loads_scenario(
        json.dumps(
            {
                "start": START,
                "days": 14,
                "cases": [
                    {
                        "case": body,
                        "events": [
                            {"day": 3.6, "type": "contact_outcome", "outcome": "conversation"}
                        ],
                    }
                ],
            }
        )
    )

    events = (await simulate(scenario, load_default())).timelines["L-US-CALL"]

    (talked,) = of(events, "contact_outcome")
    quiet_ends = datetime(2026, 1, 15, 8, tzinfo=NEW_YORK)
    calls = of(events, "contact_sent", channel="call")
    assert not [c for c in calls if talked.at <= c.at < quiet_ends]
    deferred = [e for e in of(events, "contact_deferred") if e.rule == "US.after_conversation"]
    assert deferred, [e.type for e in events]
    assert {datetime.fromisoformat(e.model_extra["until"]) for e in deferred} == {quiet_ends}
    assert [c for c in calls if c.at >= quiet_ends]


async def test_twin_loans_of_one_customer_never_together_pass_the_weekly_budget():
    """A house policy of 3 contacts a week across all loans and channels: two loans of one
    customer in the middle stage ask far more often, and never together get more."""
    budget = from_data(
        {
            "name": "house",
            "version": "twins",
            "contacts_per_week": {
                "source": "House policy 4.2",
                "effective": "2026-01-01",
                "limit": 3,
            },
        }
    )
    twins = [
        {"case": case_body(loan_id=f"L-TWIN-{n}", customer_id="C-TWINS", due_date="2025-12-04")}
        for n in (1, 2)
    ]
    scenario = loads_scenario(json.dumps({"start": START, "days": 28, "cases": twins}))

    result = await simulate(scenario, load_default(), house_policy=budget)

    events = [e for loan in ("L-TWIN-1", "L-TWIN-2") for e in result.timelines[loan]]
    sent = sorted(e.at for e in of(events, "contact_sent"))
    assert len(sent) >= 6
    for first in sent:
        assert len([at for at in sent if first <= at < first + timedelta(days=7)]) <= 3
    held = [e for e in of(events, "contact_deferred") if e.rule == "house.weekly_budget"]
    assert held and all(e.model_extra["profile"] == "CN@2026.1+house@twins" for e in held)
