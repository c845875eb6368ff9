"""Balances that change without a payment, on the time-skipping server: the bank's
adjustments and payment reversals."""

import pytest
from temporalio.client import WorkflowUpdateFailedError

from arrears.commands import AdjustBalance, ReversePayment
from arrears.contracts import Payment
from arrears.fields import MAX_MINOR_UNITS
from arrears.workflows.case import CollectionCase
from tests.workflows.harness import CaseRunner
from tests.workflows.story import assert_case_is_sound
from tests.workflows.test_recoveries import written_off
from tests.workflows.test_strategy_paths import begin, events


def adjustment(
    adjustment_id: str, component: str, direction: str, amount: int, reason: str = "correction"
) -> AdjustBalance:
    return AdjustBalance(
        adjustment_id=adjustment_id,
        component=component,
        direction=direction,
        amount=amount,
        reason=reason,
        reference=f"REF-{adjustment_id}",
    )


async def refused(handle, update, command) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(update, command)
    return failed.value.cause.type


async def test_adjustments_credit_and_debit_one_component_once(runner: CaseRunner):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=40, principal=500_000, interest=12_000, fees=3_000)
        fee_off = adjustment("A-1", "fees", "credit", 3_000, "fee_reversal")
        outcome = await handle.execute_update(CollectionCase.adjust_balance, fee_off)
        assert outcome.accepted
        assert outcome.case.balance.model_dump() == {
            "principal": 500_000,
            "interest": 12_000,
            "fees": 0,
            "total": 512_000,
        }
        again = await handle.execute_update(CollectionCase.adjust_balance, fee_off)
        assert not again.accepted and again.case.balance.total == 512_000
        corrected = fee_off.model_copy(update={"amount": 2_000})
        assert await refused(handle, CollectionCase.adjust_balance, corrected) == "IdReused"
        too_much = adjustment("A-2", "interest", "credit", 12_001)
        assert await refused(handle, CollectionCase.adjust_balance, too_much) == (
            "AdjustmentTooLarge"
        )
        beyond = adjustment("A-4", "principal", "debit", MAX_MINOR_UNITS)
        assert await refused(handle, CollectionCase.adjust_balance, beyond) == (
            "AdjustmentTooLarge"
        )
        charged = await handle.execute_update(
            CollectionCase.adjust_balance, adjustment("A-3", "interest", "debit", 1_500, "charge")
        )
        assert charged.case.balance.interest == 13_500
        timeline = await events(handle)
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)
    adjusted = [e.model_extra for e in timeline if e.type == "balance_adjusted"]
    keys = ("adjustment_id", "component", "direction", "amount")
    assert [tuple(a[k] for k in keys) for a in adjusted] == [
        ("A-1", "fees", "credit", 3_000),
        ("A-3", "interest", "debit", 1_500),
    ]
    assert adjusted[0]["reference"] == "REF-A-1" and adjusted[0]["reason"] == "fee_reversal"


async def test_a_credit_that_clears_the_balance_closes_the_case_adjusted(runner: CaseRunner):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=40, principal=1_000, interest=0, fees=0)
        outcome = await handle.execute_update(
            CollectionCase.adjust_balance, adjustment("A-1", "principal", "credit", 1_000)
        )
        result = await handle.result()
    assert (outcome.case.closed_reason, result.view.closed_reason) == ("adjusted", "adjusted")
    assert outcome.case.balance.total == 0


async def test_a_reversal_puts_back_exactly_what_the_payment_paid(runner: CaseRunner):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=40, principal=500_000, interest=12_000, fees=3_000)
        before = await handle.query(CollectionCase.view)
        paid = await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-1", amount=20_000)
        )
        assert paid.case.balance.total == before.balance.total - 20_000
        unknown = ReversePayment(payment_id="P-9", reason="returned")
        assert await refused(handle, CollectionCase.reverse_payment, unknown) == "PaymentNotFound"
        reversal = ReversePayment(payment_id="P-1", reason="charged_back")
        outcome = await handle.execute_update(CollectionCase.reverse_payment, reversal)
        assert outcome.accepted
        assert outcome.case.balance == before.balance
        assert outcome.case.paid == before.paid
        again = await handle.execute_update(CollectionCase.reverse_payment, reversal)
        assert not again.accepted and again.case.balance == before.balance
        otherwise = reversal.model_copy(update={"reason": "returned"})
        assert await refused(handle, CollectionCase.reverse_payment, otherwise) == "IdReused"
        timeline = await events(handle)
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)
    reversed_ = next(e for e in timeline if e.type == "payment_reversed")
    allocation = paid.allocation
    assert (
        reversed_.model_extra["fees"],
        reversed_.model_extra["interest"],
        reversed_.model_extra["principal"],
    ) == (allocation.fees, allocation.interest, allocation.principal)
    assert reversed_.rule == "payment.reversal.charged_back"
    reversals = [r for sync in runner.fakes.syncs for r in sync.reversals]
    assert [(r.payment_id, r.reason) for r in reversals] == [("P-1", "charged_back")]


async def test_a_payment_that_closed_the_case_cannot_be_reversed_there(runner: CaseRunner):
    """The case completed when it was paid: its run refuses the reversal, which reopens the
    case in a new run (`test_reopening`)."""
    async with runner.worker():
        handle, _ = await begin(runner, dpd=40, principal=1_000, interest=0, fees=0)
        await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-1", amount=1_000)
        )
        await handle.result()
        with pytest.raises(Exception) as failed:
            await handle.execute_update(
                CollectionCase.reverse_payment, ReversePayment(payment_id="P-1", reason="returned")
            )
    assert not isinstance(failed.value, WorkflowUpdateFailedError) or (
        failed.value.cause.type == "CaseClosed"
    )


async def test_a_recovery_can_be_reversed_on_the_written_off_case(runner: CaseRunner):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=170, principal=50_000, interest=0, fees=0)
        await written_off(runner, handle)
        await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="R-1", amount=20_000)
        )
        outcome = await handle.execute_update(
            CollectionCase.reverse_payment, ReversePayment(payment_id="R-1", reason="returned")
        )
        assert outcome.case.recovered == 0 and outcome.case.balance.total == 50_000
        assert outcome.case.closed_reason == "written_off"
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_excess_held_pays_what_a_reversal_makes_owed_again(runner: CaseRunner):
    """A written-off case that took more than it was owed never shows a balance owed and
    money owed back side by side after a reversal."""
    async with runner.worker():
        handle, _ = await begin(runner, dpd=170, principal=50_000, interest=0, fees=0)
        await written_off(runner, handle)
        for payment_id, amount in (("R-1", 1_000), ("R-2", 60_000)):
            await handle.execute_update(
                CollectionCase.record_payment, Payment(payment_id=payment_id, amount=amount)
            )
        before = await handle.query(CollectionCase.view)
        assert (before.balance.total, before.excess, before.recovered) == (0, 11_000, 50_000)
        outcome = await handle.execute_update(
            CollectionCase.reverse_payment, ReversePayment(payment_id="R-1", reason="returned")
        )
        assert outcome.case.balance.total == 0
        assert (outcome.case.excess, outcome.case.recovered) == (10_000, 50_000)
        timeline = await events(handle)
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)
    netted = next(e for e in timeline if e.type == "excess_applied")
    assert (netted.model_extra["amount"], netted.rule) == (1_000, "payment.excess_nets_reversal")


async def test_reversing_the_payment_whose_excess_paid_a_reversal_owes_that_again(
    runner: CaseRunner,
):
    """Both recoveries reversed, in either order: the case owes all it owed, holds nothing,
    and its workflow tasks never fail."""
    async with runner.worker():
        handle, _ = await begin(runner, dpd=170, principal=500_000, interest=12_000, fees=1_000)
        before = await written_off(runner, handle)
        for payment_id in ("R-1", "R-2"):
            await handle.execute_update(
                CollectionCase.record_payment, Payment(payment_id=payment_id, amount=300_000)
            )
        for payment_id, reason in (("R-1", "returned"), ("R-2", "charged_back")):
            outcome = await handle.execute_update(
                CollectionCase.reverse_payment, ReversePayment(payment_id=payment_id, reason=reason)
            )
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)
    assert outcome.case.balance == before.balance
    assert (outcome.case.recovered, outcome.case.excess) == (0, 0)
