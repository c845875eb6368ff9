"""`Idempotency-Key` over HTTP, for every command without an id of its own: resent with its
key it is applied once and answered as the first time; another body, or another command,
under the same key is 422 `idempotency_key_reused`; the same key sent ten times at once is
applied once; a header that is no key is 400 naming it."""

import asyncio
from collections import Counter

import httpx

from tests.api.conftest import auth
from tests.api.test_case_lifecycle import open_case
from tests.api.test_cases import days_ago
from tests.api.test_commands import assert_rejected, command, days_ahead, view

REPLAYED = "idempotent-replayed"


async def event_counts(api: httpx.AsyncClient, loan_id: str) -> Counter[str]:
    response = await api.get(f"/v1/cases/{loan_id}/timeline", headers=auth("auditor"))
    assert response.status_code == 200, response.text
    return Counter(event["type"] for event in response.json()["events"])


async def keyed(api: httpx.AsyncClient, loan_id: str, path: str, body: dict, key: str):
    return await command(api, loan_id, path, body, "admin", **{"Idempotency-Key": key})


async def test_every_keyed_command_resent_is_applied_once_and_answered_alike(
    api: httpx.AsyncClient,
):
    loan_id = await open_case(api, due_date=days_ago(40))
    strategy = (await view(api, loan_id))["strategy_version"]
    plan = {"kind": "instalments", "first_due_date": days_ahead(10), "instalments": 6}
    # (path, body, another body, the event it records, how many), in an order the case
    # takes; moving to the strategy the case already follows changes nothing, each time.
    commands = [
        ("hardship", {"reason": "illness"}, {"reason": "unemployment"}, "hardship_reported", 1),
        (
            "contact-outcomes",
            {"outcome": "no_answer"},
            {"outcome": "conversation"},
            "contact_outcome",
            1,
        ),
        (
            "contact-preferences",
            {"channels": ["sms"]},
            {"channels": ["email"]},
            "contact_ceased",
            1,
        ),
        ("disputes", {"reason": "amount_wrong"}, {"reason": "fraud"}, "dispute_opened", 1),
        ("disputes/resolve", {"outcome": "rejected"}, {"outcome": "upheld"}, "dispute_resolved", 1),
        ("plans", plan, {**plan, "instalments": 3}, "plan_agreed", 1),
        (
            "strategy",
            {"to_version": strategy, "change_ref": "CH-1"},
            {"to_version": strategy, "change_ref": "CH-2"},
            "strategy_migrated",
            0,
        ),
        ("close", {}, {"reference": "RC-2"}, "case_closed", 1),
    ]
    for path, body, other, event, count in commands:
        key = f"K-{path}"
        before = await event_counts(api, loan_id)
        first = await keyed(api, loan_id, path, body, key)
        again = await keyed(api, loan_id, path, body, key)
        assert first.status_code == again.status_code == 200, (path, first.text, again.text)
        assert REPLAYED not in first.headers, path
        assert again.headers[REPLAYED] == "true", path
        assert again.json()["accepted"] is first.json()["accepted"], path
        assert_rejected(
            await keyed(api, loan_id, path, other, key), "idempotency_key_reused", "Idempotency-Key"
        )
        added = await event_counts(api, loan_id) - before
        assert added[event] == count, (path, added)

    # A key names one request: the same key on another command is refused, naming the first.
    other_command = await keyed(api, loan_id, "hardship", {"reason": "illness"}, "K-plans")
    assert_rejected(other_command, "idempotency_key_reused", "agree_plan")
    # Once the case has closed, a resend is still answered as the first time.
    after_close = await keyed(api, loan_id, "hardship", {"reason": "illness"}, "K-hardship")
    assert after_close.status_code == 200, after_close.text
    assert after_close.headers[REPLAYED] == "true"
    assert after_close.json()["case"]["status"] == "closed"
    assert (await event_counts(api, loan_id))["hardship_reported"] == 1


async def test_ten_resends_at_once_are_applied_once(api: httpx.AsyncClient):
    """A client that retries in parallel (ten at once, two commands): each key is taken
    once, every other answer is the first one replayed."""
    loan_id = await open_case(api)
    sends = [
        keyed(api, loan_id, "hardship", {"reason": "illness"}, "burst-h") for _ in range(10)
    ] + [
        keyed(api, loan_id, "contact-outcomes", {"outcome": "no_answer"}, "burst-o")
        for _ in range(10)
    ]
    answers = await asyncio.gather(*sends)
    for burst in (answers[:10], answers[10:]):
        assert [a.status_code for a in burst] == [200] * 10, [a.text for a in burst]
        assert all(a.json()["accepted"] is True for a in burst)
        assert sorted(a.headers.get(REPLAYED, "") for a in burst) == [""] + ["true"] * 9
    counts = await event_counts(api, loan_id)
    assert (counts["hardship_reported"], counts["contact_outcome"]) == (1, 1)
