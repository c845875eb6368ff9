"""Which payments a case takes: the checks shared by the update's validator and the signal."""

from datetime import UTC, datetime, timedelta

import pytest

from arrears.contracts import Payment
from arrears.fields import MAX_MINOR_UNITS
from arrears.strategy import load_default
from arrears.workflows.case import CollectionCase
from arrears.workflows.case_commands import MAX_RECEIVED, CommandRejected
from arrears.workflows.case_state import CaseState
from tests.factories import opening
from tests.workflows.harness import CaseRunner, settled

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def fresh() -> CaseState:
    return CaseState.open(opening(), NOW, load_default())


def test_a_payment_paid_a_day_ahead_is_taken_and_later_ones_are_not():
    state = fresh()
    state.check_payment(Payment(payment_id="P", amount=1, paid_at=NOW + timedelta(hours=20)), NOW)
    with pytest.raises(CommandRejected) as refused:
        state.check_payment(Payment(payment_id="P", amount=1, paid_at=NOW + timedelta(days=2)), NOW)
    assert refused.value.kind == "PaidAtInFuture"


def test_a_case_takes_at_most_its_bound_in_all():
    state = fresh()
    for n in range(MAX_RECEIVED // MAX_MINOR_UNITS):
        state.check_payment(Payment(payment_id=f"P{n}", amount=MAX_MINOR_UNITS), NOW)
        state.take_payment(Payment(payment_id=f"P{n}", amount=MAX_MINOR_UNITS), NOW, "update")
    assert state.paid + state.excess == MAX_RECEIVED
    with pytest.raises(CommandRejected) as refused:
        state.check_payment(Payment(payment_id="P-more", amount=1), NOW)
    assert refused.value.kind == "PaymentTooLarge"


async def test_a_signalled_payment_dated_in_the_future_is_recorded_as_rejected(
    runner: CaseRunner,
):
    async with runner.worker():
        handle = await runner.start(load_default())
        await settled(handle)
        later = (await runner.env.get_current_time()) + timedelta(days=30)
        payment = Payment(payment_id="P-future", amount=1_000, paid_at=later)
        await handle.signal(CollectionCase.payment_received, payment)
        await settled(handle)
        timeline = (await handle.query(CollectionCase.timeline)).events
        view = await handle.query(CollectionCase.view)

    (rejected,) = [e for e in timeline if e.type == "payment_rejected"]
    assert rejected.rule == "payment.paid_at_in_future" and view.paid == 0
