"""A property-based fuzz of the whole OpenAPI document against the real API.

Schemathesis reads the document the API serves, generates requests for every operation
(valid and invalid ones, with the path naming a real case or any string), and they are
sent to the API in-process, backed by the real dev server, worker and PostgreSQL.
Bounded: `EXAMPLES` requests per operation and kind, derandomised, no shrinking, no stored
examples, and a time budget for the whole run.

What must hold: no answer is a server error (5xx), every answer matches what the document
declares for it (status code, content type, body), and nothing accepted leaves an activity
of the fuzzed case failing.
"""

import asyncio
import time
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.openapi.checks import Failure
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from temporalio.testing import WorkflowEnvironment

from arrears import ids
from tests.api.conftest import auth
from tests.api.test_input_bounds import local_day
from tests.factories import case_body

EXAMPLES = 12
"""Requests generated per operation."""
BUDGET_SECONDS = 45.0
"""The whole fuzz stops sending after this long, whatever is left."""
SCHEMA_CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]
FAILED = (AssertionError, Failure, BaseExceptionGroup)
"""What a failed check raises: one failure, or a group of them."""


def generated_cases(operation: Any, loan_id: str) -> list[Any]:
    """Cases for `operation`, generated without sending anything: `EXAMPLES` valid ones
    against the case of `loan_id` (where the path names a case), as many against any path,
    and as many invalid ones."""
    found: list[Any] = []
    named = {"loan_id": loan_id} if "{loan_id}" in operation.path else None
    for mode, path_parameters in (
        (GenerationMode.POSITIVE, named),
        (GenerationMode.POSITIVE, None),
        (GenerationMode.NEGATIVE, None),
    ):
        if mode is GenerationMode.POSITIVE and path_parameters is None and named is None:
            continue  # no path parameter: the first pass was this one
        strategy = operation.as_strategy(mode, path_parameters=path_parameters)
        found.extend(_draw(strategy))
    return found


def _draw(strategy: Any) -> list[Any]:
    found: list[Any] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,  # the same requests on every run: a failure reproduces
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def collect(case: Any) -> None:
        found.append(case)

    try:
        collect()
    except Unsatisfiable:  # nothing invalid to send (an operation without inputs)
        pass
    return found


@pytest.mark.timeout(180)
async def test_no_request_the_document_allows_gets_a_server_error(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment
):
    body = case_body(due_date=local_day(-40))
    assert (await api.post("/v1/cases", json=body, headers=auth("bank"))).status_code == 201
    loan_id = body["loan_id"]
    document = (await api.get("/openapi.json")).json()
    schema = schemathesis.openapi.from_dict(document)
    deadline = time.monotonic() + BUDGET_SECONDS
    server_errors: list[str] = []
    nonconforming: list[str] = []
    sent = 0

    for result in schema.get_all_operations():
        operation = result.ok()
        for case in generated_cases(operation, loan_id):
            if time.monotonic() > deadline:
                break
            kwargs = case.as_transport_kwargs(base_url="http://arrears.test")
            kwargs.setdefault("headers", {})
            # As the most privileged caller, so requests get past authorisation.
            kwargs["headers"] = {**auth("admin"), **kwargs["headers"]}
            response = await api.request(**_for_httpx(kwargs))
            sent += 1
            where = f"{case.method} {case.formatted_path} -> {response.status_code}"
            try:
                case.validate_response(response, checks=[not_a_server_error])
            except FAILED as error:
                server_errors.append(f"{where}: {error}")
            try:
                case.validate_response(response, checks=SCHEMA_CHECKS)
            except FAILED as error:
                reason = " / ".join(
                    type(failure).__name__ for failure in getattr(error, "exceptions", [error])
                )
                nonconforming.append(
                    f"{case.method} {case.path} -> {response.status_code}: {reason}"
                )

    assert sent > 0
    assert not server_errors, "\n".join(server_errors[:10])
    assert not await failing_activities(dev_env, loan_id)
    assert not nonconforming, "\n".join(nonconforming[:10])


async def failing_activities(env: WorkflowEnvironment, loan_id: str) -> list[str]:
    """Activities of the fuzzed case still failing a few seconds after the fuzz: what it
    accepted must not make any of them fail for ever."""
    handle = env.client.get_workflow_handle(ids.case_workflow_id(loan_id))
    failing: list[str] = []
    for _ in range(3):
        await asyncio.sleep(2)
        description = await handle.describe()
        failing = [
            f"{pending.activity_type.name} (attempt {pending.attempt}): "
            f"{pending.last_failure.message}"
            for pending in description.raw_description.pending_activities
            if pending.attempt > 2
        ]
        if not failing:
            break
    return failing


def _for_httpx(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Schemathesis builds `requests` keyword arguments; httpx names a few differently."""
    kwargs = dict(kwargs)
    if not kwargs.get("cookies"):
        kwargs.pop("cookies", None)
    for unsupported in ("verify", "allow_redirects", "timeout", "cert", "proxies", "stream"):
        kwargs.pop(unsupported, None)
    if "data" in kwargs and not isinstance(kwargs["data"], dict):
        kwargs["content"] = kwargs.pop("data")
    return kwargs
