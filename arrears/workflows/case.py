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
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    # Name sibling modules in full: `from arrears.workflows import calendar` would load a
    # sandboxed copy (submodules in a from-list bypass the pass-through), and a sandboxed
    # zoneinfo cannot be used.
    import arrears.workflows.limits as limits
    from arrears import ids
    from arrears import strategy as rules
    from arrears.commands import (
        AgreePlan,
        CeaseContact,
        CommandOutcome,
        OpenDispute,
        PromiseToPay,
        RecordContactOutcome,
        ReportHardship,
        ResolveDispute,
    )
    from arrears.contracts import (
        CaseOutcome,
        CaseView,
        CloseCase,
        NextAction,
        Payment,
        PaymentOutcome,
        Timeline,
    )
    from arrears.workflows.calendar import next_local_midnight, start_of_local_day
    from arrears.workflows.case_state import (
        CaseStart,
        CaseState,
        CommandRejected,
        PendingContact,
    )
    from arrears.workflows.compliance import check_contact_time
    from arrears.workflows.effects import CaseEffects
    from arrears.workflows.ladder import GRACE_DAYS

TEMPLATES = {"reminder": "reminder", "call": "collection_call"}
"""Message template by stage (default `collection_notice`) and for agent calls."""


@workflow.defn(name="CollectionCase")
class CollectionCase:
    @workflow.init
    def __init__(self, start: CaseStart) -> None:
        self._state = start.carried or CaseState.open(
            start.opening, start.received_at, start.strategy
        )
        self._effects = CaseEffects(self._state, customer_synced=start.carried is not None)
        self._reminder_due: datetime | None = None
        self._published: tuple[str, str, int] | None = None

    @workflow.run
    async def run(self, start: CaseStart) -> CaseOutcome:
        if self._state.strategy is None:
            await self._run_foundation()
        else:
            await self._run_strategy(start)
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._publish()
        await self._effects.sync()
        return CaseOutcome(loan_id=self._state.loan_id, view=self._state.view())

    # Queries.

    @workflow.query(name="view")
    def view(self) -> CaseView:
        return self._state.view()

    @workflow.query(name="timeline")
    def timeline(self) -> Timeline:
        return Timeline(events=self._state.timeline)

    # Payments.

    @workflow.signal(name="payment_received")
    def payment_received(self, payment: Payment) -> None:
        """A payment from a feed that must not wait on workers. Applied once per id."""
        if self._currency_mismatch(payment):
            self._state.record(
                workflow.now(),
                "payment_rejected",
                rule="payment.currency_mismatch",
                payment_id=payment.payment_id,
                currency=payment.currency,
            )
            return
        self._state.take_payment(payment, workflow.now(), "signal")

    @workflow.update(name="record_payment")
    def record_payment(self, payment: Payment) -> PaymentOutcome:
        """A payment taken by an agent, answered with the new balance. Applied once per id."""
        applied, allocation = self._state.take_payment(payment, workflow.now(), "update")
        return PaymentOutcome(applied=applied, allocation=allocation, case=self._state.view())

    @record_payment.validator
    def _validate_payment(self, payment: Payment) -> None:
        # A rejected update leaves no trace in history; validators have no side effects.
        self._check(self._state.require_open)
        if self._currency_mismatch(payment):
            raise ApplicationError(
                f"currency {payment.currency} does not match the case currency "
                f"{self._state.opening.currency}",
                type="CurrencyMismatch",
            )

    def _currency_mismatch(self, payment: Payment) -> bool:
        return payment.currency is not None and payment.currency != self._state.opening.currency

    # Commands.

    @workflow.signal(name="promise_received")
    def promise_received(self, command: PromiseToPay) -> None:
        """A promise from a self-service channel or an IVR. Deduplicated by promise_id; one
        the case cannot take is recorded as rejected, with the reason."""
        try:
            self._state.check_promise(command, workflow.now())
        except CommandRejected as rejected:
            self._state.record(
                workflow.now(),
                "promise_rejected",
                promise_id=command.promise_id,
                rule=f"promise.{rejected.kind}",
                detail=str(rejected),
            )
            return
        self._state.make_promise(command, workflow.now())

    @workflow.update(name="promise_to_pay")
    def promise_to_pay(self, command: PromiseToPay) -> CommandOutcome:
        return self._answer(self._state.make_promise(command, workflow.now()))

    @promise_to_pay.validator
    def _validate_promise(self, command: PromiseToPay) -> None:
        self._check(self._state.check_promise, command, workflow.now())

    @workflow.update(name="report_hardship")
    def report_hardship(self, command: ReportHardship) -> CommandOutcome:
        return self._answer(self._state.report_hardship(command, workflow.now()))

    @report_hardship.validator
    def _validate_hardship(self, command: ReportHardship) -> None:
        self._check(self._state.check_hardship, command)

    @workflow.update(name="agree_plan")
    def agree_plan(self, command: AgreePlan) -> CommandOutcome:
        return self._answer(self._state.agree_plan(command, workflow.now()))

    @agree_plan.validator
    def _validate_plan(self, command: AgreePlan) -> None:
        self._check(self._state.check_plan, command, workflow.now())

    @workflow.update(name="open_dispute")
    def open_dispute(self, command: OpenDispute) -> CommandOutcome:
        return self._answer(self._state.open_dispute(command, workflow.now()))

    @open_dispute.validator
    def _validate_dispute(self, command: OpenDispute) -> None:
        self._check(self._state.check_dispute, command)

    @workflow.update(name="resolve_dispute")
    def resolve_dispute(self, command: ResolveDispute) -> CommandOutcome:
        return self._answer(self._state.resolve_dispute(command, workflow.now()))

    @resolve_dispute.validator
    def _validate_resolution(self, command: ResolveDispute) -> None:
        self._check(self._state.check_resolution, command)

    @workflow.update(name="cease_contact")
    def cease_contact(self, command: CeaseContact) -> CommandOutcome:
        return self._answer(self._state.cease_contact(command, workflow.now()))

    @cease_contact.validator
    def _validate_cease(self, command: CeaseContact) -> None:
        self._check(self._state.check_cease, command)

    @workflow.update(name="record_contact_outcome")
    def record_contact_outcome(self, command: RecordContactOutcome) -> CommandOutcome:
        return self._answer(self._state.record_outcome(command, workflow.now()))

    @record_contact_outcome.validator
    def _validate_outcome(self, command: RecordContactOutcome) -> None:
        self._check(self._state.check_outcome, command)

    @workflow.update(name="close")
    def close(self, command: CloseCase) -> CaseView:
        """The bank recalls the case. Collection stops at once; the case closes."""
        self._state.close(workflow.now(), command.reason, reference=command.reference)
        return self._state.view()

    @close.validator
    def _validate_close(self, command: CloseCase) -> None:
        self._check(self._state.require_open)

    def _answer(self, accepted: bool) -> CommandOutcome:
        state = self._state
        reason = state.pause_reason(workflow.now())
        if reason and state.next_action is not None:
            # The run loop re-plans on its next turn; the answer already says why it waits.
            state.next_action = NextAction(kind=f"paused_{reason}", at=state.next_action.at)
        return CommandOutcome(accepted=accepted, case=state.view())

    @staticmethod
    def _check(check: Callable[..., None], *args: Any) -> None:
        try:
            check(*args)
        except CommandRejected as rejected:
            raise ApplicationError(str(rejected), type=rejected.kind) from None

    # The strategy-driven case.

    async def _run_strategy(self, start: CaseStart) -> None:
        state = self._state
        if start.carried is None:
            await self._effects.sync()
            if state.is_open:
                await self._score()
                self._queue_contacts(workflow.now(), at_once=True)
        while state.is_open:
            now = workflow.now()
            if state.advance_clock(now):
                state.pending_contacts.clear()
            state.review_commitments(now)
            await self._escalate(now)
            if not state.is_open:
                break
            self._queue_contacts(now)
            await self._contact(now)
            wake = self._plan_strategy_wake()
            self._publish()
            await self._effects.sync()
            if not state.is_open:
                break
            if self._history_is_long():
                await self._continue_as_new(start)
            await self._wait_until(wake)

    def _queue_contacts(self, now: datetime, *, at_once: bool = False) -> None:
        """Queue the contacts the cadence asks for today. They wait for the contact window
        to open, except at case opening (`at_once`), where a deferral is recorded."""
        state = self._state
        assert state.strategy is not None
        if state.pause_reason(now) or not rules.stage_rule(state.strategy, state.stage).contact:
            state.pending_contacts.clear()
            return
        tier = state.risk.tier if state.risk else "medium"
        due = rules.contacts_due(state.strategy, state.stage, tier, state.days_in_stage(now))
        pending = {p.step_key for p in state.pending_contacts}
        window = check_contact_time(now, state.tz, state.opening.jurisdiction)
        not_before = now if at_once or window.until is None else window.until
        for contact in due:
            if contact.step_key in state.contacts_done or contact.step_key in pending:
                continue
            template = TEMPLATES.get(
                "call" if contact.channel == "call" else state.stage, "collection_notice"
            )
            state.pending_contacts.append(
                PendingContact(
                    step_key=contact.step_key,
                    channel=contact.channel,
                    template=template,
                    not_before=not_before,
                )
            )

    async def _contact(self, now: datetime) -> None:
        state = self._state
        for pending in list(state.pending_contacts):
            if pending.not_before > now or not state.is_open:
                continue
            if pending.channel in state.ceased_channels:
                state.record(
                    now, "contact_blocked", channel=pending.channel, rule="contact.cease_request"
                )
                self._done(pending)
                continue
            decision = check_contact_time(now, state.tz, state.opening.jurisdiction)
            if not decision.allowed:
                pending.not_before = decision.until or now
                if not pending.deferred:
                    pending.deferred = True
                    state.record(
                        now,
                        "contact_deferred",
                        channel=pending.channel,
                        until=decision.until,
                        rule=decision.rule,
                    )
                continue
            result = await self._effects.notify(
                f"{state.loan_id}:{pending.step_key}", pending.channel, pending.template
            )
            event = "contact_sent" if result.status == "sent" else "contact_skipped"
            state.record(
                workflow.now(),
                event,
                channel=pending.channel,
                template=pending.template,
                step=pending.step_key,
                detail=result.detail if result.status != "sent" else None,
                rule=decision.rule,
                strategy=state.strategy.version if state.strategy else None,
            )
            self._done(pending)

    def _done(self, pending: PendingContact) -> None:
        self._state.contacts_done.add(pending.step_key)
        self._state.pending_contacts.remove(pending)

    async def _escalate(self, now: datetime) -> None:
        """Take the escalations the strategy says are due; none while a dispute is open."""
        state = self._state
        assert state.strategy is not None
        if state.dispute is not None:
            return
        flags = rules.CaseFlags(
            refused=state.refused,
            has_active_promise=state.promise is not None and state.promise.status == "active",
            has_active_plan=state.plan is not None and state.plan.status == "performing",
            has_open_dispute=False,
            in_hardship=state.in_hardship(now),
            done=state.escalations_done,
        )
        tier = state.risk.tier if state.risk else "medium"
        for due in rules.escalations_due(state.strategy, state.dpd, tier, flags):
            state.escalations_done[due.step] = state.dpd
            version = {"strategy": due.strategy_version}
            if due.step == "write_off":
                state.close(now, "written_off", rule=due.rule, **version)
                return
            await self._effects.hand_off(due.step, due.rule)
            if due.step in ("bureau_pre_notice", "lawyer_letter"):
                channel = next(
                    (c for c in ("sms", "email") if c not in state.ceased_channels), None
                )
                if channel is not None:
                    await self._effects.notify(f"{state.loan_id}:{due.step}", channel, due.step)
            event = {
                "bureau_pre_notice": "bureau_prenotice",
                "bureau_report": "bureau_reported",
                "lawyer_letter": "lawyer_letter",
                "litigation_referral": "litigation_referred",
            }[due.step]
            state.record(workflow.now(), event, rule=due.rule, dpd=state.dpd, **version)
            if due.step == "litigation_referral":
                # Routine dunning stops once a case is with litigation.
                state.pending_contacts.clear()

    def _plan_strategy_wake(self) -> datetime:
        state = self._state
        now = workflow.now()
        midnight = next_local_midnight(now, state.tz)
        upcoming = [p for p in state.pending_contacts if p.not_before > now]
        first = min(upcoming, key=lambda p: p.not_before, default=None)
        if first is not None and first.not_before < midnight:
            state.next_action = NextAction(kind=f"contact_{first.channel}", at=first.not_before)
            return first.not_before
        reason = state.pause_reason(now)
        if reason:
            state.next_action = NextAction(kind=f"paused_{reason}", at=midnight)
        elif state.stage == "reminder" and state.strategy is not None:
            grace_days = state.strategy.grace_days
            grace_ends = start_of_local_day(
                state.opening.due_date + timedelta(days=grace_days + 1), state.tz
            )
            state.next_action = NextAction(kind="grace_ends", at=grace_ends)
        else:
            state.next_action = NextAction(kind="daily_review", at=midnight)
        return midnight

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

    # The foundation ladder, for cases opened without a strategy.

    async def _run_foundation(self) -> None:
        state = self._state
        await self._effects.sync()
        if state.is_open:
            await self._score()
            self._reminder_due = workflow.now()
        while state.is_open:
            now = workflow.now()
            if state.advance_clock(now) and state.stage == "write_off":
                state.close(now, "written_off")
                break
            if self._reminder_due is not None and self._reminder_due <= now:
                await self._remind()
            wake = self._plan_foundation_wake()
            self._publish()
            await self._effects.sync()
            if not state.is_open:
                break
            await self._wait_until(wake)

    async def _remind(self) -> None:
        """Send the grace reminder now if the contact-time rules allow it, else defer it."""
        state = self._state
        channel = "sms" if state.opening.customer.phone else "email"
        now = workflow.now()
        decision = check_contact_time(now, state.tz, state.opening.jurisdiction)
        if not decision.allowed:
            self._reminder_due = decision.until
            state.record(
                now, "contact_deferred", channel=channel, until=decision.until, rule=decision.rule
            )
            return
        self._reminder_due = None
        result = await self._effects.notify(f"{state.loan_id}:reminder:1", channel, "reminder")
        if result.status == "sent":
            state.record(
                workflow.now(),
                "contact_sent",
                channel=channel,
                template="reminder",
                rule=decision.rule,
            )
        else:
            state.record(workflow.now(), "contact_skipped", channel=channel, detail=result.detail)

    def _plan_foundation_wake(self) -> datetime:
        state = self._state
        midnight = next_local_midnight(workflow.now(), state.tz)
        if self._reminder_due is not None and self._reminder_due < midnight:
            state.next_action = NextAction(kind="send_reminder", at=self._reminder_due)
            return self._reminder_due
        if state.dpd <= GRACE_DAYS:
            grace_ends = start_of_local_day(
                state.opening.due_date + timedelta(days=GRACE_DAYS + 1), state.tz
            )
            state.next_action = NextAction(kind="grace_ends", at=grace_ends)
        else:
            state.next_action = NextAction(kind="daily_review", at=midnight)
        return midnight
