"""The CollectionCase workflow: one durable case per overdue loan.

It scores the customer, contacts them on the strategy's cadence within the hours the law
allows, re-reads days past due every customer-local midnight, escalates when the strategy
says so, and takes commands (payments, promises, hardship, plans, disputes, cease-contact,
call outcomes, recall) by update, and payments and promises also by signal. Its state is
the single source of truth for the case; Postgres gets every change through `CaseStore`.

Cases opened without a strategy (before strategies existed) keep the foundation ladder:
`_run_foundation` is that behaviour, unchanged, so their histories still replay.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    # Name sibling modules in full: `from arrears.workflows import calendar` would load a
    # sandboxed copy (submodules in a from-list bypass the pass-through), and a sandboxed
    # zoneinfo cannot be used.
    import arrears.workflows.limits as limits
    from arrears import ids
    from arrears.commands import (
        ActedPayment,
        CommandOutcome,
    )
    from arrears.contracts import (
        CaseContactFacts,
        CaseOutcome,
        CaseView,
        NextAction,
        PaymentOutcome,
        Timeline,
    )
    from arrears.idempotency import (
        IdempotencyStamp,
        KeyLookup,
    )
    from arrears.workflows.calendar import overdue_since
    from arrears.workflows.case_commands import PAYMENT_RULES, CommandRejected
    from arrears.workflows.case_ids import CaseIds, checked
    from arrears.workflows.case_state import CaseStart, CaseState
    from arrears.workflows.command_handlers import REASON_DECIDES_PATH, CommandHandlers
    from arrears.workflows.door import case_gate_facts, settle_waiting
    from arrears.workflows.effects import CaseEffects
    from arrears.workflows.foundation import FoundationSteps
    from arrears.workflows.ledger_handlers import LedgerChangeHandlers
    from arrears.workflows.recoveries import RECOVERY_WINDOW, takes_recovery
    from arrears.workflows.regulation_f import RegulationF
    from arrears.workflows.reopening import reopen
    from arrears.workflows.strategy_steps import StrategySteps
    from arrears.workflows.turns import StrategyTurns
    from arrears.workflows.used_ids import PriorIds


SLEEP_UNTIL_DUE = "sleep-until-due"
"""Patch id: strategy-driven cases sleep until something is due (`agenda`)."""

ONE_STEP_AT_A_TIME = "one-step-at-a-time"
"""Patch id: strategy-driven cases take one effect at a time and decide again after every
await (`StrategyTurns`); every message leaves through the door (`door`), an escalation's
notice counts once sent, and agreements hold back every escalation."""

RECOVERIES = "recoveries-after-write-off"
"""Patch id: a written-off case lingers for `RECOVERY_WINDOW` to take recoveries; before it,
the run completed at once and a later payment was refused."""

SYNC_TO_THE_END = "sync-to-the-end"
"""Patch id: a closing run syncs again while handlers recorded anything during its last
sync; before it, what a signal recorded then was never synced."""

SETTLE_BY_COMPONENT = "settle-by-component"
"""Patch id: an interest waiver forgives only the interest it waived (`settlement`)."""

US_VALIDATION_NOTICE = "us-validation-notice"
"""Patch id: a US case opened by a run from it on follows Regulation F (`regulation_f`):
its validation notice goes first, a dispute within the validation period is marked, and its
bureau report waits for a conversation or 14 days after a notice (`validation_notice`)."""

CONTACT_GATE = "contact-gate"
"""Patch id: every contact asks the contact gate with the case's facts (purpose, channels
ceased, contact points known invalid, vulnerability, Breathing Space), after a sync that
puts what the case recorded in the customer's ledger; a blocked contact falls back to its
next channel, and a phone known invalid gets no SMS or call (`door`)."""


@workflow.defn(name="CollectionCase")
class CollectionCase(CommandHandlers, LedgerChangeHandlers):
    @workflow.init
    def __init__(self, start: CaseStart) -> None:
        self._state = start.carried or CaseState.open(
            start.opening, start.received_at, start.strategy, episode=start.episode
        )
        if start.carried is None:
            self._state.name_actor(start.actor, since=0)  # a new case: the opening's events
        if start.carried is None and start.prior is not None:
            self._state.inherit(start.prior)
        if start.carried is not None and start.reopening is not None:
            # A reversal reopens the closed case this run carries: at the instant the API
            # answered it with the same code (`reopening`).
            with self._state.acting(start.actor):
                reopen(self._state, start.reopening, start.received_at)
        self._effects = CaseEffects(self._state, customer_synced=start.carried is not None)
        self._strategy_steps = StrategySteps(self._state, self._effects)
        self._ids = CaseIds(self._state, self._answer)
        self._published: tuple[str, str, int] | None = None
        self._published_held_days = 0

    @workflow.run
    async def run(self, start: CaseStart) -> CaseOutcome:
        if workflow.patched(RECOVERIES):
            self._state.takes_recoveries = True
        if self._state.strategy is None:
            await self._run_foundation()
        else:
            await self._run_strategy(start)
        await self._sync_to_the_end()
        if takes_recovery(self._state, workflow.now()):
            await self._take_recoveries(start)
        return CaseOutcome(loan_id=self._state.loan_id, view=self._state.view())

    # Queries.

    @workflow.query(name="view")
    def view(self) -> CaseView:
        return self._state.view()

    @workflow.query(name="timeline")
    def timeline(self) -> Timeline:
        return Timeline(events=self._state.timeline)

    @workflow.query(name="contact_facts")
    def contact_facts(self, at: datetime) -> CaseContactFacts:
        """What the contact check needs of the case at `at` (UTC, the asker's clock: a
        sleeping case's own clock stands at its last step)."""
        state = self._state
        return CaseContactFacts(
            customer_id=state.opening.customer.customer_id,
            jurisdiction=state.opening.jurisdiction,
            timezone=state.tz,
            is_open=state.is_open,
            paused=state.pause_reason(at) if state.is_open else None,
            gate=case_gate_facts(state),
        )

    @workflow.query(name="ids_in_use")
    def ids_in_use(self) -> PriorIds:
        """The ids this case and the loan's earlier cases took, and their openings."""
        return self._state.ids_in_use()

    @workflow.query(name="closed_state")
    def closed_state(self) -> CaseState:
        """The case's whole state: for a run that has completed, what a reversal that
        reopens the case carries into its new run (`reopening`)."""
        return self._state

    @workflow.query(name="key_use")
    def key_use(self, stamp: IdempotencyStamp) -> KeyLookup:
        """The first use of an Idempotency-Key, also once the case has closed."""
        return KeyLookup(use=self._state.used_ids.keys.get(stamp.key))

    # Payments.

    @workflow.signal(name="payment_received")
    def payment_received(self, payment: ActedPayment) -> None:
        """A payment from a feed that must not wait on workers. Applied once per id; one the
        case cannot take is recorded as rejected, with the rule."""
        with self._state.acting(payment.actor):
            self._take_signalled_payment(payment)

    def _take_signalled_payment(self, payment: ActedPayment) -> None:
        if self._ids.refused_payment(payment):
            return
        try:
            self._state.check_payment(payment, workflow.now())
        except CommandRejected as rejected:
            self._state.record(
                workflow.now(),
                "payment_rejected",
                rule=PAYMENT_RULES[rejected.kind],
                payment_id=payment.payment_id,
                currency=payment.currency,
            )
            return
        self._follow_settlement_rule()
        self._state.take_payment(payment, workflow.now(), "signal")

    @workflow.update(name="record_payment")
    def record_payment(self, payment: ActedPayment) -> PaymentOutcome:
        """A payment taken by an agent, answered with the new balance. Applied once per id."""
        self._follow_settlement_rule()
        with self._state.acting(payment.actor):
            applied, allocation = self._state.take_payment(payment, workflow.now(), "update")
        return PaymentOutcome(
            applied=applied, allocation=allocation, case=self._state.view(workflow.now())
        )

    @record_payment.validator
    def _validate_payment(self, payment: ActedPayment) -> None:
        # A rejected update leaves no trace in history; validators have no side effects.
        if not takes_recovery(self._state, workflow.now()):
            self._check(self._state.require_open)
        if self._check(self._state.used_ids.check_payment, payment, self._state.opening.currency):
            return  # a harmless repeat, answered `applied: false`
        self._check(self._state.check_payment, payment, workflow.now())

    def _answer(self, accepted: bool) -> CommandOutcome:
        """The answer to a command: the case as the command left it, with the next action
        the case will take now (the run loop plans the same on its next turn)."""
        state = self._state
        if state.is_open and state.strategy is not None:
            if state.agreements_hold_every_escalation:
                # What the run loop's next step would settle first (a pause takes waiting
                # contacts back, a cease blocks them), so the answer tells what comes next.
                settle_waiting(state, workflow.now())
            self._strategy_steps.plan_wake_when_due()
        else:
            reason = state.pause_reason(workflow.now())
            if reason and state.next_action is not None:
                state.next_action = NextAction(kind=f"paused_{reason}", at=state.next_action.at)
        return CommandOutcome(accepted=accepted, case=state.view(workflow.now()))

    def _follow_settlement_rule(self) -> None:
        """Cases from before `SETTLE_BY_COMPONENT` keep their settlement rule on replay."""
        state = self._state
        if not state.settles_by_component and workflow.patched(SETTLE_BY_COMPONENT):
            state.settles_by_component = True

    @staticmethod
    def _check(check: Callable[..., Any], *args: Any) -> Any:
        return checked(check, *args)

    # The strategy-driven case.

    async def _run_strategy(self, start: CaseStart) -> None:
        state = self._state
        # Cases started before it woke every customer-local midnight; their histories
        # replay that way. From it on, a case sleeps until something is due.
        when_due = workflow.patched(SLEEP_UNTIL_DUE)
        if when_due:
            self._publish_case_facts()
        if when_due and workflow.patched(ONE_STEP_AT_A_TIME):
            await self._run_steps(start)
            return
        if start.carried is None:
            await self._effects.sync()
            if state.is_open:
                await self._score()
                state.make_offers(workflow.now())
                self._strategy_steps.queue_contacts(workflow.now(), at_once=True)
        while state.is_open:
            now = workflow.now()
            if state.advance_clock(now):
                state.pending_contacts.clear()
                state.make_offers(now)
            state.review_commitments(now)
            steps = self._strategy_steps
            await steps.escalate(now)
            if not state.is_open:
                break
            steps.queue_contacts(now)
            await steps.contact(now)
            wake = steps.plan_wake_when_due() if when_due else steps.plan_wake()
            await self._sync_and_sleep(start, wake)

    async def _run_steps(self, start: CaseStart) -> None:
        """The case's life, one effect at a time (`StrategyTurns.step`); when nothing is to
        be done it records, syncs and sleeps until something is due or a command arrives."""
        state = self._state
        state.agreements_hold_every_escalation = True
        if (
            start.carried is None
            and state.opening.jurisdiction == "US"
            and workflow.patched(US_VALIDATION_NOTICE)
        ):
            state.regulation_f = RegulationF()
        # Checked once per run: runs from before them replay without the gate's facts and
        # without outcome paths.
        if workflow.patched(CONTACT_GATE):
            state.contact_gate = True
        if workflow.patched(REASON_DECIDES_PATH):
            state.reasons_decide = True
        turns = StrategyTurns(state, self._effects)
        if start.carried is None:
            # The customer's record must exist before any contact reads it.
            await self._effects.sync()
        while state.is_open:
            if await turns.step():
                continue
            await self._sync_and_sleep(start, self._strategy_steps.plan_wake_when_due())

    async def _sync_and_sleep(self, start: CaseStart, wake: datetime) -> None:
        """Publish and sync what the case decided, continue as new if its history is long,
        then sleep until `wake`; at once back if a handler recorded anything meanwhile."""
        self._publish()
        await self._effects.sync()
        if not self._state.is_open:
            return
        if self._history_is_long():
            await self._continue_as_new(start)
        await self._wait_until(wake)

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return (
            info.get_current_history_length() >= limits.CONTINUE_AS_NEW_AFTER_EVENTS
            or info.is_continue_as_new_suggested()
        )

    async def _continue_as_new(self, start: CaseStart) -> None:
        """Carry the whole state into a fresh run, once every handler has finished."""
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._effects.sync()
        state = self._state
        state.record(
            workflow.now(), "run_continued", events=workflow.info().get_current_history_length()
        )
        await self._effects.sync()
        workflow.continue_as_new(
            CaseStart(
                opening=state.opening,
                received_at=start.received_at,
                strategy=state.strategy,
                carried=state,
            )
        )

    async def _take_recoveries(self, start: CaseStart) -> None:
        """A written-off case takes recoveries until its window ends; each is synced as it
        comes, and a long history continues as new (the new run lingers on)."""
        state = self._state
        if state.recovery_until is None:
            state.recovery_until = workflow.now() + RECOVERY_WINDOW
        while workflow.now() < state.recovery_until:
            try:
                await workflow.wait_condition(
                    self._effects.has_unsynced, timeout=state.recovery_until - workflow.now()
                )
            except TimeoutError:
                break
            # After the wait: the handler that recorded the recovery has finished.
            await workflow.wait_condition(workflow.all_handlers_finished)
            await self._effects.sync()
            if self._history_is_long():
                await self._continue_as_new(start)
        await self._sync_to_the_end()

    async def _sync_to_the_end(self) -> None:
        """Publish and sync all the case recorded, once every handler has finished. A signal
        that lands during the sync (a payment racing the case's close) is recorded by its
        handler meanwhile: from `SYNC_TO_THE_END` on, the case syncs again until nothing is
        left, so no run completes with money PostgreSQL never saw."""
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._publish()
        await self._effects.sync()
        while self._effects.has_unsynced() and workflow.patched(SYNC_TO_THE_END):
            await workflow.wait_condition(workflow.all_handlers_finished)
            self._publish()
            await self._effects.sync()

    async def _wait_until(self, wake: datetime) -> None:
        state = self._state
        try:
            await workflow.wait_condition(
                lambda: self._effects.has_unsynced() or not state.is_open,
                timeout=max(wake - workflow.now(), timedelta(seconds=1)),
            )
        except TimeoutError:
            pass

    # Shared.

    async def _score(self) -> None:
        state = self._state
        risk = await self._effects.score()
        state.risk = risk
        state.record(
            workflow.now(), "risk_scored", score=risk.score, tier=risk.tier, reasons=risk.reasons
        )

    def _publish(self) -> None:
        """Upsert search attributes when status, stage or DPD changed."""
        state = self._state
        current = (state.status, state.stage, state.dpd)
        if current == self._published:
            return
        self._published = current
        workflow.upsert_search_attributes(
            [
                ids.STATUS.value_set(state.status),
                ids.STAGE.value_set(state.stage),
                ids.DPD.value_set(state.dpd),
            ]
        )
        if state.dpd_held_days != self._published_held_days:
            self._published_held_days = state.dpd_held_days
            workflow.upsert_search_attributes([self._overdue_since()])

    def _overdue_since(self) -> SearchAttributeUpdate:
        """When DPD 1 began, moved on by the days DPD was held (frozen while a plan
        performed). While DPD is frozen it keeps its last value: listings count such a case
        as if its DPD went on (unsetting it breaks the time-skipping server's answers)."""
        state = self._state
        return ids.OVERDUE_SINCE.value_set(overdue_since(state.counting_due_date, state.tz))

    def _publish_case_facts(self) -> None:
        """What does not change from day to day: the instant DPD 1 began, so visibility can
        tell a case's DPD at any time although the case does not wake every day, and the
        strategy version."""
        state = self._state
        assert state.strategy is not None
        self._published_held_days = state.dpd_held_days
        workflow.upsert_search_attributes(
            [self._overdue_since(), ids.STRATEGY.value_set(state.strategy.version)]
        )

    # The foundation ladder, for cases opened without a strategy.

    async def _run_foundation(self) -> None:
        state = self._state
        steps = FoundationSteps(state, self._effects)
        await self._effects.sync()
        if state.is_open:
            await self._score()
            steps.reminder_due = workflow.now()
        while state.is_open:
            now = workflow.now()
            if state.advance_clock(now) and state.stage == "write_off":
                state.close(now, "written_off")
                break
            if steps.reminder_due is not None and steps.reminder_due <= now:
                await steps.remind()
            wake = steps.plan_wake()
            self._publish()
            await self._effects.sync()
            if not state.is_open:
                break
            await self._wait_until(wake)
