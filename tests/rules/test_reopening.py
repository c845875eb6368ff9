"""Which reversals reopen a closed case, and what the reopened case owes (`reopening`)."""

from datetime import UTC, datetime, timedelta

import pytest

from arrears.commands import ReversePayment
from arrears.contracts import Payment
from arrears.strategy import load_default
from arrears.workflows.case_commands import CommandRejected
from arrears.workflows.case_state import CaseState
from arrears.workflows.ledger_changes import reverse
from arrears.workflows.reopening import REVERSAL_WINDOW, check_reopening, reopen
from tests.factories import opening

STRATEGY = load_default()
OPENED = datetime(2026, 11, 2, 2, tzinfo=UTC)  # 10:00 in Shanghai
RETURNED = ReversePayment(payment_id="P-1", reason="returned")


def paid_case(**due: int) -> CaseState:
    """A case 10 days past due, paid in full by P-1 a day after it opened."""
    amounts = {"principal": 10_000, "interest": 500, "fees": 200} | due
    state = CaseState.open(
        opening(due_date=(OPENED - timedelta(days=10)).date(), **amounts), OPENED, STRATEGY
    )
    state.take_payment(
        Payment(payment_id="P-1", amount=sum(amounts.values())),
        OPENED + timedelta(days=1),
        "update",
    )
    assert state.closed_reason == "paid"
    return state


def refusal(state: CaseState, command: ReversePayment, now: datetime) -> str:
    with pytest.raises(CommandRejected) as refused:
        check_reopening(state, command, now)
    return refused.value.kind


def test_the_reopened_case_owes_what_the_payment_paid_and_counts_dpd_from_the_due_date():
    state = paid_case()
    at = OPENED + timedelta(days=31)
    assert check_reopening(state, RETURNED, at) is False
    reopen(state, RETURNED, at)
    assert (state.status, state.closed_reason) == ("open", None)
    assert (state.ledger.principal, state.ledger.interest, state.ledger.fees) == (10_000, 500, 200)
    assert state.paid == 0
    assert state.dpd == 41 and state.stage == "mid"  # from the original due date
    types = [e.type for e in state.timeline]
    assert types[types.index("case_closed") :][:3] == [
        "case_closed",
        "payment_reversed",
        "case_reopened",
    ]
    assert "stage_changed" in types[types.index("case_reopened") :]
    assert state.view(at).next_action is not None


def test_a_settled_case_reopens_owing_what_the_settling_payment_paid():
    """The interest the settlement forgave is not what the payment paid: it stays forgiven."""
    state = CaseState.open(
        opening(due_date=(OPENED - timedelta(days=10)).date(), interest=12_000),
        OPENED,
        STRATEGY,
    )
    state.settles_by_component = True
    state.waiver_offered = 12_000
    owed = state.ledger
    state.take_payment(
        Payment(payment_id="P-1", amount=owed.principal + owed.fees), OPENED, "update"
    )
    assert state.closed_reason == "settled"
    reopen(state, RETURNED, OPENED + timedelta(days=2))
    assert state.is_open
    assert (state.ledger.principal, state.ledger.fees, state.ledger.interest) == (
        owed.principal,
        owed.fees,
        0,
    )


def test_a_reversal_reopens_within_the_window_and_not_after():
    state = paid_case()
    closed = next(e.at for e in state.timeline if e.type == "case_closed")
    assert check_reopening(state, RETURNED, closed + REVERSAL_WINDOW) is False
    late = closed + REVERSAL_WINDOW + timedelta(seconds=1)
    assert refusal(state, RETURNED, late) == "ReversalWindowOver"


def test_a_repeat_is_known_and_another_reason_is_an_id_reused():
    state = paid_case()
    reopen(state, RETURNED, OPENED + timedelta(days=2))
    state.take_payment(
        Payment(payment_id="P-2", amount=10_700), OPENED + timedelta(days=3), "update"
    )
    assert state.closed_reason == "paid"
    later = OPENED + timedelta(days=4)
    assert check_reopening(state, RETURNED, later) is True
    charged_back = RETURNED.model_copy(update={"reason": "charged_back"})
    assert refusal(state, charged_back, later) == "IdReused"
    unknown = ReversePayment(payment_id="P-9", reason="returned")
    assert refusal(state, unknown, later) == "PaymentNotFound"


@pytest.mark.parametrize("reason", ["recalled", "dispute_upheld", "adjusted", "written_off"])
def test_a_case_closed_otherwise_stays_closed(reason: str):
    state = CaseState.open(opening(due_date=(OPENED - timedelta(days=10)).date()), OPENED, STRATEGY)
    state.take_payment(Payment(payment_id="P-1", amount=1_000), OPENED, "update")
    state.close(OPENED + timedelta(days=1), reason)
    assert refusal(state, RETURNED, OPENED + timedelta(days=2)) == "CaseClosed"


def test_a_reversal_sent_again_to_a_case_closed_otherwise_is_a_repeat():
    """Reversed while the case was open, then recalled: the reversal, resent, is no 409."""
    state = CaseState.open(opening(due_date=(OPENED - timedelta(days=10)).date()), OPENED, STRATEGY)
    state.take_payment(Payment(payment_id="P-1", amount=1_000), OPENED, "update")
    reverse(state, RETURNED, OPENED + timedelta(hours=1))
    state.close(OPENED + timedelta(days=1), "recalled")
    later = OPENED + timedelta(days=2)
    assert check_reopening(state, RETURNED, later) is True
    charged_back = RETURNED.model_copy(update={"reason": "charged_back"})
    assert refusal(state, charged_back, later) == "IdReused"
