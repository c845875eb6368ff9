"""An auditor's HTTP tools against the real dev server, worker and PostgreSQL: a case's
history decoded (auditors and admins only), and the audit of a sound case and of one whose
history the code served no longer replays."""

import asyncio
import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from typer.testing import CliRunner

import arrears.workflows.limits as limits
from arrears import ids
from arrears.case_audit import list_runs, replay_exported
from arrears.cli import app
from arrears.strategy import load_default
from arrears.workflows.case_state import CaseStart
from tests.api.conftest import auth
from tests.api.test_audit import idle, paid_case, settled_audit
from tests.api.test_case_lifecycle import timeline_until
from tests.factories import make_converter, new_loan_id, opening


async def test_the_history_is_every_run_decoded_for_auditors(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment, pool: asyncpg.Pool, tmp_path: Path
):
    loan_id = await paid_case(api)
    await settled_audit(dev_env, pool, loan_id)

    response = await api.get(f"/v1/cases/{loan_id}/history", headers=auth("auditor"))

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["loan_id"] == loan_id
    (run,) = body["runs"]
    events = run["history"]["events"]
    assert events[0]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"
    (started,) = events[0]["workflowExecutionStartedEventAttributes"]["input"]["payloads"]
    assert started["metadata"]["encoding"] != "YmluYXJ5L2VuY3J5cHRlZA=="  # binary/encrypted
    text = json.dumps(body, ensure_ascii=False)
    assert "binary/encrypted" not in text
    # The opening's facts, in clear: the customer's name and phone, the loan.
    opening = json.loads(base64.b64decode(started["data"]))
    assert opening["opening"]["loan_id"] == loan_id
    assert opening["opening"]["customer"]["name"] == "张三"
    assert "13800138000" in opening["opening"]["customer"]["phone"]
    # What the endpoint gives is a history `arrears audit --history` replays.
    history = WorkflowHistory.from_json(f"case-{loan_id}", run["history"])
    assert history.run_id == run["run_id"]
    assert await replay_exported(history, make_converter()) is None
    export = tmp_path / "export.json"
    export.write_text(response.text)
    args = ["audit", "--history", str(export)]
    no_keys = {"ARREARS_ENCRYPTION_KEYS": None}
    offline = await asyncio.to_thread(CliRunner().invoke, app, args, env=no_keys)
    assert offline.exit_code == 0, offline.output  # decrypted: no key needed
    assert offline.output == f"{export}: replays (1 run)\n"


async def test_the_history_of_a_case_that_continued_as_new_has_every_run_oldest_first(
    api: httpx.AsyncClient,
    dev_env: WorkflowEnvironment,
    pool: asyncpg.Pool,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
):
    monkeypatch.setattr(limits, "CONTINUE_AS_NEW_AFTER_EVENTS", 60)
    loan_id = await paid_case(api)
    for n in range(12):  # one update, one workflow task each: the history grows past 60
        response = await api.post(
            f"/v1/cases/{loan_id}/payments",
            json={"payment_id": f"P-h{n}", "amount": 100},
            headers=auth("agent"),
        )
        assert response.status_code == 200
    await timeline_until(api, loan_id, "run_continued")
    await idle(dev_env, loan_id)
    runs = await list_runs(dev_env.client, loan_id)

    response = await api.get(f"/v1/cases/{loan_id}/history", headers=auth("auditor"))

    assert response.status_code == 200, response.text
    exported = response.json()["runs"]
    assert len(runs) >= 2 and [run["run_id"] for run in exported] == runs
    first, last = exported[0]["history"]["events"], exported[-1]["history"]["events"]
    assert first[-1]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW"
    started = last[0]["workflowExecutionStartedEventAttributes"]
    assert started["continuedExecutionRunId"] == exported[-2]["run_id"]
    export = tmp_path / "export.json"
    export.write_text(response.text)
    args = ["audit", "--history", str(export)]
    offline = await asyncio.to_thread(CliRunner().invoke, app, args)
    assert offline.exit_code == 0, offline.output
    assert offline.output == f"{export}: replays ({len(runs)} runs)\n"


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("agent", 403), ("bank", 403)])
async def test_only_auditors_and_admins_read_the_history_or_audit(
    api: httpx.AsyncClient, role: str, status: int
):
    loan_id = await paid_case(api)

    history = await api.get(f"/v1/cases/{loan_id}/history", headers=auth(role))
    audit = await api.post(f"/v1/cases/{loan_id}/audit", headers=auth(role))

    assert history.status_code == status and audit.status_code == status, (history, audit)
    if status == 403:
        assert history.json()["error"] == audit.json()["error"] == "forbidden"
        assert "张三" not in history.text


async def test_an_unknown_loan_is_404(api: httpx.AsyncClient):
    loan_id = new_loan_id()
    for method, path in (("GET", "history"), ("POST", "audit")):
        response = await api.request(method, f"/v1/cases/{loan_id}/{path}", headers=auth("auditor"))
        assert response.status_code == 404, response.text
        assert response.json()["error"] == "case_not_found"


async def test_the_audit_of_a_sound_case_holds(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment, pool: asyncpg.Pool
):
    loan_id = await paid_case(api)
    await settled_audit(dev_env, pool, loan_id)

    response = await api.post(f"/v1/cases/{loan_id}/audit", headers=auth("auditor"))

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["ok"] is True and report["verdict"] == "holds", report
    assert report["replay"]["verdict"] == "holds" and report["replay"]["failures"] == {}
    assert report["chain"] == {
        "verdict": "holds",
        "rows": report["agreement"]["recorded_by_workflow"],
        "first_break": None,
        "first_break_episode": None,
    }
    assert report["chain"]["rows"] >= 4
    assert report["agreement"]["verdict"] == "holds"


# Not sandboxed: a test double that does nothing non-deterministic needs no guard.
@workflow.defn(name="CollectionCase", sandboxed=False)
class CaseOfOtherCode:
    """Other code under the case's workflow name: it starts a timer where the code served
    schedules its first activity, so the code served cannot replay what it wrote."""

    @workflow.run
    async def run(self, start: CaseStart) -> None:
        await workflow.sleep(timedelta(hours=1))


async def test_a_history_the_code_no_longer_replays_is_not_ok_and_says_why(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment
):
    case = opening()
    task_queue = f"other-code-{uuid.uuid4().hex[:8]}"
    async with Worker(dev_env.client, task_queue=task_queue, workflows=[CaseOfOtherCode]):
        handle = await dev_env.client.start_workflow(
            CaseOfOtherCode.run,
            CaseStart(opening=case, received_at=datetime.now(UTC), strategy=load_default()),
            id=ids.case_workflow_id(case.loan_id),
            task_queue=task_queue,
        )
        try:
            for _ in range(100):
                history = await handle.fetch_history()
                if any(e.HasField("timer_started_event_attributes") for e in history.events):
                    break
                await asyncio.sleep(0.05)
            response = await api.post(f"/v1/cases/{case.loan_id}/audit", headers=auth("admin"))
        finally:
            await handle.terminate("test finished")

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["ok"] is False and report["verdict"] == "fails"
    assert report["replay"]["verdict"] == "fails"
    (why,) = report["replay"]["failures"].values()
    assert "Nondeterminism" in why, why
