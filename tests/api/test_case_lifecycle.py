"""Listing cases, reading a timeline and recalling a case over HTTP."""

import asyncio

import httpx

from tests.api.conftest import auth
from tests.api.test_cases import days_ago
from tests.factories import case_body, new_loan_id


async def open_case(api: httpx.AsyncClient, **overrides) -> str:
    body = case_body(**overrides)
    assert (await api.post("/v1/cases", json=body, headers=auth("bank"))).status_code == 201
    return body["loan_id"]


async def timeline_until(api: httpx.AsyncClient, loan_id: str, event_type: str) -> list[dict]:
    """The timeline once it has an event whose type starts with `event_type`."""
    for _ in range(200):
        response = await api.get(f"/v1/cases/{loan_id}/timeline", headers=auth("auditor"))
        assert response.status_code == 200
        events = response.json()["events"]
        if any(e["type"].startswith(event_type) for e in events):
            return events
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {event_type} in {events}")


async def test_timeline_tells_the_story_with_rules(api: httpx.AsyncClient):
    loan_id = await open_case(api, due_date=days_ago(5))
    await api.post(
        f"/v1/cases/{loan_id}/payments",
        json={"payment_id": "P-t", "amount": 2_000},
        headers=auth("agent"),
    )
    await timeline_until(api, loan_id, "risk_scored")
    # The first contact is decided once the case is scored, one step later.
    events = await timeline_until(api, loan_id, "contact_")
    types = [e["type"] for e in events]
    assert types[0] == "case_opened"
    assert "payment_applied" in types
    scored = next(e for e in events if e["type"] == "risk_scored")
    assert {"score", "tier", "reasons"} <= scored.keys()
    applied = next(e for e in events if e["type"] == "payment_applied")
    assert (applied["amount"], applied["balance"]) == (2_000, 510_000)
    assert all(e["at"].endswith("Z") for e in events)
    contact = next(e for e in events if e["type"].startswith("contact_"))
    assert contact["rule"].startswith("CN.")


async def test_bank_recalls_a_case_once(api: httpx.AsyncClient):
    loan_id = await open_case(api)
    agent = await api.post(f"/v1/cases/{loan_id}/close", json={}, headers=auth("agent"))
    assert agent.status_code == 403

    closed = await api.post(
        f"/v1/cases/{loan_id}/close", json={"reference": "RC-9"}, headers=auth("bank")
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["accepted"] is True
    case = closed.json()["case"]
    assert (case["status"], case["closed_reason"]) == ("closed", "recalled")

    # A repeat changes nothing and answers like every repeated command.
    again = await api.post(f"/v1/cases/{loan_id}/close", json={}, headers=auth("bank"))
    assert again.status_code == 200, again.text
    assert again.json()["accepted"] is False
    assert again.json()["case"]["closed_reason"] == "recalled"
    events = await timeline_until(api, loan_id, "case_closed")
    assert events[-1] == {
        **events[-1],
        "type": "case_closed",
        "reason": "recalled",
        "reference": "RC-9",
    }

    bad = await api.post(
        f"/v1/cases/{loan_id}/close", json={"reason": "paid"}, headers=auth("bank")
    )
    assert bad.status_code == 422


async def test_listing_filters_by_stage_and_dpd_and_pages(api: httpx.AsyncClient):
    customer = new_loan_id("C")
    mid = {await open_case(api, customer_id=customer, due_date=days_ago(45)) for _ in range(3)}
    early = await open_case(api, customer_id=customer, due_date=days_ago(10))

    async def listed(params: dict) -> list[dict]:
        response = await api.get("/v1/cases", params=params, headers=auth("auditor"))
        assert response.status_code == 200, response.text
        return response.json()["cases"]

    closed_at_45 = await open_case(api, customer_id=customer, due_date=days_ago(45))
    recalled = await api.post(f"/v1/cases/{closed_at_45}/close", json={}, headers=auth("bank"))
    assert recalled.status_code == 200
    closed_long_ago = await open_case(api, customer_id=customer, due_date=days_ago(20))
    await api.post(f"/v1/cases/{closed_long_ago}/close", json={}, headers=auth("bank"))

    for _ in range(100):
        cases = await listed({"stage": "mid", "dpd_min": 44, "dpd_max": 46})
        found = {c["loan_id"]: c for c in cases}
        closed = found.get(closed_at_45, {}).get("status") == "closed"
        if mid <= found.keys() and closed:  # visibility catches up with the recall
            break
        await asyncio.sleep(0.1)
    assert mid | {closed_at_45} <= found.keys()
    assert early not in found and closed_long_ago not in found
    assert {found[loan_id]["dpd"] for loan_id in mid} == {45}
    assert found[closed_at_45]["status"] == "closed"
    assert {c["loan_id"] for c in await listed({"dpd_min": 9, "dpd_max": 11})} >= {early}

    first = await api.get(
        "/v1/cases", params={"stage": "mid", "page_size": 2}, headers=auth("agent")
    )
    page = first.json()
    assert len(page["cases"]) == 2 and page["next_page_token"]
    second = await api.get(
        "/v1/cases",
        params={"stage": "mid", "page_size": 2, "page_token": page["next_page_token"]},
        headers=auth("agent"),
    )
    assert second.status_code == 200
    assert not {c["loan_id"] for c in page["cases"]} & {
        c["loan_id"] for c in second.json()["cases"]
    }
    # A token belongs to the listing it was handed out for, not to other filters.
    elsewhere = await api.get(
        "/v1/cases",
        params={"stage": "early", "page_size": 2, "page_token": page["next_page_token"]},
        headers=auth("agent"),
    )
    assert elsewhere.status_code == 422, elsewhere.text
    assert elsewhere.json()["error"] == "invalid_page_token"


async def test_listing_rejects_bad_filters(api: httpx.AsyncClient):
    for params, field in [
        ({"stage": "nowhere"}, "stage"),
        ({"dpd_min": -1}, "dpd_min"),
        ({"dpd_min": 10, "dpd_max": 5}, "dpd_min"),
        ({"page_size": 0}, "page_size"),
        ({"status": 'open" OR 1=1'}, "status"),
        ({"page_token": "bm90IGEgdG9rZW4gb2Ygb3Vycw=="}, "page_token"),  # base64, not ours
    ]:
        response = await api.get("/v1/cases", params=params, headers=auth("auditor"))
        assert response.status_code == 422, params
        assert field in response.json()["detail"]
