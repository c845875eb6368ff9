"""`arrears dev` survives the death of any of its children: it restarts the one that died,
the others keep running, and the cases carry on. One stack for every check, to keep the
suite short; each step kills one child with SIGKILL, as a crash or the OOM killer would."""

import asyncio
import signal
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.e2e.devstack import DevStack, running
from tests.factories import case_body

ROLES = ("temporal", "postgres", "worker", "api")


def pids(stack: DevStack) -> dict[str, int]:
    return {role: stack.child(role).pid for role in ROLES}


def kill(stack: DevStack, role: str) -> int:
    """SIGKILL the child in `role`; return its pid."""
    process = stack.child(role)
    process.send_signal(signal.SIGKILL)
    return process.pid


def answer(method: str, url: str, *, within: float = 90, **kwargs: Any) -> httpx.Response:
    """The first answer other than 503 (safe to resend: the case said nothing yet) from an
    API that may be restarting, waiting up to `within` s."""
    deadline = time.monotonic() + within
    while True:
        try:
            response = httpx.request(method, url, timeout=30, **kwargs)
            if response.status_code != 503:
                return response
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"no answer from {method} {url} within {within} s"
        time.sleep(0.5)


def pay(stack: DevStack, loan_id: str, payment_id: str, amount: int, agent: dict) -> dict:
    paid = answer(
        "POST",
        f"{stack.base_url}/v1/cases/{loan_id}/payments",
        json={"payment_id": payment_id, "amount": amount},
        headers=agent,
    )
    assert paid.status_code == 200, paid.text
    return paid.json()["case"]


def database_url(stack: DevStack) -> str:
    return f"postgresql://postgres@127.0.0.1:{stack.ports['postgres']}/arrears"


def synced(stack: DevStack, query: str, *args: object, within: float = 90) -> None:
    """Wait up to `within` s until `query` finds a row in the stack's PostgreSQL (which may
    be restarting): the worker has written what the case decided."""

    async def found() -> bool:
        try:
            conn = await asyncpg.connect(database_url(stack), timeout=2)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            return False
        try:
            return await conn.fetchval(query, *args) is not None
        finally:
            await conn.close()

    deadline = time.monotonic() + within
    while not asyncio.run(found()):
        assert time.monotonic() < deadline, f"not synced within {within} s: {query} {args}"
        time.sleep(0.5)


@pytest.mark.timeout(600)
def test_dev_stack_restarts_a_child_that_dies_and_the_cases_carry_on(tmp_path: Path):
    stack = DevStack(tmp_path / "home")
    stack.home.mkdir()
    before = case_body(principal=30_000, interest=0, fees=0)
    loan_id = before["loan_id"]
    payment_row = "SELECT 1 FROM payments WHERE loan_id = $1 AND payment_id = $2"

    with running(stack, signal.SIGINT):
        keys = stack.keys()
        bank = {"Authorization": f"Bearer {keys['bank']}"}
        agent = {"Authorization": f"Bearer {keys['agent']}"}
        cases = f"{stack.base_url}/v1/cases"
        opened = httpx.post(cases, json=before, headers=bank, timeout=30)
        assert opened.status_code == 201, opened.text
        assert pay(stack, loan_id, "P-1", 5_000, agent)["balance"]["total"] == 25_000

        # The worker dies: a case can still be opened (a start needs no worker), the worker
        # comes back, and both the case opened before and the one opened meanwhile go on.
        first = pids(stack)
        killed = kill(stack, "worker")
        meanwhile = case_body(principal=10_000, interest=0, fees=0)
        during = httpx.post(cases, json=meanwhile, headers=bank, timeout=30)
        assert during.status_code == 201, during.text
        worker = stack.restarted("worker", killed)
        assert {role: pid for role, pid in pids(stack).items() if role != "worker"} == {
            role: pid for role, pid in first.items() if role != "worker"
        }
        assert pay(stack, loan_id, "P-2", 5_000, agent)["balance"]["total"] == 20_000
        synced(stack, "SELECT 1 FROM cases WHERE loan_id = $1", meanwhile["loan_id"])
        synced(stack, payment_row, loan_id, "P-2")

        # The API dies: it comes back and answers; nothing else was restarted.
        killed = kill(stack, "api")
        stack.restarted("api", killed)
        view = answer("GET", f"{cases}/{loan_id}", headers=agent)
        assert view.status_code == 200, view.text
        assert view.json()["paid"] == 10_000
        assert stack.child("worker").pid == worker.pid

        # PostgreSQL dies: a payment is still applied by the case (it needs no database),
        # PostgreSQL comes back, and the worker writes the payment it could not write.
        killed = kill(stack, "postgres")
        assert pay(stack, loan_id, "P-3", 5_000, agent)["balance"]["total"] == 15_000
        stack.restarted("postgres", killed)
        synced(stack, payment_row, loan_id, "P-3")

        # The Temporal dev server dies: it comes back with the cases in its database.
        killed = kill(stack, "temporal")
        stack.restarted("temporal", killed)
        closed = pay(stack, loan_id, "P-4", 15_000, agent)
        assert closed["closed_reason"] == "paid"
        synced(stack, payment_row, loan_id, "P-4")

        journal = (stack.home / "logs" / "supervisor.log").read_text()
        for role in ROLES:
            assert f"{role} (pid {first[role]}) killed by SIGKILL" in journal, journal
            assert f"{role} restarted (pid " in journal, journal
        assert "restarted (pid" in (stack.home / "logs" / "worker.log").read_text()
        assert "killed by SIGKILL" in stack.output()
    # `running` has stopped it with SIGINT: exit code 0, and no process left, restarted
    # ones included.
