"""`arrears audit` against the real dev server, worker and PostgreSQL: a case's history
replays, its audit chain holds and the two agree, and tampering with either shows."""

import asyncio
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import pytest
from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from typer.testing import CliRunner

import arrears.workflows.limits as limits
from arrears import ids
from arrears.case_audit import AuditReport, audit_case
from arrears.cli import app
from arrears.contracts import CaseSync, Payment
from arrears.strategy import load_default
from arrears.workflows.case import CollectionCase
from arrears.workflows.case_state import CaseStart
from tests.api.conftest import api_settings, auth, unserved_case
from tests.api.test_case_lifecycle import open_case, timeline_until
from tests.api.test_cases import days_ago
from tests.factories import TEST_ENCRYPTION_KEYS, opening


async def paid_case(api: httpx.AsyncClient) -> str:
    loan_id = await open_case(api, due_date=days_ago(9))
    await api.post(
        f"/v1/cases/{loan_id}/payments",
        json={"payment_id": "P-a1", "amount": 3_000},
        headers=auth("agent"),
    )
    await timeline_until(api, loan_id, "payment_applied")
    return loan_id


async def idle(env: WorkflowEnvironment, loan_id: str) -> None:
    """Until the case's current run has no workflow task or activity in flight: an audit of
    a run caught in the middle of a task says so, rather than judging it."""
    handle = env.client.get_workflow_handle(ids.case_workflow_id(loan_id))
    for _ in range(100):
        raw = (await handle.describe()).raw_description
        if not raw.HasField("pending_workflow_task") and not raw.pending_activities:
            return
        await asyncio.sleep(0.05)


async def settled_audit(env: WorkflowEnvironment, pool: asyncpg.Pool, loan_id: str) -> AuditReport:
    """The audit once the payment's sync has reached PostgreSQL."""
    for _ in range(100):
        await idle(env, loan_id)
        report = await audit_case(env.client, pool, loan_id)
        if report.ok and report.recorded_by_workflow >= 4:
            return report
        await asyncio.sleep(0.1)
    return report


async def test_a_case_replays_and_its_records_agree(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment, pool: asyncpg.Pool
):
    loan_id = await paid_case(api)

    report = await settled_audit(dev_env, pool, loan_id)

    assert report.ok, report.as_dict()
    assert report.verdict == "holds" and not report.pending
    assert len(report.runs) == 1 and report.history_events > 10
    assert report.chain_rows == report.recorded_by_workflow >= 4
    assert report.timeline_events == report.recorded_by_workflow


async def test_every_run_of_a_case_that_continued_as_new_is_audited(
    api: httpx.AsyncClient,
    dev_env: WorkflowEnvironment,
    pool: asyncpg.Pool,
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(limits, "CONTINUE_AS_NEW_AFTER_EVENTS", 60)
    loan_id = await paid_case(api)
    for n in range(12):  # one update, one workflow task each: the history grows past 60
        response = await api.post(
            f"/v1/cases/{loan_id}/payments",
            json={"payment_id": f"P-r{n}", "amount": 100},
            headers=auth("agent"),
        )
        assert response.status_code == 200
    await timeline_until(api, loan_id, "run_continued")

    for _ in range(100):
        await idle(dev_env, loan_id)
        report = await audit_case(dev_env.client, pool, loan_id)
        # The opening four events, twelve payments and the continuation.
        if len(report.runs) >= 2 and report.ok and report.recorded_by_workflow >= 17:
            break
        await asyncio.sleep(0.1)

    assert len(report.runs) >= 2, report.as_dict()
    assert report.ok, report.as_dict()
    assert report.chain_rows == report.recorded_by_workflow == report.timeline_events


async def test_a_run_that_has_decided_nothing_yet_is_not_replayed(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool
):
    async with unserved_case(dev_env) as loan_id:
        report = await asyncio.wait_for(audit_case(dev_env.client, pool, loan_id), 30)

    assert report.ok and len(report.runs) == 1
    assert report.chain_rows == report.recorded_by_workflow == 0


async def _alter_the_payment_row(pool: asyncpg.Pool, loan_id: str, changes: str) -> int:
    """Set `changes` (SQL) on the case's `payment_applied` audit row; returns its seq."""
    async with pool.acquire() as conn:
        seq = await conn.fetchval(
            "SELECT seq FROM audit_events WHERE loan_id = $1 AND type = 'payment_applied'",
            loan_id,
        )
        await _as_a_rogue_administrator(
            conn,
            f"UPDATE audit_events SET {changes} WHERE loan_id = $1 AND seq = $2",
            loan_id,
            seq,
        )
    return seq


async def test_an_altered_row_breaks_the_chain_and_disagrees_with_the_history(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment, pool: asyncpg.Pool
):
    loan_id = await paid_case(api)
    await settled_audit(dev_env, pool, loan_id)
    seq = await _alter_the_payment_row(
        pool, loan_id, "body = jsonb_set(body, '{amount}', '300000')"
    )

    report = await audit_case(dev_env.client, pool, loan_id)

    assert not report.ok
    assert report.chain_break == seq
    assert report.disagreements == [f"seq {seq}: audit_events differs from the history"]
    assert not report.replay_failures


async def test_an_altered_type_column_breaks_the_chain_though_the_body_agrees(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment, pool: asyncpg.Pool
):
    loan_id = await paid_case(api)
    await settled_audit(dev_env, pool, loan_id)
    seq = await _alter_the_payment_row(
        pool, loan_id, "type = 'payment_reversed', at = at - interval '1 day'"
    )

    report = await audit_case(dev_env.client, pool, loan_id)

    assert not report.ok
    assert (report.chain_break, report.chain_break_episode) == (seq, 1)
    assert report.disagreements == []  # the body, all the history can vouch for, is intact
    assert not report.replay_failures


async def test_a_removed_last_row_leaves_the_chain_whole_but_not_the_agreement(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment, pool: asyncpg.Pool
):
    loan_id = await paid_case(api)
    report = await settled_audit(dev_env, pool, loan_id)
    last = report.chain_rows - 1
    async with pool.acquire() as conn:
        await _as_a_rogue_administrator(
            conn, "DELETE FROM audit_events WHERE loan_id = $1 AND seq = $2", loan_id, last
        )

    report = await audit_case(dev_env.client, pool, loan_id)

    assert report.chain_break is None  # a chain cut at its end still holds ...
    assert report.disagreements == [f"seq {last}: in the history, missing from audit_events"]
    assert not report.ok  # ... which is why the history is the other witness


@activity.defn(name="sync_case")
async def sync_that_always_fails(sync: CaseSync) -> None:
    raise RuntimeError("PostgreSQL refused the write")


async def test_events_no_sync_could_write_leave_the_agreement_pending_never_holding(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool, database_url: str
):
    case = opening()
    task_queue = f"sync-fails-{uuid.uuid4().hex[:8]}"
    worker = Worker(
        dev_env.client,
        task_queue=task_queue,
        workflows=[CollectionCase],
        activities=[sync_that_always_fails],
    )
    async with worker:
        handle = await dev_env.client.start_workflow(
            CollectionCase.run,
            CaseStart(opening=case, received_at=datetime.now(UTC), strategy=load_default()),
            id=ids.case_workflow_id(case.loan_id),
            task_queue=task_queue,
        )
        try:
            await _once_sync_failed(handle, recorded=None)
            # Recorded by a handler while the run loop waits on the sync that cannot
            # complete: only the workflow's timeline knows of it, no sync input does.
            await handle.signal(
                CollectionCase.payment_received, Payment(payment_id="P-s1", amount=3_000)
            )
            events = await _once_sync_failed(handle, recorded="payment_applied")
            report = await audit_case(dev_env.client, pool, case.loan_id)
            env = _audit_env(dev_env, database_url)
            result = await asyncio.to_thread(
                CliRunner().invoke, app, ["audit", case.loan_id], env=env
            )
        finally:
            await handle.terminate("test finished")

    assert report.verdict == "pending" and not report.ok, report.as_dict()
    assert not report.replay_failures and report.chain_break is None
    assert report.disagreements == []
    assert report.chain_rows == report.recorded_by_workflow == 0
    assert report.timeline_events == len(events) >= 2
    assert report.pending == [
        f"seq {seq}: recorded by the workflow, not yet in audit_events"
        for seq in range(len(events))
    ]
    assert report.sync_retrying is not None
    assert report.sync_retrying.startswith("sync_case attempt ")
    assert report.sync_retrying.endswith("last failure: RuntimeError")
    assert result.exit_code == 3, result.output
    assert "PENDING" in result.output and "not yet in audit_events" in result.output


async def _once_sync_failed(handle: WorkflowHandle, recorded: str | None) -> list:
    """The case's timeline once its sync has failed at least twice, no workflow task is in
    flight and, if named, an event of type `recorded` is in it."""
    for _ in range(200):
        events = (await handle.query(CollectionCase.timeline)).events
        raw = (await handle.describe()).raw_description
        sync_failed = any(
            pending.activity_type.name == "sync_case" and pending.attempt >= 2
            for pending in raw.pending_activities
        )
        found = recorded is None or any(event.type == recorded for event in events)
        if found and sync_failed and not raw.HasField("pending_workflow_task"):
            return events
        await asyncio.sleep(0.05)
    raise AssertionError(f"no failing sync (and {recorded}): {raw}")


def _audit_env(dev_env: WorkflowEnvironment, database_url: str) -> dict[str, str]:
    settings = api_settings(dev_env)
    return {
        "TEMPORAL_ADDRESS": settings.temporal_address,
        "TEMPORAL_NAMESPACE": settings.temporal_namespace,
        "DATABASE_URL": database_url,
        "ARREARS_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEYS,
    }


async def test_the_command_reports_and_exports_and_exits_by_the_verdict(
    api: httpx.AsyncClient,
    dev_env: WorkflowEnvironment,
    pool: asyncpg.Pool,
    database_url: str,
    tmp_path: Path,
):
    loan_id = await paid_case(api)
    await settled_audit(dev_env, pool, loan_id)
    env = _audit_env(dev_env, database_url)

    def run(*args: str):
        return CliRunner().invoke(app, ["audit", *args], env=env)

    result = await asyncio.to_thread(run, loan_id, "--out", str(tmp_path / "audit"))
    assert result.exit_code == 0, result.output
    assert "replay against this code: holds" in result.output
    report = json.loads((tmp_path / "audit" / "report.json").read_text())
    assert report["ok"] is True and report["loan_id"] == loan_id
    assert report["verdict"] == "holds" and report["pending"] == []
    (history,) = (tmp_path / "audit").glob("history-*.json")
    exported = history.read_text()
    assert "张三" not in exported and "13800138000" not in exported  # payloads stay encrypted

    unknown = await asyncio.to_thread(run, "L-never-opened")
    assert unknown.exit_code == 2 and "no case for loan L-never-opened" in unknown.output
    bad = await asyncio.to_thread(run, "4111111111111111")
    assert bad.exit_code == 2 and "loan_id" in bad.output


async def test_auditing_every_case_names_the_first_broken_row_of_each_failing_one(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment, pool: asyncpg.Pool, database_url: str
):
    sound, tampered = await paid_case(api), await paid_case(api)
    await settled_audit(dev_env, pool, sound)
    report = await settled_audit(dev_env, pool, tampered)
    async with pool.acquire() as conn:
        await _as_a_rogue_administrator(
            conn,
            "UPDATE audit_events SET type = 'case_closed' WHERE loan_id = $1 AND seq = 2",
            tampered,
        )
    env = _audit_env(dev_env, database_url)

    result = await asyncio.to_thread(CliRunner().invoke, app, ["audit", "--all"], env=env)

    assert result.exit_code == 1, result.output
    lines = dict(line.split(": ", 1) for line in result.output.splitlines()[:-1])
    assert lines[sound] == f"holds ({report.chain_rows} rows)"
    assert lines[tampered] == "FAILS: chain first broken at seq 2"
    assert result.output.splitlines()[-1].startswith(f"{len(lines)} cases: ")


async def _as_a_rogue_administrator(conn: asyncpg.Connection, sql: str, *args: object) -> None:
    """What only someone with the table's ownership can do: switch the append-only trigger
    off, change the rows, switch it back on."""
    async with conn.transaction():
        await conn.execute(
            "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete"
        )
        await conn.execute(sql, *args)
        await conn.execute(
            "ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_or_delete"
        )
