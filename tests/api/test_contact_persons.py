"""Contact persons over HTTP: stored with the customer (bounded, refs unique, phones in
E.164, refused with a 422 naming the field and never echoing the value), followed by the
customer's open cases, and named in call outcomes only by a ref the customer has."""

from typing import Any

import asyncpg
import httpx
import pytest

from tests.api.conftest import auth
from tests.api.test_commands import accepted_case, assert_rejected, command
from tests.api.test_customers import facts, new_customer_id, open_case, recorded, updates
from tests.factories import case_body

PERSON = {"ref": "P-1", "relation": "spouse", "phone": "+8613900000001", "name": "李四"}


def person(**changes: Any) -> dict[str, Any]:
    return {**PERSON, **changes}


async def stored_persons(pool: asyncpg.Pool, customer_id: str) -> list[dict[str, Any]]:
    async with pool.acquire() as conn:
        return await conn.fetchval(
            "SELECT contact_persons FROM customers WHERE customer_id = $1", customer_id
        )


async def test_an_opening_stores_the_contact_persons_and_an_update_replaces_them(
    api: httpx.AsyncClient, pool: asyncpg.Pool
):
    customer_id = new_customer_id()
    body = case_body(customer_id=customer_id, contact_persons=[person()])
    assert (await open_case(api, body)).status_code == 201
    await recorded(pool, customer_id, loans=1)
    assert await stored_persons(pool, customer_id) == [person()]

    second = person(ref="P-2", relation="colleague", name=None)
    changed = await api.put(
        f"/v1/customers/{customer_id}",
        json=facts(contact_persons=[person(), second]),
        headers=auth("bank"),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["changed"] == ["contact_persons"]
    assert await stored_persons(pool, customer_id) == [person(), second]
    (followed,) = await updates(api, body["loan_id"])
    assert followed["fields"] == ["contact_persons"]
    assert "+86139" not in str(followed)


@pytest.mark.parametrize(
    ("persons", "named", "value"),
    [
        ([person(), person(phone="+8613900000002")], "contact_persons", None),
        ([person(ref=f"P-{i}") for i in range(6)], "contact_persons", None),
        ([person(phone="13900000001")], "phone", "13900000001"),
        ([person(ref="P 1")], "ref", None),
        ([person(ref="13800138000")], "ref", "13800138000"),
        ([person(ref="P-" + "x" * 70)], "ref", None),
        ([person(relation="neighbour")], "relation", None),
        ([person(name="...")], "name", None),
    ],
)
async def test_contact_persons_out_of_bounds_are_refused_naming_the_field(
    api: httpx.AsyncClient, pool: asyncpg.Pool, persons: list, named: str, value: str | None
):
    refused_opening = await open_case(
        api, case_body(customer_id=new_customer_id(), contact_persons=persons)
    )
    assert refused_opening.status_code == 422, refused_opening.text
    assert named in refused_opening.json()["detail"]
    customer_id = new_customer_id()
    assert (await open_case(api, case_body(customer_id=customer_id))).status_code == 201
    await recorded(pool, customer_id, loans=1)

    refused = await api.put(
        f"/v1/customers/{customer_id}", json=facts(contact_persons=persons), headers=auth("bank")
    )

    assert refused.status_code == 422, refused.text
    assert named in refused.json()["detail"]
    if value is not None:  # personal data: named, never echoed
        assert value not in refused.text
    assert await stored_persons(pool, customer_id) == []


async def test_an_outcome_names_only_a_contact_person_of_the_customer(api: httpx.AsyncClient):
    body = case_body(customer_id=new_customer_id(), contact_persons=[person()])
    assert (await open_case(api, body)).status_code == 201
    loan_id = body["loan_id"]

    unknown = {"outcome": "no_answer", "contact_point": "person:P-9"}
    assert_rejected(
        await command(api, loan_id, "contact-outcomes", unknown),
        "unknown_contact_point",
        "contact_point",
    )
    assert_rejected(
        await command(api, loan_id, "contact-outcomes", {"outcome": "declined"}),
        "unknown_contact_point",
        "outcome",
    )
    declined = {"outcome": "declined", "contact_point": "person:P-1"}
    case = await accepted_case(await command(api, loan_id, "contact-outcomes", declined))
    assert case["loan_id"] == loan_id
