"""The case's updates for balances that change without a payment: the bank's adjustments
and payment reversals (rules in `ledger_changes`). A base of `CollectionCase`, which
provides `_state`, `_answer` and `_check`; new handlers, so no patch is needed."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from arrears.commands import ActedAdjustment, ActedReversal, CommandOutcome
    from arrears.workflows.ledger_changes import adjust, check_adjustment, check_reversal, reverse


class LedgerChangeHandlers:
    @workflow.update(name="adjust_balance")
    def adjust_balance(self, command: ActedAdjustment) -> CommandOutcome:
        with self._state.acting(command.actor):
            return self._answer(adjust(self._state, command, workflow.now()))

    @adjust_balance.validator
    def _validate_adjustment(self, command: ActedAdjustment) -> None:
        self._check(check_adjustment, self._state, command, workflow.now())

    @workflow.update(name="reverse_payment")
    def reverse_payment(self, command: ActedReversal) -> CommandOutcome:
        with self._state.acting(command.actor):
            return self._answer(reverse(self._state, command, workflow.now()))

    @reverse_payment.validator
    def _validate_reversal(self, command: ActedReversal) -> None:
        self._check(check_reversal, self._state, command, workflow.now())
