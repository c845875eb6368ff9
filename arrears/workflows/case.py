"""The CollectionCase workflow: one durable case per overdue loan.

It scores the customer, reminds them within the hours the law allows, re-reads days past
due every customer-local midnight, applies payments once per payment_id (by signal or by
update) and closes when the balance is paid or the case reaches write-off. Its state is the
single source of truth for the case; Postgres gets every change through `CaseStore`.
"""

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from arrears import ids
    from arrears.activities.notifications import Notifier
    from arrears.activities.scoring import Scoring
    from arrears.activities.store import CaseStore
    from arrears.contracts import (
        CaseOutcome,
        CaseStart,
        CaseSync,
        CaseView,
        CloseCase,
        NextAction,
        NotificationRequest,
        Payment,
        PaymentOutcome,
        ScoreRequest,
        Timeline,
    )

    # Name sibling modules in full: `from arrears.workflows import calendar` would load a
    # sandboxed copy (submodules in a from-list bypass the pass-through), and a sandboxed
    # zoneinfo cannot be used.
    from arrears.workflows.calendar import next_local_midnight, start_of_local_day
    from arrears.workflows.case_state import CaseState
    from arrears.workflows.compliance import check_contact_time
    from arrears.workflows.ladder import GRACE_DAYS

# Outages of Postgres or a provider make activities retry for as long as it takes: the case
# waits, it never fails because a dependency was down.
PATIENT = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
ACTIVITY_TIMEOUT = timedelta(seconds=30)


@workflow.defn(name="CollectionCase")
class CollectionCase:
    @workflow.init
    def __init__(self, start: CaseStart) -> None:
        self._state = CaseState.open(start.opening, start.received_at)
        self._customer_synced = False
        self._reminder_due: datetime | None = None
        self._published: tuple[str, str, int] | None = None

    @workflow.run
    async def run(self, start: CaseStart) -> CaseOutcome:
        state = self._state
        await self._sync()
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
            wake = self._plan_next_wake()
            self._publish()
            await self._sync()
            if not state.is_open:
                break
            try:
                await workflow.wait_condition(
                    lambda: self._has_unsynced() or not state.is_open,
                    timeout=max(wake - workflow.now(), timedelta(seconds=1)),
                )
            except TimeoutError:
                pass
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._publish()
        await self._sync()
        return CaseOutcome(loan_id=state.loan_id, view=state.view())

    @workflow.query(name="view")
    def view(self) -> CaseView:
        return self._state.view()

    @workflow.query(name="timeline")
    def timeline(self) -> Timeline:
        return Timeline(events=self._state.timeline)

    @workflow.update(name="close")
    def close(self, command: CloseCase) -> CaseView:
        """The bank recalls the case. Collection stops at once; the case closes."""
        self._state.close(workflow.now(), command.reason, reference=command.reference)
        return self._state.view()

    @close.validator
    def _validate_close(self, command: CloseCase) -> None:
        self._require_open()

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
        self._take_payment(payment, via="signal")

    @workflow.update(name="record_payment")
    def record_payment(self, payment: Payment) -> PaymentOutcome:
        """A payment taken by an agent, answered with the new balance. Applied once per id."""
        applied, allocation = self._take_payment(payment, via="update")
        return PaymentOutcome(applied=applied, allocation=allocation, case=self._state.view())

    @record_payment.validator
    def _validate_payment(self, payment: Payment) -> None:
        # A rejected update leaves no trace in history; validators have no side effects.
        self._require_open()
        if self._currency_mismatch(payment):
            raise ApplicationError(
                f"currency {payment.currency} does not match the case currency "
                f"{self._state.opening.currency}",
                type="CurrencyMismatch",
            )

    def _require_open(self) -> None:
        if not self._state.is_open:
            raise ApplicationError(
                f"case is closed ({self._state.closed_reason})", type="CaseClosed"
            )

    def _currency_mismatch(self, payment: Payment) -> bool:
        return payment.currency is not None and payment.currency != self._state.opening.currency

    def _take_payment(self, payment: Payment, via: str):
        state = self._state
        now = workflow.now()
        applied, allocation = state.take_payment(payment, now, via)
        if applied and state.is_open and state.ledger.total == 0:
            state.close(now, "paid")
        return applied, allocation

    def _has_unsynced(self) -> bool:
        state = self._state
        return bool(state.unsynced_payments) or state.synced_events < len(state.timeline)

    async def _score(self) -> None:
        state = self._state
        opening = state.opening
        risk = await workflow.execute_activity_method(
            Scoring.score_risk,
            ScoreRequest(
                loan_id=opening.loan_id,
                customer_id=opening.customer.customer_id,
                currency=opening.currency,
                due=opening.due,
                dpd=state.dpd,
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=PATIENT,
        )
        state.risk = risk
        state.record(
            workflow.now(), "risk_scored", score=risk.score, tier=risk.tier, reasons=risk.reasons
        )

    async def _remind(self) -> None:
        """Send the grace reminder now if the contact-time rules allow it, else defer it."""
        state = self._state
        opening = state.opening
        channel = "sms" if opening.customer.phone else "email"
        now = workflow.now()
        decision = check_contact_time(now, opening.customer.timezone, opening.jurisdiction)
        if not decision.allowed:
            assert decision.until is not None
            self._reminder_due = decision.until
            state.record(
                now, "contact_deferred", channel=channel, until=decision.until, rule=decision.rule
            )
            return
        self._reminder_due = None
        result = await workflow.execute_activity_method(
            Notifier.send,
            NotificationRequest(
                idempotency_key=f"{opening.loan_id}:reminder:1",
                loan_id=opening.loan_id,
                customer_id=opening.customer.customer_id,
                channel=channel,
                template="reminder",
                currency=opening.currency,
                amount_due=state.ledger.total,
                due_date=opening.due_date,
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=PATIENT,
        )
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

    def _plan_next_wake(self) -> datetime:
        state = self._state
        opening = state.opening
        midnight = next_local_midnight(workflow.now(), opening.customer.timezone)
        if self._reminder_due is not None and self._reminder_due < midnight:
            state.next_action = NextAction(kind="send_reminder", at=self._reminder_due)
            return self._reminder_due
        if state.dpd <= GRACE_DAYS:
            grace_ends = start_of_local_day(
                opening.due_date + timedelta(days=GRACE_DAYS + 1), opening.customer.timezone
            )
            state.next_action = NextAction(kind="grace_ends", at=grace_ends)
        else:
            state.next_action = NextAction(kind="daily_review", at=midnight)
        return midnight

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

    async def _sync(self) -> None:
        """Write everything new about the case to Postgres in one idempotent activity."""
        state = self._state
        payments = list(state.unsynced_payments)
        events = state.unsynced_events()
        if not events and not payments and self._customer_synced:
            return
        await workflow.execute_activity_method(
            CaseStore.sync_case,
            CaseSync(
                view=state.view(),
                customer_id=state.opening.customer.customer_id,
                jurisdiction=state.opening.jurisdiction,
                customer=None if self._customer_synced else state.opening.customer,
                payments=payments,
                events=events,
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=PATIENT,
        )
        self._customer_synced = True
        del state.unsynced_payments[: len(payments)]
        state.synced_events += len(events)
