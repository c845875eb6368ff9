"""The ledger of one case: what is owed and how a payment is applied.

Pure and deterministic; amounts are integer minor units, never floats.
"""

from dataclasses import dataclass

from arrears.contracts import Allocation, Amounts, Balance


@dataclass(frozen=True)
class Ledger:
    """Outstanding amounts by component, each never below zero."""

    principal: int
    interest: int
    fees: int

    @classmethod
    def from_amounts(cls, amounts: Amounts) -> "Ledger":
        return cls(principal=amounts.principal, interest=amounts.interest, fees=amounts.fees)

    @property
    def total(self) -> int:
        return self.principal + self.interest + self.fees

    def as_balance(self) -> Balance:
        return Balance(
            principal=self.principal, interest=self.interest, fees=self.fees, total=self.total
        )


def apply_payment(
    ledger: Ledger, amount: int, *, held_interest: int = 0
) -> tuple[Ledger, Allocation]:
    """Apply `amount` by the waterfall fees → interest → principal.

    `held_interest` (at most the interest owed) is interest a standing waiver offer would
    forgive: it comes last, after principal, so that paying all but it leaves exactly the
    interest the offer waives (fees → interest not held → principal → interest held).

    Returns the new ledger and the allocation. What exceeds the total owed is `excess`:
    money received that is owed back to the customer, never silently dropped.
    """
    if amount <= 0:
        raise ValueError("a payment amount must be positive")
    if not 0 <= held_interest <= ledger.interest:
        raise ValueError("held interest must be between 0 and the interest owed")
    to_fees = min(amount, ledger.fees)
    left = amount - to_fees
    to_interest = min(left, ledger.interest - held_interest)
    left -= to_interest
    to_principal = min(left, ledger.principal)
    left -= to_principal
    to_held = min(left, held_interest)
    to_interest += to_held
    left -= to_held
    new_ledger = Ledger(
        principal=ledger.principal - to_principal,
        interest=ledger.interest - to_interest,
        fees=ledger.fees - to_fees,
    )
    allocation = Allocation(fees=to_fees, interest=to_interest, principal=to_principal, excess=left)
    return new_ledger, allocation
