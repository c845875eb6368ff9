"""What an upheld dispute does, on the time-skipping server: a wrong amount is corrected
and collection resumes on it; a debt that is not the customer's closes the case."""

import pytest
from temporalio.client import WorkflowUpdateFailedError

from arrears.commands import CorrectedAmounts, OpenDispute, ResolveDispute
from arrears.contracts import Payment
from arrears.workflows.case import CollectionCase
from tests.workflows.harness import CaseRunner
from tests.workflows.story import assert_case_is_sound
from tests.workflows.test_strategy_paths import begin, events, types


async def rejected_kind(handle, command: ResolveDispute) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(CollectionCase.resolve_dispute, command)
    return failed.value.cause.type


async def test_upheld_amount_wrong_resumes_collection_on_the_corrected_balance(
    runner: CaseRunner,
):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=10, principal=500_000, interest=12_000, fees=3_000)
        await handle.execute_update(CollectionCase.open_dispute, OpenDispute(reason="amount_wrong"))
        assert await rejected_kind(handle, ResolveDispute(outcome="upheld")) == (
            "CorrectionRequired"
        )
        higher = CorrectedAmounts(principal=600_000, interest=0, fees=0)
        assert await rejected_kind(handle, ResolveDispute(outcome="upheld", corrected=higher)) == (
            "CorrectionIncreasesDebt"
        )
        # Less in all, but more interest: raising a component is an adjustment, not this.
        shifted = CorrectedAmounts(principal=400_000, interest=13_000, fees=0)
        assert await rejected_kind(handle, ResolveDispute(outcome="upheld", corrected=shifted)) == (
            "CorrectionIncreasesDebt"
        )
        corrected = CorrectedAmounts(principal=400_000, interest=10_000, fees=0)
        outcome = await handle.execute_update(
            CollectionCase.resolve_dispute, ResolveDispute(outcome="upheld", corrected=corrected)
        )
        assert outcome.accepted and outcome.case.status == "open"
        assert outcome.case.dispute is None
        # The same resolution again is a repeat; another correction is no resolution at all.
        again = ResolveDispute(outcome="upheld", corrected=corrected)
        repeat = await handle.execute_update(CollectionCase.resolve_dispute, again)
        assert not repeat.accepted and repeat.case.balance.total == 410_000
        other = ResolveDispute(
            outcome="upheld", corrected=CorrectedAmounts(principal=1, interest=0, fees=0)
        )
        assert await rejected_kind(handle, other) == "NoDispute"
        assert outcome.case.balance.model_dump() == {
            "principal": 400_000,
            "interest": 10_000,
            "fees": 0,
            "total": 410_000,
        }
        assert outcome.case.next_action.kind != "paused_dispute"
        timeline = await events(handle)
        correction = next(e for e in timeline if e.type == "balance_corrected").model_extra
        assert (correction["principal"], correction["interest"], correction["fees"]) == (
            -100_000,
            -2_000,
            -3_000,
        )
        assert next(e for e in timeline if e.type == "balance_corrected").rule == (
            "dispute.upheld.amount_wrong"
        )
        # Fresh offers on the corrected balance: half of 10,000 interest.
        waivers = [
            e.model_extra["waived"]
            for e in timeline
            if e.type == "offer_made" and e.model_extra["kind"] == "interest_waiver"
        ]
        assert waivers[-1] == 5_000
        paid = await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-1", amount=410_000)
        )
        assert paid.case.closed_reason == "paid"
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


@pytest.mark.parametrize("reason", ["not_my_debt", "fraud", "already_paid"])
async def test_upheld_dispute_that_the_debt_is_not_owed_closes_the_case(
    runner: CaseRunner, reason: str
):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=10)
        await handle.execute_update(CollectionCase.open_dispute, OpenDispute(reason=reason))
        correction = ResolveDispute(
            outcome="upheld", corrected=CorrectedAmounts(principal=1, interest=0, fees=0)
        )
        assert await rejected_kind(handle, correction) == "CorrectionNotAllowed"
        outcome = await handle.execute_update(
            CollectionCase.resolve_dispute, ResolveDispute(outcome="upheld")
        )
        result = await handle.result()
        timeline = await events(handle)
    assert outcome.case.status == "closed"
    # The case closes with the dispute's reason, and its balance as it stood.
    closed = next(e for e in timeline if e.type == "case_closed")
    assert (closed.rule, closed.model_extra["reason"]) == (
        f"dispute.upheld.{reason}",
        "dispute_upheld",
    )
    assert outcome.case.balance.total == 512_000
    assert (outcome.case.closed_reason, result.view.closed_reason) == (
        "dispute_upheld",
        "dispute_upheld",
    )
    assert outcome.case.next_action is None
    stored = runner.fakes.stored_event_types()
    assert stored[-2:] == ["dispute_resolved", "case_closed"]


async def test_a_correction_to_nothing_closes_the_case(runner: CaseRunner):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=10)
        await handle.execute_update(CollectionCase.open_dispute, OpenDispute(reason="other"))
        outcome = await handle.execute_update(
            CollectionCase.resolve_dispute,
            ResolveDispute(
                outcome="upheld", corrected=CorrectedAmounts(principal=0, interest=0, fees=0)
            ),
        )
        await handle.result()
        timeline = await events(handle)
    assert outcome.case.closed_reason == "dispute_upheld"
    assert outcome.case.balance.total == 0
    assert types(timeline)[-3:] == [
        "dispute_resolved",
        "balance_corrected",
        "case_closed",
    ]


async def test_a_rejected_dispute_takes_no_correction(runner: CaseRunner):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=10)
        await handle.execute_update(CollectionCase.open_dispute, OpenDispute(reason="amount_wrong"))
        correction = ResolveDispute(
            outcome="rejected", corrected=CorrectedAmounts(principal=1, interest=0, fees=0)
        )
        assert await rejected_kind(handle, correction) == "CorrectionNotAllowed"
        outcome = await handle.execute_update(
            CollectionCase.resolve_dispute, ResolveDispute(outcome="rejected")
        )
        assert outcome.case.status == "open" and outcome.case.dispute is None
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)
