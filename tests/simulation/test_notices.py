"""A notice that reached no one is not a notice, in simulations as in live cases: a customer
with neither phone nor e-mail on file reaches the bureau's DPD with no pre-notice sent, the
case says why, and the report never follows."""

import json

from arrears.contracts import TimelineEvent
from arrears.simulation import loads_scenario, simulate
from arrears.strategy import load_default
from tests.factories import case_body

START = "2026-01-05T02:00:00Z"  # 10:00 in Shanghai


def of(events: list[TimelineEvent], kind: str) -> list[TimelineEvent]:
    return [e for e in events if e.type == kind]


async def test_a_customer_with_no_phone_and_no_email_is_sent_no_notice_and_not_reported():
    reachable = case_body(loan_id="L-REACHABLE", customer_id="C-REACHABLE", due_date="2025-10-31")
    nobody = case_body(
        loan_id="L-NOBODY",
        customer_id="C-NOBODY",
        phone=None,
        email=None,
        due_date="2025-10-31",
    )
    scenario = loads_scenario(
        json.dumps(
            {
                "start": START,
                "days": 40,
                "cases": [{"case": reachable}, {"case": nobody}],
            }
        )
    )

    timelines = (await simulate(scenario, load_default())).timelines
    events = timelines["L-NOBODY"]

    written = [e for e in of(events, "contact_sent") if e.channel in ("sms", "email")]
    assert written == []
    skipped = [e.step for e in of(events, "contact_skipped") if "bureau" in (e.step or "")]
    assert sorted(skipped) == ["bureau_pre_notice.email", "bureau_pre_notice.sms"]
    (undelivered,) = of(events, "notice_undelivered")
    assert undelivered.rule == "escalations.bureau_pre_notice.notice_required"
    assert not of(events, "bureau_prenotice") and not of(events, "bureau_reported")

    # The same case with a phone and an address: the notice goes, the report follows it.
    reached = timelines["L-REACHABLE"]
    (notice,) = of(reached, "bureau_prenotice")
    assert notice.message_id == "L-REACHABLE:bureau_pre_notice.sms"
    (report,) = of(reached, "bureau_reported")
    assert report.dpd >= notice.dpd + 14
