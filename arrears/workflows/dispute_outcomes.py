"""What an upheld dispute does to a case: correct its balance, or close it.

Pure: no Temporal import; works on a `CaseState`. The rules, by the dispute's reason:

- `amount_wrong` upheld: the bank states the `corrected` amounts (principal, interest,
  fees); they replace the balance and collection resumes on them, with fresh offers. A
  correction to nothing closes the case `dispute_upheld`. An upheld customer dispute never
  raises the debt: a higher balance is a bank adjustment, not a dispute outcome.
- `not_my_debt`, `fraud`, `already_paid` upheld: the customer owes nothing here; the case
  closes `dispute_upheld` with its balance as it stood (no money came through the case,
  so it is not a cure), and its `case_closed` names the reason (`dispute.upheld.<reason>`).
  The case completes: a payment the bank posts to it later is refused (`CaseClosed`).
- `other` upheld: with `corrected`, as `amount_wrong`; without, as `not_my_debt`.
- `rejected`: the debt stands and collection resumes; `corrected` is not allowed.

A US dispute opened within the validation period (`regulation_f`) is marked on its
resolution (`within_validation_period`); its rejection is the verification of the debt
(12 CFR 1006.34(c)(4)), recorded under `US.dispute_in_validation_period`.
"""

from datetime import datetime
from typing import TYPE_CHECKING

from arrears.commands import ResolveDispute
from arrears.contracts import Amounts, Dispute
from arrears.workflows.case_commands import CommandRejected
from arrears.workflows.money import Ledger
from arrears.workflows.regulation_f import resolution_rule

if TYPE_CHECKING:
    from arrears.workflows.case_state import CaseState

CORRECTS = frozenset({"amount_wrong"})
"""Reasons whose upholding needs the corrected amounts."""

CLOSES = frozenset({"not_my_debt", "fraud", "already_paid"})
"""Reasons whose upholding closes the case; a correction makes no sense for them."""


def check_terms(dispute: Dispute, command: ResolveDispute, ledger: Ledger) -> None:
    """Raise `CommandRejected` unless `command` fits the open `dispute` (module rules)."""
    corrected = command.corrected
    if command.outcome == "rejected":
        if corrected is not None:
            raise CommandRejected(
                "CorrectionNotAllowed", "corrected: a rejected dispute leaves the debt as it is"
            )
        return
    if dispute.reason in CORRECTS and corrected is None:
        raise CommandRejected(
            "CorrectionRequired",
            f"corrected: an upheld {dispute.reason} dispute needs the corrected amounts",
        )
    if dispute.reason in CLOSES and corrected is not None:
        raise CommandRejected(
            "CorrectionNotAllowed",
            f"corrected: an upheld {dispute.reason} dispute closes the case; nothing to correct",
        )
    if corrected is None:
        return
    for component in ("principal", "interest", "fees"):
        owed, now = getattr(ledger, component), getattr(corrected, component)
        if now > owed:
            raise CommandRejected(
                "CorrectionIncreasesDebt",
                f"corrected.{component}: {now} is more than the {owed} owed; an upheld "
                "dispute lowers what is owed, component by component (raising one is a "
                "bank adjustment)",
            )


def resolve(state: "CaseState", command: ResolveDispute, now: datetime) -> bool:
    """Apply a resolution `check_terms` accepted; returns True (it always changes the case)."""
    dispute = state.dispute
    assert dispute is not None
    state.dispute = None
    rule = f"dispute.{command.outcome}.{dispute.reason}"
    corrected = {"corrected": command.corrected.model_dump()} if command.corrected else {}
    resolved_by, us_fields = resolution_rule(state.regulation_f, command.outcome, rule)
    state.record(
        now,
        "dispute_resolved",
        outcome=command.outcome,
        reason=dispute.reason,
        rule=resolved_by,
        **corrected,
        **us_fields,
    )
    if command.outcome == "rejected":
        return True
    if command.corrected is None:
        state.close(now, "dispute_upheld", rule=rule)
        return True
    _correct(state, command.corrected, now, rule)
    return True


def _correct(state: "CaseState", corrected: Amounts, now: datetime, rule: str) -> None:
    before = state.ledger
    state.ledger = Ledger.from_amounts(corrected)
    state.record(
        now,
        "balance_corrected",
        principal=corrected.principal - before.principal,
        interest=corrected.interest - before.interest,
        fees=corrected.fees - before.fees,
        balance=state.ledger.total,
        rule=rule,
    )
    if state.ledger.total == 0:
        state.close(now, "dispute_upheld", rule=rule)
        return
    state.make_offers(now)
