"""Every field has a bound: what the API accepts can never make an activity fail for ever.

Each refused input gets a 4xx naming what is wrong, and changes nothing."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from arrears.api.search import CaseSearch, _encode_token
from tests.api.conftest import auth
from tests.factories import case_body, new_loan_id


def local_day(days: int = 0) -> str:
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()
    return str(today + timedelta(days=days))


async def open_case(api: httpx.AsyncClient) -> str:
    body = case_body(due_date=local_day(-40))
    assert (await api.post("/v1/cases", json=body, headers=auth("bank"))).status_code == 201
    return body["loan_id"]


def _opening(**changes) -> dict:
    body = case_body(due_date=local_day(-10))
    for path, value in changes.items():
        target = body
        *parents, leaf = path.split(".")
        for part in parents:
            target = target[part]
        target[leaf] = value
    return body


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        pytest.param({"due.principal": 10**20}, "due.principal", id="principal beyond bound"),
        pytest.param({"due.fees": 10**15 + 1}, "due.fees", id="fees beyond bound"),
        pytest.param({"customer.name": "\u0000"}, "customer.name", id="control character"),
        pytest.param({"customer.name": "   "}, "customer.name", id="blank name"),
        pytest.param({"customer.name": "\u200b"}, "customer.name", id="zero-width name"),
        pytest.param({"customer.name": "\u202eabc"}, "customer.name", id="direction override"),
        pytest.param({"customer.name": "Jo\u200bhn"}, "customer.name", id="zero-width inside"),
        pytest.param({"customer.name": "\ufeffJohn"}, "customer.name", id="byte order mark"),
        pytest.param({"customer.name": "An\u2060n"}, "customer.name", id="word joiner"),
        pytest.param({"customer.name": "An\u00adn"}, "customer.name", id="soft hyphen"),
        pytest.param({"customer.name": "Ann\U000e0041"}, "customer.name", id="tag character"),
        pytest.param({"customer.name": "Ann\u2028Lee"}, "customer.name", id="line separator"),
        pytest.param({"customer.name": "Ann\uffff"}, "customer.name", id="noncharacter"),
        pytest.param({"customer.name": "\u3164"}, "customer.name", id="Hangul filler"),
        pytest.param({"customer.name": "\u115f\u1160"}, "customer.name", id="Hangul fillers"),
        pytest.param({"customer.timezone": "Factory"}, "customer.timezone", id="Factory"),
        pytest.param({"customer.timezone": "localtime"}, "customer.timezone", id="localtime"),
        pytest.param({"customer.timezone": "EST5EDT"}, "customer.timezone", id="POSIX zone"),
        pytest.param({"customer.timezone": "Etc/GMT-14"}, "customer.timezone", id="Etc offset"),
        pytest.param({"customer.timezone": "Zulu"}, "customer.timezone", id="UTC alias"),
        pytest.param({"customer.language": "xx-XX"}, "customer.language", id="unknown language"),
        pytest.param({"customer.language": "zz"}, "customer.language", id="unknown code"),
        pytest.param({"customer.language": "zh-hant"}, "customer.language", id="script case"),
        pytest.param({"customer.language": "zh-Cyrl"}, "customer.language", id="unknown script"),
        pytest.param({"due_date": "9999-12-31"}, "due_date", id="far future"),
        pytest.param({"due_date": local_day(30)}, "due_date", id="not overdue yet"),
        pytest.param({"due_date": "1900-01-01"}, "due_date", id="centuries ago"),
        pytest.param({"due_date": "9999-12-30"}, "due_date", id="last day but one"),
        pytest.param({"due_date": "0001-01-01"}, "due_date", id="year 1"),
        pytest.param({"due_date": 1763596800}, "due_date", id="due date as epoch seconds"),
        pytest.param({"due_date": "1763596800"}, "due_date", id="due date as numeric text"),
        pytest.param({"due_date": "2026-11-20T00:00:00Z"}, "due_date", id="due date-time"),
        pytest.param({"update_customer": "yes"}, "update_customer", id="yes is no boolean"),
        pytest.param({"update_customer": 1}, "update_customer", id="1 is no boolean"),
        pytest.param({"due.principal": 10**15, "due.interest": 1}, "due", id="total beyond bound"),
        pytest.param({"customer.name": "123"}, "customer.name", id="name without a letter"),
        pytest.param({"customer.name": "..."}, "customer.name", id="name of dots"),
        pytest.param({"customer.email": "a\u0000@b.cn"}, "customer.email", id="NUL in e-mail"),
        pytest.param({"currency": "XXX"}, "currency", id="no currency"),
        pytest.param({"currency": "XXY"}, "currency", id="unknown currency"),
        pytest.param({"currency": "XTS"}, "currency", id="testing currency"),
        pytest.param({"currency": "XAU"}, "currency", id="gold"),
        pytest.param({"currency": "XDR"}, "currency", id="special drawing rights"),
        pytest.param({"loan_id": "447911123456"}, "loan_id", id="UK mobile, E.164"),
        pytest.param({"loan_id": "07911123456"}, "loan_id", id="UK mobile, national"),
        pytest.param({"loan_id": "12025550143"}, "loan_id", id="US number, E.164"),
        pytest.param({"loan_id": "202-555-0143"}, "loan_id", id="US number, national"),
        pytest.param({"loan_id": "+8613800138000"}, "loan_id", id="CN mobile with +"),
        pytest.param({"loan_id": "4915112345678"}, "loan_id", id="DE mobile, E.164"),
        pytest.param({"loan_id": "L-13800138000"}, "loan_id", id="CN mobile, inside"),
        pytest.param({"loan_id": "L-138-0013-8000"}, "loan_id", id="CN mobile, grouped, inside"),
        pytest.param({"loan_id": "202_555_0143"}, "loan_id", id="US number, underscores"),
        pytest.param({"loan_id": "0123456789"}, "loan_id", id="UK number, national"),
        pytest.param({"loan_id": "L-4111-1111-1111-1111"}, "loan_id", id="card, inside"),
        pytest.param(
            {"customer.customer_id": "11010519491231002X"},
            "customer.customer_id",
            id="CN identity number",
        ),
        pytest.param(
            {"customer.customer_id": "zhang.san@example.cn"},
            "customer.customer_id",
            id="e-mail address",
        ),
    ],
)
async def test_an_opening_out_of_bounds_is_refused_and_opens_nothing(
    api: httpx.AsyncClient, changes: dict, named: str
):
    body = _opening(**changes)
    response = await api.post("/v1/cases", json=body, headers=auth("bank"))

    assert response.status_code == 422, response.text
    assert named.split(".")[-1] in response.json()["detail"]
    assert response.json()["error"]
    lookup = await api.get(f"/v1/cases/{body['loan_id']}", headers=auth("auditor"))
    assert lookup.status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "\u0645\u06cc\u200c\u0634\u0648\u062f",  # Persian, with a zero-width non-joiner
        "\u0915\u094d\u200d\u0937",  # Devanagari, with a zero-width joiner
        "\u05d3\u05d5\u05d3\u200f",  # Hebrew, with a right-to-left mark
        "\u0627\u062d\u0645\u062f\u061c",  # Arabic, with an Arabic letter mark
        "\ud55c\uac15",  # Korean
        "Zo\u00eb O'Brien-Smith",
    ],
    ids=["Persian ZWNJ", "Devanagari ZWJ", "Hebrew RLM", "Arabic ALM", "Korean", "Latin"],
)
async def test_a_name_spelled_with_joiners_or_direction_marks_opens_a_case(
    api: httpx.AsyncClient, name: str
):
    # A customer of its own: the shared one keeps its name for the other tests.
    body = _opening(**{"customer.name": name, "customer.customer_id": new_loan_id("C")})
    response = await api.post("/v1/cases", json=body, headers=auth("bank"))

    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param({"payment_id": "P-huge", "amount": 10**20}, "invalid_request", id="amount"),
        pytest.param(
            {"payment_id": "P-later", "amount": 100, "paid_at": "9999-12-31T23:59:59Z"},
            "paid_at_in_future",
            id="paid in the future",
        ),
        pytest.param(
            {
                "payment_id": "P-next-week",
                "amount": 100,
                "paid_at": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
            },
            "paid_at_in_future",
            id="paid three days ahead",
        ),
        pytest.param(
            {"payment_id": "P-max", "amount": 9_223_372_036_854_775_808},
            "invalid_request",
            id="beyond bigint",
        ),
        pytest.param(
            {"payment_id": "P-year-1", "amount": 100, "paid_at": "0001-01-01T00:00:00Z"},
            "invalid_request",
            id="paid in year 1",
        ),
        pytest.param(
            {"payment_id": "P-before-1", "amount": 100, "paid_at": "0001-01-01T00:00:00+05:00"},
            "invalid_request",
            id="paid before year 1 in UTC",
        ),
        pytest.param(
            {"payment_id": "P-1969", "amount": 100, "paid_at": "1969-12-31T23:59:59Z"},
            "invalid_request",
            id="paid before 1970",
        ),
        pytest.param(
            {"payment_id": "P-end", "amount": 100, "paid_at": "9999-12-31T23:59:59-05:00"},
            "invalid_request",
            id="paid after year 9999 in UTC",
        ),
        *(
            pytest.param(
                {"payment_id": "P-epoch", "amount": 100, "paid_at": paid_at},
                "invalid_request",
                id=f"paid_at {paid_at!r} as seconds since the epoch",
            )
            for paid_at in (0, 1.5, "100", "1.5", 1_700_000_000)
        ),
        pytest.param(
            {"payment_id": "P-XXX", "amount": 100, "currency": "XXX"},
            "invalid_request",
            id="no currency",
        ),
        pytest.param(
            {"payment_id": "13800138000", "amount": 100},
            "invalid_request",
            id="payment id that is a phone number",
        ),
    ],
)
async def test_a_payment_out_of_bounds_is_refused(api: httpx.AsyncClient, body: dict, code: str):
    loan_id = await open_case(api)
    response = await api.post(f"/v1/cases/{loan_id}/payments", json=body, headers=auth("agent"))

    assert response.status_code == 422, response.text
    assert response.json()["error"] == code
    queued = await api.post(
        f"/v1/cases/{loan_id}/payments",
        json=body,
        headers={**auth("agent"), "Prefer": "respond-async"},
    )
    # A malformed payment is refused before it is queued; a well-formed one the case cannot
    # take is queued, and the case records it as rejected.
    assert queued.status_code == (422 if code == "invalid_request" else 202), queued.text
    view = (await api.get(f"/v1/cases/{loan_id}", headers=auth("auditor"))).json()
    assert view["paid"] == 0 and view["status"] == "open"


@pytest.mark.parametrize(
    "plan",
    [
        {"kind": "instalments", "instalments": 12, "first_due_date": "9999-06-01"},
        {"kind": "extension", "first_due_date": "9999-12-31"},
        {"kind": "extension", "first_due_date": "2200-01-01"},
    ],
    ids=["instalments in 9999", "extension to 9999", "extension to 2200"],
)
async def test_a_plan_starting_beyond_the_horizon_is_refused_and_the_case_answers(
    api: httpx.AsyncClient, plan: dict
):
    loan_id = await open_case(api)
    response = await api.post(f"/v1/cases/{loan_id}/plans", json=plan, headers=auth("agent"))

    assert response.status_code == 422, response.text
    assert response.json()["error"] == "plan_date_too_far"
    view = await api.get(f"/v1/cases/{loan_id}", headers=auth("auditor"))
    assert view.status_code == 200 and view.json()["plan"] is None


@pytest.mark.parametrize("raw", [b"[[[[", b"{" * 5000, b"\xff\xfe"], ids=["nest", "deep", "bytes"])
async def test_a_body_that_cannot_be_read_gets_a_coded_error(api: httpx.AsyncClient, raw: bytes):
    headers = {**auth("bank"), "Content-Type": "application/json"}
    response = await api.post("/v1/cases", content=raw, headers=headers)

    assert 400 <= response.status_code < 500
    assert response.json()["error"] and response.json()["detail"]


async def test_auth_errors_carry_a_code(api: httpx.AsyncClient):
    response = await api.get(f"/v1/cases/{new_loan_id()}")
    assert response.status_code == 401 and response.json()["error"] == "unauthenticated"


@pytest.mark.parametrize(
    "query",
    ["dpd_min=800000", "dpd_min=1000000", "dpd_min=10000000000", "dpd_max=99999999999999999999"],
)
async def test_a_dpd_filter_beyond_any_case_is_refused(api: httpx.AsyncClient, query: str):
    response = await api.get(f"/v1/cases?{query}", headers=auth("auditor"))

    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_request"


async def test_a_name_that_is_a_lone_surrogate_is_refused(api: httpx.AsyncClient):
    """`\\ud800` is valid JSON but no text: PostgreSQL could never store it."""
    body = _opening()
    raw = json.dumps(body).replace(json.dumps(body["customer"]["name"]), '"\\ud800A"')
    headers = {**auth("bank"), "Content-Type": "application/json"}
    response = await api.post("/v1/cases", content=raw, headers=headers)

    assert response.status_code == 422, response.text
    assert "customer.name" in response.json()["detail"]


@pytest.mark.parametrize(
    "loan_id",
    [
        "L-2024-000123",
        "LN20240001",
        "LN2024000123",
        "2024000123",
        "ACC-0000012345",
        "LN-01234567890",
        "CASE-0800123456",
        "ACC-0206-555-0100",
        "L-0049-123-456789",
        "L-447911123456",  # digits with a country code, inside a reference with letters
        "ACC-864290671701",
        "LN-20261129-00009",  # a date stamp and a sequence number, Luhn-valid: no card
        "DE80890815072715194732",  # an IBAN: 19 of its 20 digits are Luhn-valid
    ],
)
async def test_an_ordinary_reference_opens_a_case(api: httpx.AsyncClient, loan_id: str):
    body = case_body(loan_id=loan_id, customer_id="CUST-000042", due_date=local_day(-3))
    response = await api.post("/v1/cases", json=body, headers=auth("bank"))

    assert response.status_code in (200, 201), response.text


@pytest.mark.parametrize(
    ("language", "then"),
    [("zh-Hant-TW", "es-419"), ("zh-Hans", "sr-Latn"), ("en-001", "zh-Hans-CN")],
)
async def test_a_language_with_a_script_or_an_area_is_taken_by_an_opening_and_an_update(
    api: httpx.AsyncClient, language: str, then: str
):
    body = case_body(customer_id=new_loan_id("C"), due_date=local_day(-3))
    body["customer"]["language"] = language
    opened = await api.post("/v1/cases", json=body, headers=auth("bank"))
    assert opened.status_code == 201, opened.text

    facts = {**body["customer"], "language": then}
    del facts["customer_id"]
    updated = await api.put(
        f"/v1/customers/{body['customer']['customer_id']}", json=facts, headers=auth("bank")
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["changed"] == ["language"]


@pytest.mark.parametrize("token", ["AAAA", "%FF", "====", "a" * 4096, "not a token"])
async def test_a_page_token_this_api_did_not_hand_out_is_refused(
    api: httpx.AsyncClient, token: str
):
    response = await api.get("/v1/cases", params={"page_token": token}, headers=auth("auditor"))

    assert response.status_code == 422, response.text
    assert response.json()["error"] in ("invalid_page_token", "invalid_request")


async def test_the_page_token_error_is_named(api: httpx.AsyncClient):
    response = await api.get("/v1/cases?page_token=AAAA", headers=auth("auditor"))

    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_page_token"
    assert "page_token" in response.json()["detail"]


@pytest.mark.parametrize("inner", [b"garbage", b"\x00" * 40, b'{"a":1}'])
async def test_a_made_up_page_token_with_a_matching_checksum_is_refused(
    api: httpx.AsyncClient, inner: bytes
):
    """Whoever computes the checksum can still not make Temporal fail on the token."""
    token = _encode_token(inner, CaseSearch().listing())
    response = await api.get("/v1/cases", params={"page_token": token}, headers=auth("auditor"))

    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert response.json()["error"] == "invalid_page_token"
