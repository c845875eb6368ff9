"""The ledger and the payment waterfall fees → interest → principal."""

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.contracts import Allocation, Amounts, Balance
from arrears.workflows.money import Ledger, apply_payment

components = st.integers(min_value=0, max_value=10**12)
ledgers = st.builds(Ledger, principal=components, interest=components, fees=components)
amounts = st.integers(min_value=1, max_value=4 * 10**12)


def test_payment_pays_fees_before_interest_before_principal() -> None:
    ledger = Ledger(principal=1_000, interest=200, fees=50)

    new_ledger, allocation = apply_payment(ledger, 100)

    assert allocation == Allocation(fees=50, interest=50, principal=0, excess=0)
    assert new_ledger == Ledger(principal=1_000, interest=150, fees=0)


def test_payment_reaches_principal_only_after_fees_and_interest_are_cleared() -> None:
    ledger = Ledger(principal=1_000, interest=200, fees=50)

    new_ledger, allocation = apply_payment(ledger, 600)

    assert allocation == Allocation(fees=50, interest=200, principal=350, excess=0)
    assert new_ledger == Ledger(principal=650, interest=0, fees=0)


def test_payment_of_exact_total_clears_the_ledger_without_excess() -> None:
    ledger = Ledger(principal=500_000, interest=12_000, fees=3_000)

    new_ledger, allocation = apply_payment(ledger, 515_000)

    assert new_ledger == Ledger(principal=0, interest=0, fees=0)
    assert new_ledger.total == 0
    assert allocation == Allocation(fees=3_000, interest=12_000, principal=500_000, excess=0)


def test_overpayment_is_kept_as_excess_owed_back_to_the_customer() -> None:
    ledger = Ledger(principal=1_000, interest=0, fees=0)

    new_ledger, allocation = apply_payment(ledger, 1_250)

    assert new_ledger.total == 0
    assert allocation == Allocation(fees=0, interest=0, principal=1_000, excess=250)


def test_payment_on_a_cleared_ledger_is_all_excess() -> None:
    new_ledger, allocation = apply_payment(Ledger(principal=0, interest=0, fees=0), 7)

    assert new_ledger.total == 0
    assert allocation == Allocation(excess=7)


@pytest.mark.parametrize("amount", [0, -1, -500_000])
def test_payment_amount_must_be_positive(amount: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        apply_payment(Ledger(principal=1_000, interest=0, fees=0), amount)


def test_applying_a_payment_leaves_the_original_ledger_unchanged() -> None:
    ledger = Ledger(principal=1_000, interest=200, fees=50)

    apply_payment(ledger, 600)

    assert ledger == Ledger(principal=1_000, interest=200, fees=50)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ledger.fees = 0  # type: ignore[misc]


def test_ledger_is_built_from_amounts_and_reports_its_balance() -> None:
    ledger = Ledger.from_amounts(Amounts(principal=500_000, interest=12_000, fees=3_000))

    assert ledger == Ledger(principal=500_000, interest=12_000, fees=3_000)
    assert ledger.total == 515_000
    assert ledger.as_balance() == Balance(
        principal=500_000, interest=12_000, fees=3_000, total=515_000
    )


@given(ledger=ledgers, amount=amounts)
def test_allocation_always_sums_to_the_amount_paid(ledger: Ledger, amount: int) -> None:
    _, allocation = apply_payment(ledger, amount)

    assert (
        allocation.fees + allocation.interest + allocation.principal + allocation.excess == amount
    )


@given(ledger=ledgers, amount=amounts)
def test_new_total_is_old_total_minus_what_was_applied(ledger: Ledger, amount: int) -> None:
    new_ledger, allocation = apply_payment(ledger, amount)

    applied = allocation.fees + allocation.interest + allocation.principal
    assert new_ledger.total == ledger.total - applied
    assert new_ledger.fees == ledger.fees - allocation.fees
    assert new_ledger.interest == ledger.interest - allocation.interest
    assert new_ledger.principal == ledger.principal - allocation.principal


@given(ledger=ledgers, amount=amounts)
def test_excess_appears_only_when_the_amount_exceeds_the_total(ledger: Ledger, amount: int) -> None:
    new_ledger, allocation = apply_payment(ledger, amount)

    assert allocation.excess == max(0, amount - ledger.total)
    if amount >= ledger.total:
        assert new_ledger.total == 0


@given(ledger=ledgers, amount=amounts)
def test_no_component_or_allocation_ever_goes_negative(ledger: Ledger, amount: int) -> None:
    new_ledger, allocation = apply_payment(ledger, amount)

    assert min(new_ledger.principal, new_ledger.interest, new_ledger.fees) >= 0
    assert min(allocation.fees, allocation.interest, allocation.principal, allocation.excess) >= 0


@given(ledger=ledgers, amount=amounts)
def test_a_later_component_is_paid_only_once_earlier_ones_are_cleared(
    ledger: Ledger, amount: int
) -> None:
    new_ledger, allocation = apply_payment(ledger, amount)

    if allocation.interest > 0:
        assert new_ledger.fees == 0
    if allocation.principal > 0:
        assert new_ledger.fees == 0
        assert new_ledger.interest == 0
    if allocation.excess > 0:
        assert new_ledger.total == 0


@given(ledger=ledgers, first=amounts, second=amounts)
def test_paying_in_two_parts_leaves_the_same_ledger_as_paying_at_once(
    ledger: Ledger, first: int, second: int
) -> None:
    after_first, first_allocation = apply_payment(ledger, first)
    after_both, second_allocation = apply_payment(after_first, second)
    at_once, allocation = apply_payment(ledger, first + second)

    assert after_both == at_once
    for component in ("fees", "interest", "principal", "excess"):
        assert getattr(first_allocation, component) + getattr(
            second_allocation, component
        ) == getattr(allocation, component)


@given(ledger=ledgers, amount=amounts, share=st.integers(min_value=0, max_value=10_000))
def test_held_interest_is_paid_only_after_principal(ledger: Ledger, amount: int, share: int):
    held = ledger.interest * share // 10_000
    new_ledger, allocation = apply_payment(ledger, amount, held_interest=held)

    assert allocation.fees + allocation.interest + allocation.principal + allocation.excess == (
        amount
    )
    assert new_ledger.total == ledger.total - (amount - allocation.excess)
    if allocation.principal > 0:
        assert new_ledger.interest <= held
    if new_ledger.interest < held:
        assert new_ledger.principal == 0
