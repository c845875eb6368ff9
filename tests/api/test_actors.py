"""Who did what: every command over HTTP names its actor (the role and the key's id, never
the key) on the timeline events it records, and so in the audit chain; against the real
dev server, worker and PostgreSQL."""

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg
import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from tests.api.conftest import ID_KEY
from tests.api.test_case_lifecycle import open_case, timeline_until
from tests.api.test_cases import days_ago
from tests.api.test_commands import command, days_ahead, promise
from tests.api.test_contact_care import breathing_space, uk
from tests.api.test_strategy_rollout import SERVED, retired_version, start_case_on
from tests.factories import TEST_API_KEYS, case_body, new_loan_id

KEY_ID, KEY, ROLE = ID_KEY
ACTOR = {"role": ROLE, "key_id": KEY_ID}
SECRETS = [KEY, *TEST_API_KEYS.values()]

Setup = Callable[[httpx.AsyncClient, WorkflowEnvironment, asyncpg.Pool], Awaitable[str]]


async def fresh(api: httpx.AsyncClient, env: WorkflowEnvironment, pool: asyncpg.Pool) -> str:
    return await open_case(api)


async def unopened(api: httpx.AsyncClient, env: WorkflowEnvironment, pool: asyncpg.Pool) -> str:
    return new_loan_id()


async def in_hardship(api: httpx.AsyncClient, env: WorkflowEnvironment, pool: asyncpg.Pool) -> str:
    loan_id = await open_case(api, due_date=days_ago(40))
    assert (await command(api, loan_id, "hardship", {"reason": "illness"})).status_code == 200
    return loan_id


async def disputed(api: httpx.AsyncClient, env: WorkflowEnvironment, pool: asyncpg.Pool) -> str:
    loan_id = await open_case(api)
    response = await command(api, loan_id, "disputes", {"reason": "amount_wrong"})
    assert response.status_code == 200
    return loan_id


async def flagged(api: httpx.AsyncClient, env: WorkflowEnvironment, pool: asyncpg.Pool) -> str:
    loan_id = await open_case(api)
    assert (await command(api, loan_id, "vulnerability", {"kind": "illness"})).status_code == 200
    return loan_id


async def in_the_uk(api: httpx.AsyncClient, env: WorkflowEnvironment, pool: asyncpg.Pool) -> str:
    return await open_case(api, **uk())


async def on_a_retired_strategy(
    api: httpx.AsyncClient, env: WorkflowEnvironment, pool: asyncpg.Pool
) -> str:
    return await start_case_on(env, retired_version("2026.10-actor"))


async def own_customer(api: httpx.AsyncClient, env: WorkflowEnvironment, pool: asyncpg.Pool) -> str:
    """A case of a customer of its own, once its records list it (the customer's update
    tells the cases the records list)."""
    loan_id = new_loan_id()
    await open_case(api, loan_id=loan_id, customer_id=f"C-{loan_id}")
    await audit_bodies(pool, loan_id, "case_opened")
    return loan_id


def new_facts(loan_id: str) -> dict:
    customer = case_body()["customer"]
    del customer["customer_id"]
    return {**customer, "phone": "+8613900139000"}


async def paid(api: httpx.AsyncClient, env: WorkflowEnvironment, pool: asyncpg.Pool) -> str:
    loan_id = await open_case(api)
    body = {"payment_id": "P-1", "amount": 3_000}
    assert (await command(api, loan_id, "payments", body, "bank")).status_code == 200
    return loan_id


async def paid_in_full(api: httpx.AsyncClient, env: WorkflowEnvironment, pool: asyncpg.Pool) -> str:
    loan_id = await open_case(api, principal=50_000, interest=0)
    body = {"payment_id": "P-1", "amount": 50_000}
    assert (await command(api, loan_id, "payments", body, "bank")).status_code == 200
    await timeline_until(api, loan_id, "case_closed")
    return loan_id


@dataclass
class Route:
    """A command route: the case it needs, the request, and the event it records."""

    method: str
    path: str
    body: Callable[[str], dict | None]
    event: str
    setup: Setup = fresh
    headers: dict[str, str] = field(default_factory=dict)

    def url(self, loan_id: str) -> str:
        if self.path.startswith("/v1/"):
            return self.path.format(loan_id=loan_id)
        return f"/v1/cases/{loan_id}{self.path}".rstrip("/")


ASYNC = {"Prefer": "respond-async"}
ROUTES = {
    "open": Route(
        "POST", "/v1/cases", lambda loan_id: case_body(loan_id=loan_id), "case_opened", unopened
    ),
    "close": Route("POST", "/close", lambda _: {"reference": "RC-1"}, "case_closed"),
    "promise": Route("POST", "/promises", lambda _: promise(), "promise_made"),
    "promise async": Route("POST", "/promises", lambda _: promise(), "promise_made", fresh, ASYNC),
    "payment": Route(
        "POST", "/payments", lambda _: {"payment_id": "P-7", "amount": 2_000}, "payment_applied"
    ),
    "payment async": Route(
        "POST",
        "/payments",
        lambda _: {"payment_id": "P-7", "amount": 2_000},
        "payment_applied",
        fresh,
        ASYNC,
    ),
    "hardship": Route("POST", "/hardship", lambda _: {"reason": "illness"}, "hardship_reported"),
    "plan": Route(
        "POST",
        "/plans",
        lambda _: {"kind": "instalments", "first_due_date": days_ahead(10), "instalments": 6},
        "plan_agreed",
        in_hardship,
    ),
    "dispute": Route("POST", "/disputes", lambda _: {"reason": "fraud"}, "dispute_opened"),
    "resolution": Route(
        "POST", "/disputes/resolve", lambda _: {"outcome": "rejected"}, "dispute_resolved", disputed
    ),
    "cease": Route(
        "POST", "/contact-preferences", lambda _: {"channels": ["sms"]}, "contact_ceased"
    ),
    "call outcome": Route(
        "POST", "/contact-outcomes", lambda _: {"outcome": "no_answer"}, "contact_outcome"
    ),
    "vulnerability": Route(
        "POST", "/vulnerability", lambda _: {"kind": "bereavement"}, "vulnerability_flagged"
    ),
    "vulnerability cleared": Route(
        "DELETE", "/vulnerability", lambda _: None, "vulnerability_cleared", flagged
    ),
    "breathing space": Route(
        "POST",
        "/breathing-space",
        lambda _: breathing_space(),
        "breathing_space_started",
        in_the_uk,
    ),
    "strategy": Route(
        "POST",
        "/strategy",
        lambda _: {"to_version": SERVED.version, "change_ref": "CHG-1"},
        "strategy_migrated",
        on_a_retired_strategy,
    ),
    "adjustment": Route(
        "POST",
        "/adjustments",
        lambda _: {
            "adjustment_id": "A-1",
            "component": "fees",
            "direction": "debit",
            "amount": 500,
            "reason": "charge",
            "reference": "REF-A-1",
        },
        "balance_adjusted",
    ),
    "reversal": Route(
        "POST", "/payments/P-1/reversal", lambda _: {"reason": "returned"}, "payment_reversed", paid
    ),
    "reversal that reopens": Route(
        "POST",
        "/payments/P-1/reversal",
        lambda _: {"reason": "returned"},
        "case_reopened",
        paid_in_full,
    ),
    "customer update": Route(
        "PUT", "/v1/customers/C-{loan_id}", new_facts, "customer_updated", own_customer
    ),
}


async def audit_bodies(pool: asyncpg.Pool, loan_id: str, event: str) -> list[dict]:
    """The bodies of the case's audit rows, once one of type `event` is there."""
    for _ in range(200):
        rows = await pool.fetch(
            "SELECT type, body FROM audit_events WHERE loan_id = $1 ORDER BY episode, seq",
            loan_id,
        )
        if any(row["type"] == event for row in rows):
            return [row["body"] for row in rows]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {event} audit row for {loan_id}")


@pytest.mark.parametrize("name", ROUTES)
async def test_every_command_route_names_its_actor_on_its_event_and_in_the_audit_chain(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment, pool: asyncpg.Pool, name: str
):
    route = ROUTES[name]
    loan_id = await route.setup(api, dev_env, pool)
    headers = {"Authorization": f"Bearer {KEY}", **route.headers}
    body = route.body(loan_id)
    response = await api.request(route.method, route.url(loan_id), json=body, headers=headers)
    assert response.status_code in (200, 201, 202), response.text

    events = await timeline_until(api, loan_id, route.event)
    assert [e.get("actor") for e in events if e["type"] == route.event] == [ACTOR]
    audited = await audit_bodies(pool, loan_id, route.event)
    assert [b.get("actor") for b in audited if b["type"] == route.event] == [ACTOR]
    written = json.dumps(events) + json.dumps(audited, default=str)
    assert not [secret for secret in SECRETS if secret in written]


async def test_a_key_listed_without_an_id_is_named_by_an_id_derived_from_it(
    api: httpx.AsyncClient,
):
    loan_id = await open_case(api)  # as `bank`, listed as `k-bank=bank`
    events = await timeline_until(api, loan_id, "case_opened")
    opened = next(e for e in events if e["type"] == "case_opened")
    derived = "key-" + hashlib.sha256(b"k-bank").hexdigest()[:8]
    assert opened["actor"] == {"role": "bank", "key_id": derived}


async def test_a_command_not_sent_over_http_names_no_actor(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment
):
    loan_id = await start_case_on(dev_env, retired_version("2026.10-quiet"))
    events = await timeline_until(api, loan_id, "case_opened")
    assert all("actor" not in e for e in events)


async def test_a_keyed_command_resent_with_another_api_key_is_the_same_request(
    api: httpx.AsyncClient,
):
    loan_id = await open_case(api)
    key = {"Idempotency-Key": "K-actor"}
    first = await command(api, loan_id, "hardship", {"reason": "illness"}, "admin", **key)
    again = await api.post(
        f"/v1/cases/{loan_id}/hardship",
        json={"reason": "illness"},
        headers={"Authorization": f"Bearer {KEY}", **key},
    )
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    events = await timeline_until(api, loan_id, "hardship_reported")
    reported = [e["actor"] for e in events if e["type"] == "hardship_reported"]
    assert reported == [
        {"role": "admin", "key_id": "key-" + hashlib.sha256(b"k-admin").hexdigest()[:8]}
    ]


async def test_a_body_cannot_name_its_own_actor(api: httpx.AsyncClient):
    loan_id = await open_case(api)
    forged = {"reason": "illness", "actor": {"role": "admin", "key_id": "someone-else"}}
    response = await command(api, loan_id, "hardship", forged, "agent")
    assert response.status_code == 422 and "actor" in response.text


async def test_an_opening_that_updates_the_customer_names_its_actor_on_their_other_cases(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment, pool: asyncpg.Pool
):
    first = await own_customer(api, dev_env, pool)
    second = case_body(customer_id=f"C-{first}", phone="+8613900139000")
    response = await api.post(
        "/v1/cases",
        json={**second, "update_customer": True},
        headers={"Authorization": f"Bearer {KEY}"},
    )
    assert response.status_code == 201, response.text

    events = await timeline_until(api, first, "customer_updated")
    assert [e.get("actor") for e in events if e["type"] == "customer_updated"] == [ACTOR]
