"""Moving running cases to the strategy the service runs: one case over HTTP, many with
`arrears strategy migrate`, against the real dev server, worker and PostgreSQL."""

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
from temporalio import workflow
from temporalio.client import Client, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from typer.testing import CliRunner

from arrears import ids
from arrears.cli import app
from arrears.commands import CommandOutcome, StrategyMigration
from arrears.rollout import cases_on_version, migrate_cases
from arrears.strategy import Strategy, from_data, load_default
from arrears.workflows.case import CollectionCase
from arrears.workflows.case_state import CaseStart
from tests.api.conftest import api_settings, auth
from tests.api.stuck_case import take_and_drop
from tests.api.test_audit import idle
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

    for loan_id in on_old:  # about the rollout, not a migration racing a contact in flight
        await idle(dev_env, loan_id)
    report = await migrate_cases(
        dev_env.client, SERVED, from_version=old.version, change_ref="CHG-9"
    )
    assert set(report.migrated) == on_old and not report.refused

    # Interrupted or repeated: a rerun moves nothing twice.
    rerun = await migrate_cases(
        dev_env.client, SERVED, from_version=old.version, change_ref="CHG-9"
    )
    assert not rerun.migrated and not rerun.refused and not rerun.unreachable
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
    assert all(f"{loan_id}: moved" in moved.output for loan_id in on_old)


@workflow.defn(name="CollectionCase", sandboxed=False)
class UnwellCase:
    """A case in trouble, under the real workflow name on a task queue of its own: with
    "fails" its code raises on its history (a plain exception fails the workflow task, again
    and again, not the workflow); with "refuses" it turns every migration down."""

    @workflow.run
    async def run(self, condition: str) -> None:
        if condition == "fails":
            raise RuntimeError("a bug this case's history runs into")
        await workflow.wait_condition(lambda: False)

    @workflow.update(name="migrate_strategy")
    def migrate_strategy(self, command: StrategyMigration) -> CommandOutcome:
        raise RuntimeError("never runs: the validator turns every migration down")

    @migrate_strategy.validator
    def _turn_down(self, command: StrategyMigration) -> None:
        raise ApplicationError("the case is under legal hold", type="CaseOnHold")


@asynccontextmanager
async def unwell_cases(
    client: Client, version: str, *conditions: str
) -> AsyncIterator[list[WorkflowHandle]]:
    """One case per condition ("fails", "refuses"; "unserved": no worker polls its queue;
    "hangs": a worker took its workflow task and never finished it, three times over),
    listed on strategy `version` as real cases are; terminated on the way out."""
    task_queue = f"unwell-{uuid.uuid4().hex[:8]}"
    queues = {"unserved": f"{task_queue}-nobody", "hangs": f"{task_queue}-hangs"}
    handles = [
        await client.start_workflow(
            "CollectionCase",
            condition,
            id=ids.case_workflow_id(new_loan_id(condition)),
            task_queue=queues.get(condition, task_queue),
            search_attributes=TypedSearchAttributes([SearchAttributePair(ids.STRATEGY, version)]),
            task_timeout=timedelta(seconds=1),
        )
        for condition in conditions
    ]
    if "hangs" in conditions:
        while await take_and_drop(client, queues["hangs"]) < 3:
            pass
    try:
        async with Worker(client, task_queue=task_queue, workflows=[UnwellCase]):
            yield handles
    finally:
        for handle in handles:
            await handle.terminate("test finished")


async def failing_task(handle: WorkflowHandle) -> None:
    """Wait until the case's workflow task has failed at least once (it is retried)."""
    for _ in range(100):
        description = await handle.describe()
        if description.raw_description.pending_workflow_task.attempt > 1:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the workflow task never failed")


async def test_a_rollout_moves_every_good_case_and_says_why_the_others_did_not(
    dev_env: WorkflowEnvironment, running_worker: None
):
    old = retired_version("2026.10-stuck")
    good = {await start_case_on(dev_env, old) for _ in range(3)}
    settings = api_settings(dev_env)
    env = {
        "TEMPORAL_ADDRESS": settings.temporal_address,
        "TEMPORAL_NAMESPACE": settings.temporal_namespace,
        "ARREARS_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEYS,
    }
    args = ["strategy", "migrate", "--from-version", old.version, "--change-ref", "CHG-7"]

    def run(*extra: str):
        return CliRunner().invoke(app, [*args, "--case-timeout", "5", *extra], env=env)

    unwell = ("fails", "refuses", "unserved", "hangs")
    async with unwell_cases(dev_env.client, old.version, *unwell) as handles:
        stuck_id, refusing_id, unserved_id, hung_id = (
            handle.id.removeprefix(ids.CASE_ID_PREFIX) for handle in handles
        )
        stuck = handles[0]
        everyone = good | {stuck_id, refusing_id, unserved_id, hung_id}
        for _ in range(100):
            listed = await asyncio.to_thread(run, "--dry-run")
            if all(loan_id in listed.output for loan_id in everyone):
                break
            await asyncio.sleep(0.1)
        assert "7 running cases on 2026.10-stuck would move" in listed.output, listed.output
        await failing_task(stuck)
        for loan_id in good:  # about the rollout, not a migration racing a contact in flight
            await idle(dev_env, loan_id)

        first = await asyncio.to_thread(run)
        rerun = await asyncio.to_thread(run)

    assert first.exit_code == 1, first.output
    lines = first.output.splitlines()
    assert all(f"{loan_id}: moved" in lines for loan_id in good), first.output
    assert f"{refusing_id}: refused: CaseOnHold: the case is under legal hold" in lines
    assert any(line.startswith(f"{stuck_id}: unreachable: workflow task failing") for line in lines)
    assert f"{unserved_id}: unreachable: timeout: no answer within 5 s" in lines
    # Its code is sound: its worker is what to look at, not a bug.
    assert any(
        line.startswith(f"{hung_id}: unreachable: workflow task timing out (attempt ")
        and "a worker took it and never finished" in line
        for line in lines
    ), first.output
    assert (
        f"2026.10-stuck → {SERVED.version}: 3 moved, 0 already on it, 1 refused, 3 unreachable"
        in lines
    )

    # A rerun moves nothing twice (the cases moved are no longer listed on the old version,
    # or, where visibility lags, are found on the new one already), and still says which
    # cases are not on it.
    assert rerun.exit_code == 1, rerun.output
    assert not any(f"{loan_id}: moved" in rerun.output for loan_id in good)
    summary = re.search(
        r"(\d+) moved, (\d+) already on it, (\d+) refused, (\d+) unreachable", rerun.output
    )
    assert summary is not None, rerun.output
    moved, already, refused, unreachable = map(int, summary.groups())
    assert (moved, refused, unreachable) == (0, 1, 3) and already <= 3
    for _ in range(100):
        on_new = {
            execution.id.removeprefix(ids.CASE_ID_PREFIX)
            async for execution in dev_env.client.list_workflows(cases_on_version(SERVED.version))
        }
        if good <= on_new:
            break
        await asyncio.sleep(0.1)
    assert good <= on_new
