"""Where each minor unit goes: settlements under an interest waiver, on the time-skipping
server. The fake scorer puts every case in the medium tier (a 50 % interest waiver)."""

from arrears.contracts import Payment
from arrears.workflows.case import CollectionCase
from tests.workflows.harness import CaseRunner
from tests.workflows.test_strategy_paths import begin, events


async def test_a_settlement_forgives_the_waived_interest_never_principal(runner: CaseRunner):
    """The offer: pay 506,000 of 512,000 and 6,000 of the 12,000 interest is forgiven. A
    first payment that the plain waterfall would put to all the interest leaves the waived
    interest until last, so the settlement forgives interest, not principal."""
    async with runner.worker():
        handle, _ = await begin(runner, dpd=10, principal=500_000, interest=12_000, fees=0)
        first = await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-1", amount=300_000)
        )
        assert first.allocation.model_dump() == {
            "fees": 0,
            "interest": 6_000,
            "principal": 294_000,
            "excess": 0,
            "interest_waived": 0,
        }
        assert first.case.balance.model_dump() == {
            "principal": 206_000,
            "interest": 6_000,
            "fees": 0,
            "total": 212_000,
        }
        last = await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-2", amount=206_000)
        )
        timeline = await events(handle)
        await handle.result()
    assert last.case.closed_reason == "settled"
    assert last.allocation.model_dump() == {
        "fees": 0,
        "interest": 0,
        "principal": 206_000,
        "excess": 0,
        "interest_waived": 6_000,
    }
    waived = next(e for e in timeline if e.type == "interest_waived").model_extra
    assert (waived["amount"], waived["interest"], waived["principal"], waived["fees"]) == (
        6_000,
        6_000,
        0,
        0,
    )
    records = [p for sync in runner.fakes.syncs for p in sync.payments]
    assert sum(p.allocation.principal for p in records) == 500_000
    assert sum(p.allocation.interest + p.allocation.interest_waived for p in records) == 12_000


async def test_paying_the_waived_interest_too_closes_as_paid(runner: CaseRunner):
    """A customer who pays everything owes nothing to forgive: paid, and nothing waived."""
    async with runner.worker():
        handle, _ = await begin(runner, dpd=10, principal=500_000, interest=12_000, fees=0)
        await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-1", amount=300_000)
        )
        last = await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-2", amount=212_000)
        )
        timeline = await events(handle)
        await handle.result()
    assert last.case.closed_reason == "paid"
    assert last.allocation.interest == 6_000 and last.allocation.interest_waived == 0
    assert "interest_waived" not in [e.type for e in timeline]
