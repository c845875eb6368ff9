"""Balances that change for reasons other than a payment: the bank's adjustments, and
payments that did not stand (reversals).

Pure: no Temporal import; works on a `CaseState`. Each `check_*` raises `CommandRejected`
and changes nothing (an update validator calls it); the matching function applies the
command, records it on the timeline and returns whether it changed the case.

- An adjustment (`AdjustBalance`) credits or debits one component, once per
  `adjustment_id` (a repeat changes nothing). A credit never takes a component below zero,
  nor a debit the balance beyond `MAX_MINOR_UNITS` (`AdjustmentTooLarge`); a credit that
  leaves nothing owed closes the case `adjusted` (the balance was cleared by the bank's
  books, not by money: not a cure). Offers are made again on the new balance.
- A reversal (`ReversePayment`) puts back exactly what the payment paid, component by
  component, and takes back its excess (nothing is owed back for money that did not
  stand); `paid` (or `recovered`, for a recovery) goes down by what it paid. Once per
  payment_id. A case that closed `paid` or `settled` has completed; the reversal of one of
  its payments reopens it in a new run (`reopening`). A written-off case still taking
  recoveries takes the reversal of a recovery.
"""

from datetime import datetime
from typing import TYPE_CHECKING

from arrears.commands import AdjustBalance, ReversePayment
from arrears.contracts import ReversalRecord
from arrears.fields import MAX_MINOR_UNITS
from arrears.workflows.case_commands import CommandRejected
from arrears.workflows.money import Ledger, apply_payment
from arrears.workflows.recoveries import takes_recovery

if TYPE_CHECKING:
    from arrears.workflows.case_state import CaseState


def check_adjustment(state: "CaseState", command: AdjustBalance, now: datetime) -> None:
    state.require_open()
    if state.used_ids.check_adjustment(command) or command.adjustment_id in state.adjustment_ids:
        return
    adds_a_charge = command.direction == "debit" and (
        command.component != "principal" or command.reason == "charge"
    )
    if adds_a_charge and state.in_breathing_space(now):
        # Debt Respite Scheme Regulations 2020, reg 7(3)(a): while the moratorium holds no
        # interest, fees, penalties or charges may be added to the debt (whatever the
        # reason given); a credit takes nothing away from the customer and stands.
        raise CommandRejected(
            "BreathingSpaceNoCharges",
            f"direction: no {command.component} may be added to the debt during a Breathing "
            "Space (Debt Respite Scheme Regulations 2020, reg 7(3)(a)); rule "
            "UK.breathing_space.reg_7",
        )
    owed = getattr(state.ledger, command.component)
    if command.direction == "credit" and command.amount > owed:
        raise CommandRejected(
            "AdjustmentTooLarge",
            f"amount: a credit of {command.amount} would take {command.component} "
            f"({owed}) below zero",
        )
    if command.direction == "debit" and state.ledger.total + command.amount > MAX_MINOR_UNITS:
        raise CommandRejected(
            "AdjustmentTooLarge",
            f"amount: a debit of {command.amount} would take the balance beyond {MAX_MINOR_UNITS}",
        )


def adjust(state: "CaseState", command: AdjustBalance, now: datetime) -> bool:
    if command.adjustment_id in state.adjustment_ids:
        return False
    state.adjustment_ids.add(command.adjustment_id)
    state.used_ids.remember_adjustment(command)
    sign = -1 if command.direction == "credit" else 1
    amounts = {
        "principal": state.ledger.principal,
        "interest": state.ledger.interest,
        "fees": state.ledger.fees,
    }
    amounts[command.component] += sign * command.amount
    state.ledger = Ledger(**amounts)
    state.record(
        now,
        "balance_adjusted",
        adjustment_id=command.adjustment_id,
        component=command.component,
        direction=command.direction,
        amount=command.amount,
        reason=command.reason,
        reference=command.reference,
        balance=state.ledger.total,
        rule=f"adjustment.{command.direction}",
    )
    if state.ledger.total == 0:
        state.close(now, "adjusted", rule="adjustment.cleared_balance")
        return True
    state.make_offers(now)
    return True


def check_reversal(state: "CaseState", command: ReversePayment, now: datetime) -> None:
    if not takes_recovery(state, now):
        state.require_open()
    check_reversible(state, command, now)


def check_reversible(state: "CaseState", command: ReversePayment, now: datetime) -> bool:
    """Raise `CommandRejected` unless the case may reverse the payment of `command`, open or
    closed: `IdReused` for a payment reversed for another reason, `PaymentNotFound` or
    `PaymentNotReversible`. Returns True for a repeat (reversed already, for this reason)."""
    state.used_ids.check_reversal(command)
    if reversed_already(state, command.payment_id):
        return True
    if command.payment_id not in state.applied_payments:
        if command.payment_id in state.used_ids.payments:
            why = "was applied to an earlier case of this loan, which has closed"
        elif command.payment_id in state.payment_ids:
            why = "was applied before reversals were kept"
        else:
            raise CommandRejected(
                "PaymentNotFound", f"payment {command.payment_id} was not applied to this case"
            )
        raise CommandRejected(
            "PaymentNotReversible",
            f"payment {command.payment_id} {why}; the bank adjusts the balance instead",
        )
    if takes_recovery(state, now) and not state.applied_payments[command.payment_id].recovery:
        raise CommandRejected(
            "PaymentNotReversible",
            f"payment {command.payment_id} was paid before the write-off; only recoveries "
            "are reversed on a written-off case",
        )
    return False


def reversed_already(state: "CaseState", payment_id: str) -> bool:
    """Whether the payment was reversed, by this case or by an earlier case of the loan."""
    return payment_id in state.reversed_payments or payment_id in state.used_ids.reversals


def reverse(state: "CaseState", command: ReversePayment, now: datetime) -> bool:
    if reversed_already(state, command.payment_id):
        return False
    state.reversed_payments.add(command.payment_id)
    state.used_ids.remember_reversal(command)
    record = state.applied_payments[command.payment_id]
    allocation = record.allocation
    state.ledger = Ledger(
        principal=state.ledger.principal + allocation.principal,
        interest=state.ledger.interest + allocation.interest,
        fees=state.ledger.fees + allocation.fees,
    )
    taken_back = allocation.principal + allocation.interest + allocation.fees
    state.excess -= allocation.excess
    if state.excess < 0:
        # Its excess already paid what an earlier reversal made owed again: owed again too.
        taken_back += _unapply_excess(state, -state.excess)
        state.excess = 0
    if record.recovery:
        state.recovered -= taken_back
    else:
        state.paid -= taken_back
    state.unsynced_reversals.append(
        ReversalRecord(payment_id=command.payment_id, reason=command.reason, reversed_at=now)
    )
    state.record(
        now,
        "payment_reversed",
        payment_id=command.payment_id,
        reason=command.reason,
        amount=record.amount,
        fees=allocation.fees,
        interest=allocation.interest,
        principal=allocation.principal,
        excess=allocation.excess,
        balance=state.ledger.total,
        rule=f"payment.reversal.{command.reason}",
    )
    _net_excess(state, now)
    return True


def _net_excess(state: "CaseState", now: datetime) -> None:
    """Money the case holds as excess (owed back) pays first what a reversal made owed
    again: a written-off case that took more in recoveries than it was owed never shows a
    balance owed and money owed back at once."""
    held = min(state.excess, state.ledger.total)
    if held <= 0:
        return
    state.ledger, allocation = apply_payment(state.ledger, held)
    for component in _WATERFALL:
        paid = getattr(allocation, component)
        state.excess_applied[component] = state.excess_applied.get(component, 0) + paid
    state.excess -= held
    if state.closed_reason == "written_off":
        state.recovered += held
    else:
        state.paid += held
    state.record(
        now,
        "excess_applied",
        amount=held,
        fees=allocation.fees,
        interest=allocation.interest,
        principal=allocation.principal,
        balance=state.ledger.total,
        excess=state.excess,
        rule="payment.excess_nets_reversal",
    )


_WATERFALL = ("fees", "interest", "principal")


def _unapply_excess(state: "CaseState", amount: int) -> int:
    """Take `amount` of excess back from what it paid (`excess_applied`), last paid first
    (principal, interest, fees), and owe it again; returns what was taken back. Anything
    beyond what excess paid (which the books never lead to) is owed again as principal, so
    the case never holds a negative amount."""
    owed = {c: getattr(state.ledger, c) for c in _WATERFALL}
    left = amount
    for component in reversed(_WATERFALL):
        take = min(left, state.excess_applied.get(component, 0))
        state.excess_applied[component] = state.excess_applied.get(component, 0) - take
        owed[component] += take
        left -= take
    owed["principal"] += left
    state.ledger = Ledger(**owed)
    return amount
