"""Honest answers while something is down or behind: no worker for a case, Temporal itself
gone, a case whose workflow task keeps failing. Every route answers a 503 with
`Retry-After` and a stable code, in bounded time, against the real dev server."""

import asyncio
import logging
from collections.abc import Awaitable
from datetime import timedelta

import httpx
import pytest
from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from arrears import ids
from arrears.api import failures, gateway
from arrears.api.failures import CaseFailures
from arrears.api.main import create_app
from arrears.devstack.binaries import temporal_cli
from arrears.errors import (
    CaseServiceUnavailableError,
    CaseStuckError,
    TemporalCallError,
)
from tests.api.conftest import api_settings, auth, unserved_case
from tests.api.stuck_case import case_that_breaks_on_payment, case_whose_worker_hangs
from tests.api.test_commands import plan, promise
from tests.api.test_contact_care import breathing_space
from tests.factories import case_body, make_converter

ASYNC = {"Prefer": "respond-async"}


def case_routes(loan_id: str) -> dict[str, tuple[str, str, str, dict | None]]:
    """(method, path, role, body) of every route that reaches the case of `loan_id`, each
    with a body the API takes, so that it is Temporal that must answer."""
    case = f"/v1/cases/{loan_id}"
    bank, agent, admin = "bank", "agent", "admin"
    flag = {"kind": "bereavement", "note_ref": "N-1"}
    migration = {"to_version": "2026.12-1", "change_ref": "C-1"}
    adjustment = {
        "adjustment_id": "A-o1",
        "component": "fees",
        "direction": "credit",
        "amount": 1,
        "reason": "correction",
        "reference": "R-1",
    }
    return {
        "view": ("GET", case, agent, None),
        "timeline": ("GET", f"{case}/timeline", "auditor", None),
        "contact check": ("GET", f"{case}/contact-check?channel=sms", agent, None),
        "open again": ("POST", "/v1/cases", bank, case_body(loan_id=loan_id)),
        "payment": ("POST", f"{case}/payments", agent, {"payment_id": "P-o1", "amount": 100}),
        "promise": ("POST", f"{case}/promises", agent, promise()),
        "hardship": ("POST", f"{case}/hardship", agent, {"reason": "illness"}),
        "plan": ("POST", f"{case}/plans", agent, plan(instalments=3)),
        "dispute": ("POST", f"{case}/disputes", bank, {"reason": "amount_wrong"}),
        "resolve": ("POST", f"{case}/disputes/resolve", bank, {"outcome": "rejected"}),
        "cease": ("POST", f"{case}/contact-preferences", agent, {"channels": ["sms"]}),
        "outcome": ("POST", f"{case}/contact-outcomes", agent, {"outcome": "no_answer"}),
        "flag": ("POST", f"{case}/vulnerability", agent, flag),
        "unflag": ("DELETE", f"{case}/vulnerability", agent, None),
        "breathing space": ("POST", f"{case}/breathing-space", bank, breathing_space()),
        "strategy": ("POST", f"{case}/strategy", admin, migration),
        "adjustment": ("POST", f"{case}/adjustments", bank, adjustment),
        "reversal": ("POST", f"{case}/payments/P-o0/reversal", bank, {"reason": "returned"}),
        "recall": ("POST", f"{case}/close", bank, {}),
    }


def worker_free_routes(loan_id: str) -> dict[str, tuple[str, str, str, dict | None]]:
    """(method, path, role, body) of every route that reaches the case of `loan_id` through
    Temporal's own records, never through a worker: an auditor's reads. They answer while
    the case's worker is down or its workflow task fails; only Temporal gone stops them."""
    case = f"/v1/cases/{loan_id}"
    return {
        "history": ("GET", f"{case}/history", "auditor", None),
        "audit": ("POST", f"{case}/audit", "auditor", None),
    }


def every_case_route(
    api: httpx.AsyncClient, loan_id: str, table=case_routes
) -> dict[str, Awaitable]:
    """Each route of `table` that reaches the case of `loan_id`, called once."""
    return {
        route: api.request(method, path, json=body, headers=auth(role))
        for route, (method, path, role, body) in table(loan_id).items()
    }


async def assert_worker_free_routes_answer(api: httpx.AsyncClient, loan_id: str) -> None:
    """The auditor's reads answer for the case: they need Temporal, not its worker."""
    responses = await answers(every_case_route(api, loan_id, worker_free_routes))
    for route, response in responses.items():
        assert response.status_code == 200, (route, response.text)


async def answers(calls: dict[str, Awaitable]) -> dict[str, httpx.Response]:
    """Every call's answer, a few at a time: Temporal refuses more than a handful of
    updates in flight on one workflow (RESOURCE_EXHAUSTED), which is not what is tested."""
    gate = asyncio.Semaphore(6)

    async def one(call: Awaitable) -> httpx.Response:
        async with gate:
            return await call

    responses = await asyncio.gather(*(one(call) for call in calls.values()))
    return dict(zip(calls, responses, strict=True))


async def test_the_outage_tests_call_every_route_that_reaches_a_case(api: httpx.AsyncClient):
    document = (await api.get("/openapi.json")).json()
    operations = {
        (method.upper(), path)
        for path, methods in document["paths"].items()
        if path.startswith("/v1/cases/{loan_id}")
        for method in methods
    }
    called = {
        (method, path.replace("L-x", "{loan_id}").split("?")[0].replace("P-o0", "{payment_id}"))
        for method, path, _, _ in [
            *case_routes("L-x").values(),
            *worker_free_routes("L-x").values(),
        ]
    }
    assert operations <= called, operations - called


async def test_a_case_no_worker_serves_is_503_unavailable_on_every_route(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(gateway, "ANSWER_TIMEOUT", timedelta(seconds=1))
    async with unserved_case(dev_env) as loan_id:
        responses = await answers(every_case_route(api, loan_id))
        queued = await api.post(
            f"/v1/cases/{loan_id}/payments",
            json={"payment_id": "P-o2", "amount": 100},
            headers={**auth("agent"), **ASYNC},
        )
        await assert_worker_free_routes_answer(api, loan_id)

    for route, response in responses.items():
        assert response.status_code == 503, (route, response.text)
        assert response.json()["error"] == "unavailable", route
        assert response.json().keys() == {"detail", "error"}, route
        assert response.headers["retry-after"] == "5", route
    assert "retry shortly" in responses["view"].json()["detail"]
    assert "safe to send again" in responses["payment"].json()["detail"]
    # A case that merely waits for its worker still queues a payment: it will be applied.
    assert queued.status_code == 202


async def test_with_temporal_gone_every_route_is_503_unavailable(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(gateway, "ANSWER_TIMEOUT", timedelta(seconds=1))
    monkeypatch.setattr(failures, "DESCRIBE_TIMEOUT", timedelta(seconds=1))
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        data_converter=make_converter(),
        search_attributes=ids.SEARCH_ATTRIBUTES,
        dev_server_log_level="error",
    )
    app = create_app(api_settings(env))
    running = True
    try:
        async with app.router.lifespan_context(app):
            await env.shutdown()
            running = False
            transport = httpx.ASGITransport(app=app)
            base_url = "http://arrears.test"
            async with httpx.AsyncClient(transport=transport, base_url=base_url) as api:
                calls = every_case_route(api, "L-while-down")
                calls |= every_case_route(api, "L-while-down", worker_free_routes)
                calls["list"] = api.get("/v1/cases", headers=auth("auditor"))
                calls["open"] = api.post("/v1/cases", json=case_body(), headers=auth("bank"))
                calls["async payment"] = api.post(
                    "/v1/cases/L-while-down/payments",
                    json={"payment_id": "P-o3", "amount": 100},
                    headers={**auth("agent"), **ASYNC},
                )
                responses = await answers(calls)
    finally:
        if running:
            await env.shutdown()

    for route, response in responses.items():
        assert response.status_code == 503, (route, response.text)
        assert response.json()["error"] == "unavailable", route
        assert response.headers["retry-after"] == "5", route


async def test_a_stuck_case_is_503_case_stuck_on_every_route_and_is_logged(
    api: httpx.AsyncClient,
    dev_env: WorkflowEnvironment,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
):
    monkeypatch.setattr(gateway, "ANSWER_TIMEOUT", timedelta(seconds=2))
    caplog.set_level(logging.WARNING, logger="arrears.api")
    async with case_that_breaks_on_payment(dev_env) as loan_id:
        healthy = await api.get(f"/v1/cases/{loan_id}", headers=auth("agent"))
        queued = await api.post(
            f"/v1/cases/{loan_id}/payments",
            json={"payment_id": "P-bug", "amount": 100},
            headers={**auth("agent"), **ASYNC},
        )
        for _ in range(40):
            stuck = await api.get(f"/v1/cases/{loan_id}", headers=auth("agent"))
            if stuck.status_code != 200:
                break
            await asyncio.sleep(0.1)
        calls = every_case_route(api, loan_id)
        calls["async payment"] = api.post(
            f"/v1/cases/{loan_id}/payments",
            json={"payment_id": "P-o4", "amount": 100},
            headers={**auth("agent"), **ASYNC},
        )
        calls["async promise"] = api.post(
            f"/v1/cases/{loan_id}/promises", json=promise(), headers={**auth("agent"), **ASYNC}
        )
        responses = await answers(calls)
        await assert_worker_free_routes_answer(api, loan_id)

    assert healthy.status_code == 200 and queued.status_code == 202
    body = stuck.json()
    assert stuck.status_code == 503, stuck.text
    assert body["error"] == "case_stuck"
    assert body["detail"] == "the case's workflow task is failing; operators have been alerted"
    assert body["workflow_id"] == f"case-{loan_id}"
    assert body["workflow_task_attempt"] >= 2
    assert stuck.headers["retry-after"] == "60"
    for route, response in responses.items():
        assert response.status_code == 503, (route, response.text)
        assert response.json()["error"] == "case_stuck", route
        assert response.headers["retry-after"] == "60", route
    alerts = [
        record
        for record in caplog.records
        if record.name == "arrears.api" and record.levelno >= logging.ERROR
    ]
    assert alerts and all(f"case-{loan_id}" in record.getMessage() for record in alerts)
    assert "张三" not in caplog.text and "13800138000" not in caplog.text


async def test_a_sound_case_whose_worker_hangs_is_503_unavailable_not_stuck(
    api: httpx.AsyncClient,
    dev_env: WorkflowEnvironment,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
):
    # A worker stopped, swapping or blocked takes the case's workflow task and lets it time
    # out, attempt after attempt: nothing failed, no code needs fixing, the case goes on
    # once its worker does. Not `case_stuck`, and no alarm for operators.
    monkeypatch.setattr(gateway, "ANSWER_TIMEOUT", timedelta(seconds=2))
    caplog.set_level(logging.WARNING, logger="arrears.api")
    async with case_whose_worker_hangs(dev_env) as loan_id:
        calls = every_case_route(api, loan_id)
        calls["async payment"] = api.post(
            f"/v1/cases/{loan_id}/payments",
            json={"payment_id": "P-o5", "amount": 100},
            headers={**auth("agent"), **ASYNC},
        )
        responses = await answers(calls)
        await assert_worker_free_routes_answer(api, loan_id)

    for route, response in responses.items():
        assert response.status_code == 503, (route, response.text)
        assert response.json()["error"] == "unavailable", (route, response.text)
        assert response.json().keys() == {"detail", "error"}, route
        assert response.headers["retry-after"] == "5", route
    assert "timing out" in responses["view"].json()["detail"]
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    warnings = [record.getMessage() for record in caplog.records if record.name == "arrears.api"]
    assert any(f"case-{loan_id}" in message and "timing out" in message for message in warnings)


async def test_no_temporal_error_escapes_unexplained(dev_env: WorkflowEnvironment):
    explain = CaseFailures(dev_env.client).explain
    async with unserved_case(dev_env) as loan_id:  # running, its workflow task not failing
        for loan in (loan_id, None):
            for status in RPCStatusCode:
                error = RPCError("refused", status, b"")
                explained = await explain(error, loan, unanswered="nobody answered")
                if status in {
                    RPCStatusCode.DEADLINE_EXCEEDED,
                    RPCStatusCode.CANCELLED,
                    RPCStatusCode.UNAVAILABLE,
                }:
                    assert type(explained) is CaseServiceUnavailableError, status
                    assert explained.detail == "nobody answered"
                elif status == RPCStatusCode.NOT_FOUND and loan is not None:
                    # The case runs: it exists, it did not take the call.
                    assert type(explained) is CaseServiceUnavailableError, status
                else:
                    assert isinstance(explained, TemporalCallError), (status, loan)
                    assert status.name in explained.detail
            timed_out = await explain(TimeoutError(), loan, unanswered="nobody answered")
            assert type(timed_out) is CaseServiceUnavailableError
        query_failed = await explain(
            WorkflowQueryFailedError("no such query"), loan_id, unanswered="nobody answered"
        )

    # The worker answered, but the case's code could not: it cannot serve the case.
    assert isinstance(query_failed, CaseStuckError)
    assert query_failed.facts() == {"workflow_id": f"case-{loan_id}"}
