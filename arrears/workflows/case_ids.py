"""How the CollectionCase workflow holds ids to one meaning and answers Idempotency-Keys.

Update validators refuse an id sent again with another body (`IdReused`) and a key sent
again with another request (`IdempotencyKeyReused`); a keyed repeat passes without the
command's own checks, and its handler answers as the first time with no new effect. A
repeat of the plan or dispute that is active now, or of the last dispute's resolution,
changes nothing and is answered `accepted: false`, like every other repeat. Signals cannot
be refused: a signalled payment or promise whose id was first sent with another body is
recorded as rejected, with its rule, and changes nothing.

What old histories may contain (a signalled reused id, an identical plan, dispute or
resolution taken as new) keeps its old outcome on replay: the new one is behind
`IDS_MEAN_ONE_THING`.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from arrears.commands import (
        AgreePlan,
        CommandOutcome,
        OpenDispute,
        PromiseToPay,
        ResolveDispute,
    )
    from arrears.contracts import Payment
    from arrears.idempotency import KeyedOutcome, Stamped
    from arrears.workflows.case_commands import PAYMENT_RULES, CommandRejected
    from arrears.workflows.case_state import CaseState
    from arrears.workflows.used_ids import (
        dispute_repeated,
        plan_repeated,
        resolution_repeated,
    )

IDS_MEAN_ONE_THING = "ids-mean-one-thing"
"""Patch id: a signalled payment or promise with a reused id is recorded as rejected, and a
repeat of the active plan or dispute, or of the last resolution, changes nothing."""


def checked(check: Callable[..., Any], *args: Any) -> Any:
    """`check(*args)`, its `CommandRejected` raised as the `ApplicationError` that refuses an
    update (type: the rejection's kind; details: its facts)."""
    try:
        return check(*args)
    except CommandRejected as rejected:
        raise ApplicationError(str(rejected), *rejected.details, type=rejected.kind) from None


class CaseIds:
    def __init__(self, state: CaseState, answer: Callable[[bool], CommandOutcome]) -> None:
        self._state = state
        self._answer = answer

    def validate(self, command: Stamped, check: Callable[..., None], *args: Any) -> None:
        """Refuse `command` unless its key was answered before (with this very request),
        it repeats what is active on the open case now, or `check(*args)` passes."""
        if checked(self._state.used_ids.key_use, command.idempotency) is not None:
            return
        if self._state.is_open and self._repeats(command):
            return
        checked(check, *args)

    def run(self, command: Stamped, apply: Callable[[Any, datetime], bool]) -> KeyedOutcome:
        """Apply `command` once per key (`apply(command, now)` returns whether it changed
        the case) and answer, naming its actor on the events it records. A repeat of what
        is active now changes nothing."""
        used = self._state.used_ids
        earlier = checked(used.key_use, command.idempotency)
        if earlier is not None:
            return self._keyed(earlier.accepted, replayed=True)
        with self._state.acting(command.actor):
            if self._repeats(command) and workflow.patched(IDS_MEAN_ONE_THING):
                accepted = False
            else:
                accepted = apply(command, workflow.now())
            used.remember_key(command.idempotency, command.command, accepted)
            return self._keyed(accepted)

    def _repeats(self, command: Stamped) -> bool:
        """Whether `command` is the plan or the dispute active now, or the last dispute's
        resolution, sent again."""
        state = self._state
        if isinstance(command, AgreePlan):
            return plan_repeated(state.plan, command)
        if isinstance(command, OpenDispute):
            return dispute_repeated(state.dispute, command)
        if isinstance(command, ResolveDispute):
            return resolution_repeated(state.timeline, command)
        return False

    def _keyed(self, accepted: bool, *, replayed: bool = False) -> KeyedOutcome:
        outcome = self._answer(accepted)
        return KeyedOutcome(accepted=outcome.accepted, case=outcome.case, replayed=replayed)

    def refused_payment(self, payment: Payment) -> bool:
        """Whether a signalled `payment` reuses an id with another body; if so it is
        recorded as `payment_rejected` (rule `payment.id_reused`, the fields that differ)."""
        state = self._state
        changed = state.used_ids.payment_changes(payment, state.opening.currency)
        if not changed or not workflow.patched(IDS_MEAN_ONE_THING):
            return False
        state.record(
            workflow.now(),
            "payment_rejected",
            rule=PAYMENT_RULES["IdReused"],
            payment_id=payment.payment_id,
            currency=payment.currency,
            fields=changed,
        )
        return True

    def refused_promise(self, command: PromiseToPay) -> bool:
        """Whether a signalled promise reuses an id with another body; if so it is recorded
        as `promise_rejected` (rule `promise.IdReused`, the fields that differ)."""
        changed = self._state.used_ids.promise_changes(command)
        if not changed or not workflow.patched(IDS_MEAN_ONE_THING):
            return False
        self._state.record(
            workflow.now(),
            "promise_rejected",
            promise_id=command.promise_id,
            rule="promise.IdReused",
            fields=changed,
            detail=f"promise_id {command.promise_id} was first sent with another "
            + ", ".join(changed),
        )
        return True
