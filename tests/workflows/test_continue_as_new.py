"""A long case continues as new with its whole state, and nothing is applied twice."""

from datetime import timedelta

import pytest

import arrears.workflows.limits as limits
from arrears.contracts import Payment
from arrears.workflows.case import CollectionCase
from tests.workflows.harness import CaseRunner
from tests.workflows.test_strategy_paths import STRATEGY, begin


@pytest.fixture
def short_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "CONTINUE_AS_NEW_AFTER_EVENTS", 120)


async def test_continue_as_new_carries_the_whole_state(runner: CaseRunner, short_runs: None):
    async with runner.worker():
        first, _ = await begin(runner, dpd=2, principal=1_000_000, interest=0, fees=0)
        case = runner.latest(first)
        for day in range(40):
            await case.signal(
                CollectionCase.payment_received, Payment(payment_id=f"P-{day}", amount=1_000)
            )
            await runner.env.sleep(timedelta(days=1))
        # Payments already applied in an earlier run are still recognised.
        again = await case.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-0", amount=1_000)
        )
        view = await case.query(CollectionCase.view)
        timeline = (await case.query(CollectionCase.timeline)).events
        description = await case.describe()

    assert description.run_id != first.result_run_id
    assert not again.applied
    assert view.paid == 40_000
    assert view.balance.total == 960_000
    assert view.strategy_version == STRATEGY.version
    assert view.risk is not None
    kinds = [e.type for e in timeline]
    assert kinds[0] == "case_opened"
    assert kinds.count("run_continued") >= 2
    assert kinds.count("payment_applied") == 40
    assert kinds.count("risk_scored") == 1
    # The audit trail received every event exactly once, in order, across runs.
    synced = [e for sync in runner.fakes.syncs for e in sync.events]
    assert [e.seq for e in synced] == list(range(len(synced)))
    assert [e.event.type for e in synced] == kinds[: len(synced)]
    assert len(runner.fakes.scored) == 1
