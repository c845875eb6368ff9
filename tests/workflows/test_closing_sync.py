"""A case that closes syncs everything it recorded before its run completes, also what a
signal recorded while its last sync was in flight."""

import asyncio

from arrears.contracts import Payment
from arrears.workflows.case import CollectionCase
from tests.workflows.harness import CaseRunner, eventually
from tests.workflows.story import assert_case_is_sound
from tests.workflows.test_strategy_paths import begin


async def test_a_payment_signalled_during_the_last_sync_reaches_the_records(runner: CaseRunner):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=40, principal=10_000, interest=0, fees=0)
        last_sync = runner.blocking.hold("sync_case")
        paid = await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-1", amount=10_000)
        )
        assert paid.case.closed_reason == "paid"
        await eventually(last_sync.entered.is_set)
        await handle.signal(CollectionCase.payment_received, Payment(payment_id="P-2", amount=500))
        for _ in range(200):  # the handler records it while the sync is still held
            if (await handle.query(CollectionCase.view)).excess == 500:
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the signalled payment was not recorded")
        runner.blocking.release_all()
        outcome = await handle.result()
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)
    assert outcome.view.excess == 500
    assert runner.fakes.synced_payment_ids() == ["P-1", "P-2"]
    assert runner.fakes.synced_event_types()[-1] == "payment_applied"
