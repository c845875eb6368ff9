"""Moving running cases to the strategy the service runs: one case over HTTP, many with
`arrears strategy migrate`, against the real dev server, worker and PostgreSQL."""

import asyncio
from datetime import UTC, datetime

import httpx
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from arrears import ids
from arrears.cli import app
from arrears.rollout import migrate_cases
from arrears.strategy import Strategy, from_data, load_default
from arrears.workflows.case import CollectionCase
from arrears.workflows.case_state import CaseStart
from tests.api.conftest import api_settings, auth
from tests.api.test_case_lifecycle import open_case, timeline_until
from tests.api.test_cases import days_ago
from tests.factories import TEST_ENCRYPTION_KEYS, new_loan_id, opening
from tests.strategy.builders import default_data

SERVED = load_default()


def retired_version(version: str) -> Strategy:
    """An older strategy some cases still follow: the default with another version."""
    data = default_data()
    data["version"] = version
    data["promise_tolerance_days"] = 1
    return from_data(data)


async def start_case_on(env: WorkflowEnvironment, strategy: Strategy) -> str:
    case = opening(loan_id=new_loan_id(), due_date=days_ago(12))
    await env.client.start_workflow(
        CollectionCase.run,
        CaseStart(opening=case, received_at=datetime.now(UTC), strategy=strategy),
        id=ids.case_workflow_id(case.loan_id),
        task_queue=ids.TASK_QUEUE,
    )
    return case.loan_id


async def test_only_an_admin_moves_a_case_and_only_to_the_served_strategy(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment
):
    loan_id = await start_case_on(dev_env, retired_version("2026.10-api"))
    url = f"/v1/cases/{loan_id}/strategy"
    body = {"to_version": SERVED.version, "change_ref": "CHG-2026-118"}

    assert (await api.post(url, json=body, headers=auth("agent"))).status_code == 403
    wrong = await api.post(url, json={**body, "to_version": "2027.01-1"}, headers=auth("admin"))
    assert wrong.status_code == 422
    assert wrong.json()["error"] == "strategy_not_served"
    assert "runs strategy 2026.12-1" in wrong.json()["detail"]
    bad_ref = await api.post(
        url, json={**body, "change_ref": "4111111111111111"}, headers=auth("admin")
    )
    assert bad_ref.status_code == 422 and "change_ref" in bad_ref.json()["detail"]

    moved = await api.post(url, json=body, headers=auth("admin"))
    assert moved.status_code == 200, moved.text
    assert moved.json()["accepted"] is True
    assert moved.json()["case"]["strategy_version"] == SERVED.version
    again = await api.post(url, json=body, headers=auth("admin"))
    assert again.json()["accepted"] is False

    events = await timeline_until(api, loan_id, "strategy_migrated")
    migrated = next(e for e in events if e["type"] == "strategy_migrated")
    assert (migrated["from_version"], migrated["to_version"], migrated["change_ref"]) == (
        "2026.10-api",
        SERVED.version,
        "CHG-2026-118",
    )


async def test_a_case_opened_on_the_served_strategy_has_nothing_to_move(api: httpx.AsyncClient):
    loan_id = await open_case(api, due_date=days_ago(6))
    body = {"to_version": SERVED.version, "change_ref": "CHG-1"}
    response = await api.post(f"/v1/cases/{loan_id}/strategy", json=body, headers=auth("admin"))
    assert response.status_code == 200
    assert response.json()["accepted"] is False


async def test_a_rollout_moves_every_running_case_on_the_old_version_once(
    dev_env: WorkflowEnvironment, running_worker: None
):
    old = retired_version("2026.10-bulk")
    on_old = {await start_case_on(dev_env, old) for _ in range(3)}
    elsewhere = await start_case_on(dev_env, retired_version("2026.09-other"))

    for _ in range(100):
        listed = await migrate_cases(
            dev_env.client, SERVED, from_version=old.version, change_ref="CHG-9", dry_run=True
        )
        if set(listed.found) >= on_old:
            break
        await asyncio.sleep(0.1)
    assert set(listed.found) == on_old and elsewhere not in listed.found

    report = await migrate_cases(
        dev_env.client, SERVED, from_version=old.version, change_ref="CHG-9"
    )
    assert set(report.migrated) == on_old and not report.refused

    # Interrupted or repeated: a rerun moves nothing twice.
    rerun = await migrate_cases(
        dev_env.client, SERVED, from_version=old.version, change_ref="CHG-9"
    )
    assert not rerun.migrated and not rerun.refused
    for loan_id in on_old:
        handle = dev_env.client.get_workflow_handle(ids.case_workflow_id(loan_id))
        view = await handle.query(CollectionCase.view)
        assert view.strategy_version == SERVED.version
    other = dev_env.client.get_workflow_handle(ids.case_workflow_id(elsewhere))
    assert (await other.query(CollectionCase.view)).strategy_version == "2026.09-other"


async def test_the_rollout_command_lists_then_moves_and_says_how_many(
    dev_env: WorkflowEnvironment, running_worker: None
):
    old = retired_version("2026.10-cli")
    on_old = {await start_case_on(dev_env, old) for _ in range(2)}
    settings = api_settings(dev_env)
    env = {
        "TEMPORAL_ADDRESS": settings.temporal_address,
        "TEMPORAL_NAMESPACE": settings.temporal_namespace,
        "ARREARS_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEYS,
    }
    args = ["strategy", "migrate", "--from-version", old.version, "--change-ref", "CHG-5"]

    def run(*extra: str):
        return CliRunner().invoke(app, [*args, *extra], env=env)

    for _ in range(100):
        listed = await asyncio.to_thread(run, "--dry-run")
        if all(loan_id in listed.output for loan_id in on_old):
            break
        await asyncio.sleep(0.1)
    assert listed.exit_code == 0, listed.output
    assert "2 running cases on 2026.10-cli would move" in listed.output

    moved = await asyncio.to_thread(run)
    assert moved.exit_code == 0, moved.output
    assert f"2026.10-cli → {SERVED.version}: 2 moved, 0 already on it, 0 refused" in moved.output
