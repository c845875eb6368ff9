"""`arrears dev` as a user runs it: a subprocess, driven over HTTP, stopped, restarted."""

import signal
from pathlib import Path

import httpx
import pytest

from tests.e2e.devstack import DevStack, running
from tests.factories import case_body


@pytest.mark.timeout(600)
def test_dev_stack_runs_stops_cleanly_and_keeps_cases_across_restarts(tmp_path: Path):
    stack = DevStack(tmp_path / "home")
    stack.home.mkdir()
    body = case_body(principal=30_000, interest=0, fees=0)
    loan_id = body["loan_id"]

    with running(stack, signal.SIGINT):
        names = {p.name() for p in stack.descendants}
        assert {"temporal", "postgres"} <= names
        keys = stack.keys()
        bank = {"Authorization": f"Bearer {keys['bank']}"}
        created = httpx.post(f"{stack.base_url}/v1/cases", json=body, headers=bank, timeout=30)
        assert created.status_code == 201, created.text
        paid = httpx.post(
            f"{stack.base_url}/v1/cases/{loan_id}/payments",
            json={"payment_id": "P-1", "amount": 10_000},
            headers={"Authorization": f"Bearer {keys['agent']}"},
            timeout=30,
        )
        assert paid.status_code == 200, paid.text
        assert paid.json()["case"]["balance"]["total"] == 20_000

        # The history is encrypted; the codec endpoint lets an auditor read it in clear.
        assert "张三" not in stack.case_input(loan_id)
        assert "张三" in stack.case_input(loan_id, codec_key=keys["auditor"])
        assert "张三" not in stack.case_input(loan_id, codec_key=keys["agent"])  # 403

    with running(stack, signal.SIGTERM):
        agent = {"Authorization": f"Bearer {stack.keys()['agent']}"}
        view = httpx.get(f"{stack.base_url}/v1/cases/{loan_id}", headers=agent, timeout=30)
        assert view.status_code == 200, view.text
        assert view.json()["paid"] == 10_000
        rest = httpx.post(
            f"{stack.base_url}/v1/cases/{loan_id}/payments",
            json={"payment_id": "P-2", "amount": 20_000},
            headers=agent,
            timeout=30,
        )
        assert rest.json()["case"]["closed_reason"] == "paid"
