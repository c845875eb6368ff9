"""One customer, many loans: the contact facts belong to the customer, every open case of
theirs follows them, and an opening with other facts is refused unless it says to update."""

import asyncio
import uuid
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from arrears.actors import derived_key_id
from arrears.api.main import create_app
from tests.api.conftest import api_settings, auth
from tests.factories import TEST_API_KEYS, case_body

LOS_ANGELES = "America/Los_Angeles"


def new_customer_id() -> str:
    return f"C-{uuid.uuid4().hex[:10]}"


def facts(**changes: Any) -> dict[str, Any]:
    """The contact facts `case_body` gives its customer, with `changes`."""
    customer = case_body()["customer"]
    del customer["customer_id"]
    return {**customer, **changes}


async def open_case(api: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await api.post("/v1/cases", json=body, headers=auth("bank"))


async def stored_customer(pool: asyncpg.Pool, customer_id: str) -> dict[str, Any] | None:
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT name, phone, email, timezone, language FROM customers WHERE customer_id = $1",
            customer_id,
        )
    return dict(row) if row else None


async def recorded(pool: asyncpg.Pool, customer_id: str, loans: int) -> dict[str, Any]:
    """The customer's row once the records hold `loans` open cases of theirs (each case
    writes its row at its first sync, a moment after it opened)."""
    for _ in range(300):
        async with pool.acquire() as conn:
            count = await conn.fetchval(
                "SELECT count(*) FROM cases WHERE customer_id = $1 AND status = 'open'",
                customer_id,
            )
        customer = await stored_customer(pool, customer_id)
        if count == loans and customer is not None:
            return customer
        await asyncio.sleep(0.05)
    raise AssertionError(f"customer {customer_id} has no {loans} open cases on record")


async def view(api: httpx.AsyncClient, loan_id: str) -> dict[str, Any]:
    response = await api.get(f"/v1/cases/{loan_id}", headers=auth("agent"))
    assert response.status_code == 200, response.text
    return response.json()


async def updates(api: httpx.AsyncClient, loan_id: str) -> list[dict[str, Any]]:
    response = await api.get(f"/v1/cases/{loan_id}/timeline", headers=auth("auditor"))
    assert response.status_code == 200, response.text
    return [e for e in response.json()["events"] if e["type"] == "customer_updated"]


async def test_every_open_case_of_the_customer_follows_a_new_time_zone(
    api: httpx.AsyncClient, pool: asyncpg.Pool
):
    customer_id = new_customer_id()
    loans = [case_body(customer_id=customer_id) for _ in range(2)]
    for body in loans:
        assert (await open_case(api, body)).status_code == 201
    await recorded(pool, customer_id, loans=2)

    response = await api.put(
        f"/v1/customers/{customer_id}", json=facts(timezone=LOS_ANGELES), headers=auth("bank")
    )

    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["changed"] == ["timezone"]
    assert sorted(answer["cases"]) == sorted(body["loan_id"] for body in loans)
    assert (await stored_customer(pool, customer_id))["timezone"] == LOS_ANGELES
    for body in loans:
        case = await view(api, body["loan_id"])
        assert case["timezone"] == LOS_ANGELES
        next_action = case["next_action"]
        if next_action and next_action["kind"].startswith("contact_"):
            local = datetime.fromisoformat(next_action["at"]).astimezone(ZoneInfo(LOS_ANGELES))
            assert time(8) <= local.time() < time(22), next_action
        (event,) = await updates(api, body["loan_id"])
        # Which facts changed, never their values; and who changed them (`test_actors`).
        assert event.keys() == {"at", "type", "rule", "fields", "actor"}
        assert event["actor"] == {"role": "bank", "key_id": derived_key_id(TEST_API_KEYS["bank"])}
        assert event["fields"] == ["timezone"]
        assert event["rule"] == "customer.contact_facts"


async def test_the_same_facts_again_change_nothing(api: httpx.AsyncClient, pool: asyncpg.Pool):
    customer_id = new_customer_id()
    body = case_body(customer_id=customer_id)
    assert (await open_case(api, body)).status_code == 201
    await recorded(pool, customer_id, loans=1)
    url = f"/v1/customers/{customer_id}"
    new_facts = facts(phone="+8613900139000", email=None)

    first = await api.put(url, json=new_facts, headers=auth("admin"))
    again = await api.put(url, json=new_facts, headers=auth("bank"))

    assert first.status_code == again.status_code == 200
    assert first.json()["changed"] == ["phone", "email"]
    assert again.json()["changed"] == []
    assert again.json()["cases"] == [body["loan_id"]]
    (event,) = await updates(api, body["loan_id"])
    assert event["fields"] == ["phone", "email"]
    stored = await stored_customer(pool, customer_id)
    assert (stored["phone"], stored["email"]) == ("+8613900139000", None)


async def test_an_opening_resent_after_the_customer_moved_is_a_repeat(
    api: httpx.AsyncClient, pool: asyncpg.Pool
):
    """The bank's batch, resent after the customer's facts changed, finds the case; a new
    loan with the old facts is a conflict all the same."""
    customer_id = new_customer_id()
    body = case_body(customer_id=customer_id)
    assert (await open_case(api, body)).status_code == 201
    await recorded(pool, customer_id, loans=1)
    moved = facts(phone="+8613900139000", timezone="America/Los_Angeles")
    assert (await api.put(f"/v1/customers/{customer_id}", json=moved, headers=auth("bank"))).json()

    resent = await open_case(api, body)
    assert resent.status_code == 200, resent.text
    assert resent.json()["loan_id"] == body["loan_id"]
    another = await open_case(api, case_body(customer_id=customer_id))
    assert another.status_code == 409 and another.json()["error"] == "customer_conflict"
    stored = await stored_customer(pool, customer_id)
    assert (stored["phone"], stored["timezone"]) == ("+8613900139000", "America/Los_Angeles")


async def test_an_opening_with_other_facts_is_a_conflict_naming_them(
    api: httpx.AsyncClient, pool: asyncpg.Pool
):
    customer_id = new_customer_id()
    first = case_body(customer_id=customer_id)
    assert (await open_case(api, first)).status_code == 201
    before = await recorded(pool, customer_id, loans=1)
    second = case_body(customer_id=customer_id, phone="+14155550100", timezone=LOS_ANGELES)

    refused = await open_case(api, second)

    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "customer_conflict"
    assert refused.json()["fields"] == ["phone", "timezone"]
    assert "+14155550100" not in refused.text and LOS_ANGELES not in refused.text
    missing = await api.get(f"/v1/cases/{second['loan_id']}", headers=auth("agent"))
    assert missing.status_code == 404
    assert await stored_customer(pool, customer_id) == before


async def test_an_opening_that_says_update_moves_the_other_cases_too(
    api: httpx.AsyncClient, pool: asyncpg.Pool
):
    customer_id = new_customer_id()
    first = case_body(customer_id=customer_id)
    assert (await open_case(api, first)).status_code == 201
    await recorded(pool, customer_id, loans=1)
    second = case_body(customer_id=customer_id, phone="+14155550100", timezone=LOS_ANGELES)

    opened = await open_case(api, {**second, "update_customer": True})

    assert opened.status_code == 201, opened.text
    assert opened.json()["timezone"] == LOS_ANGELES
    assert (await view(api, first["loan_id"]))["timezone"] == LOS_ANGELES
    (event,) = await updates(api, first["loan_id"])
    assert event["fields"] == ["phone", "timezone"]
    stored = await stored_customer(pool, customer_id)
    assert (stored["phone"], stored["timezone"]) == ("+14155550100", LOS_ANGELES)
    # The new case came with these facts: it has nothing to follow.
    assert await updates(api, second["loan_id"]) == []


@pytest.mark.parametrize(
    ("jurisdiction", "zone", "currency", "language"),
    [
        ("US", LOS_ANGELES, "USD", "en-US"),
        ("UK", "Europe/London", "GBP", "en-GB"),
        ("CN", "Asia/Shanghai", "CNY", "zh-CN"),
    ],
)
async def test_the_language_defaults_to_the_jurisdictions(
    api: httpx.AsyncClient,
    pool: asyncpg.Pool,
    jurisdiction: str,
    zone: str,
    currency: str,
    language: str,
):
    customer_id = new_customer_id()
    body = case_body(
        customer_id=customer_id, jurisdiction=jurisdiction, timezone=zone, currency=currency
    )
    del body["customer"]["language"]

    assert (await open_case(api, body)).status_code == 201, jurisdiction
    assert (await recorded(pool, customer_id, loans=1))["language"] == language


async def test_an_opening_naming_no_language_keeps_the_customers_own(
    api: httpx.AsyncClient, pool: asyncpg.Pool
):
    customer_id = new_customer_id()
    first = case_body(customer_id=customer_id, jurisdiction="US", timezone=LOS_ANGELES)
    first["customer"]["language"] = "es-US"
    assert (await open_case(api, first)).status_code == 201
    await recorded(pool, customer_id, loans=1)
    second = case_body(customer_id=customer_id, jurisdiction="US", timezone=LOS_ANGELES)
    del second["customer"]["language"]

    assert (await open_case(api, second)).status_code == 201
    assert (await recorded(pool, customer_id, loans=2))["language"] == "es-US"


async def test_only_a_known_customer_is_updated_by_the_bank_or_an_admin(
    api: httpx.AsyncClient,
):
    url = f"/v1/customers/{new_customer_id()}"

    unknown = await api.put(url, json=facts(), headers=auth("bank"))
    agent = await api.put(url, json=facts(), headers=auth("agent"))
    bad_zone = await api.put(url, json=facts(timezone="Mars/Olympus"), headers=auth("bank"))
    phone_as_id = await api.put("/v1/customers/13800138000", json=facts(), headers=auth("bank"))

    assert unknown.status_code == 404, unknown.text
    assert unknown.json()["error"] == "customer_not_found"
    assert agent.status_code == 403
    assert bad_zone.status_code == 422
    assert "timezone" in bad_zone.json()["detail"]
    assert phone_as_id.status_code == 422


async def test_an_opening_while_the_customer_records_are_down_is_503_and_opens_nothing(
    dev_env: WorkflowEnvironment,
):
    unreachable = "postgresql://nobody@127.0.0.1:1/none"
    app = create_app(api_settings(dev_env, unreachable))
    body = case_body(customer_id=new_customer_id())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://arrears.test") as api:
            response = await open_case(api, body)
            missing = await api.get(f"/v1/cases/{body['loan_id']}", headers=auth("agent"))

    assert response.status_code == 503, response.text
    assert response.json()["error"] == "customer_records_unavailable"
    assert response.headers["retry-after"] == "5"
    assert missing.status_code == 404


async def test_concurrent_updates_leave_the_cases_with_the_facts_on_record(
    api: httpx.AsyncClient, pool: asyncpg.Pool
):
    customer_id = new_customer_id()
    body = case_body(customer_id=customer_id)
    assert (await open_case(api, body)).status_code == 201
    await recorded(pool, customer_id, loans=1)
    url = f"/v1/customers/{customer_id}"
    zones = [LOS_ANGELES, "Europe/London", "America/New_York", "Asia/Tokyo"]

    answers = await asyncio.gather(
        *(api.put(url, json=facts(timezone=zone), headers=auth("bank")) for zone in zones)
    )

    assert [a.status_code for a in answers] == [200] * len(zones), [a.text for a in answers]
    stored = (await stored_customer(pool, customer_id))["timezone"]
    assert (await view(api, body["loan_id"]))["timezone"] == stored
    assert len(await updates(api, body["loan_id"])) == len(zones)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "100"),
        ("name", "0001-01-01"),
        ("name", "٣٤٥"),
        ("name", "Ann\u202e"),
        ("name", "Jo\u200bhn"),
        ("name", "\u3164"),
        ("email", "a\u0000@b.cn"),
        ("email", "a@b.c\u202e"),
        ("phone", "13800138000"),
        ("timezone", "Mars/Olympus"),
        ("language", "chinese"),
    ],
)
async def test_an_update_refuses_every_fact_an_opening_refuses(
    api: httpx.AsyncClient, pool: asyncpg.Pool, field: str, value: str
):
    opening = case_body(customer_id=new_customer_id())
    opening["customer"][field] = value
    refused_opening = await open_case(api, opening)
    assert refused_opening.status_code == 422, refused_opening.text
    customer_id = new_customer_id()
    assert (await open_case(api, case_body(customer_id=customer_id))).status_code == 201
    before = await recorded(pool, customer_id, loans=1)

    refused = await api.put(
        f"/v1/customers/{customer_id}", json=facts(**{field: value}), headers=auth("bank")
    )

    assert refused.status_code == 422, refused.text
    assert field in refused.json()["detail"]
    if field in ("name", "phone", "email"):  # personal data: named, never echoed
        assert value not in refused.text
    assert await stored_customer(pool, customer_id) == before


async def test_an_opening_right_after_the_first_is_checked_against_its_facts(
    api: httpx.AsyncClient, pool: asyncpg.Pool
):
    customer_id = new_customer_id()
    first = case_body(customer_id=customer_id)
    second = case_body(customer_id=customer_id, phone="+14155550100", timezone=LOS_ANGELES)

    opened = await open_case(api, first)
    refused = await open_case(api, second)

    assert opened.status_code == 201, opened.text
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "customer_conflict"
    assert refused.json()["fields"] == ["phone", "timezone"]
    stored = await recorded(pool, customer_id, loans=1)
    assert (stored["phone"], stored["timezone"]) == ("+8613800138000", "Asia/Shanghai")
    missing = await api.get(f"/v1/cases/{second['loan_id']}", headers=auth("agent"))
    assert missing.status_code == 404
    assert (await view(api, first["loan_id"]))["timezone"] == "Asia/Shanghai"
    assert await updates(api, first["loan_id"]) == []


@pytest.mark.parametrize("round_", range(5))
async def test_of_two_racing_openings_of_a_new_customer_with_other_facts_one_opens(
    api: httpx.AsyncClient, pool: asyncpg.Pool, round_: int
):
    customer_id = new_customer_id()
    bodies = [
        case_body(customer_id=customer_id),
        case_body(customer_id=customer_id, phone="+14155550100", timezone=LOS_ANGELES),
    ]

    answers = await asyncio.gather(*(open_case(api, body) for body in bodies))

    statuses = [answer.status_code for answer in answers]
    assert sorted(statuses) == [201, 409], [answer.text for answer in answers]
    winner = bodies[statuses.index(201)]
    loser = answers[statuses.index(409)]
    assert loser.json()["error"] == "customer_conflict"
    assert loser.json()["fields"] == ["phone", "timezone"]
    stored = await recorded(pool, customer_id, loans=1)
    assert stored["timezone"] == winner["customer"]["timezone"]
    assert stored["phone"] == winner["customer"]["phone"]
    assert (await view(api, winner["loan_id"]))["timezone"] == stored["timezone"]
    assert await updates(api, winner["loan_id"]) == []


@pytest.mark.parametrize("round_", range(3))
async def test_racing_openings_of_one_new_loan_with_other_phones_find_one_case(
    api: httpx.AsyncClient, round_: int
):
    """Resent by a bank's retrying client with whatever facts: one opens the loan's case,
    the others are repeats of its opening, never a 503."""
    customer_id = new_customer_id()
    first = case_body(customer_id=customer_id)
    phones = ["+8613800138001", "+8613800138002", "+8613800138003", "+8613800138004"]
    bodies = [{**first, "customer": {**first["customer"], "phone": p}} for p in phones]

    answers = await asyncio.gather(*(open_case(api, body) for body in bodies))

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 200, 200, 201], [answer.text for answer in answers]
    assert {answer.json()["loan_id"] for answer in answers} == {first["loan_id"]}


async def test_racing_openings_of_a_new_customer_with_the_same_facts_all_open(
    api: httpx.AsyncClient, pool: asyncpg.Pool
):
    customer_id = new_customer_id()
    bodies = [case_body(customer_id=customer_id) for _ in range(3)]

    answers = await asyncio.gather(*(open_case(api, body) for body in bodies))

    assert [a.status_code for a in answers] == [201] * 3, [a.text for a in answers]
    assert (await recorded(pool, customer_id, loans=3))["timezone"] == "Asia/Shanghai"


async def test_an_opening_refused_for_its_due_date_stores_no_customer(
    api: httpx.AsyncClient, pool: asyncpg.Pool
):
    customer_id = new_customer_id()
    body = case_body(customer_id=customer_id, due_date="2999-01-01")

    refused = await open_case(api, body)

    assert refused.status_code == 422, refused.text
    assert refused.json()["error"] == "due_date_out_of_range"
    assert await stored_customer(pool, customer_id) is None
    # The customer is still new: an opening with other facts is not a conflict.
    other = case_body(customer_id=customer_id, phone="+14155550100", timezone=LOS_ANGELES)
    assert (await open_case(api, other)).status_code == 201
