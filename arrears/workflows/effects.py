"""The case workflow's side effects: every activity it runs, with its timeouts and retries.

Workflow-side code (it schedules activities; it does no I/O itself). Outages of Postgres or
a provider make activities retry for as long as it takes: a case waits, it never fails
because a dependency was down.
"""

from datetime import date, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

from arrears import ids
from arrears.activities.escalations import Escalations
from arrears.activities.notifications import Notifier
from arrears.activities.scoring import Scoring
from arrears.activities.store import CaseStore
from arrears.contracts import (
    CaseSync,
    Channel,
    ContactGateFacts,
    HandedOff,
    HandOff,
    NotificationRequest,
    NotificationResult,
    RiskScore,
    ScoreRequest,
)
from arrears.workflows.calendar import overdue_since
from arrears.workflows.case_state import CaseState
from arrears.workflows.customer_follow import follow_customer

PATIENT = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
ACTIVITY_TIMEOUT = timedelta(seconds=30)


class CaseEffects:
    def __init__(self, state: CaseState, *, customer_synced: bool) -> None:
        self._state = state
        self._customer_synced = customer_synced

    def has_unsynced(self) -> bool:
        state = self._state
        return bool(state.unsynced_payments) or state.synced_events < len(state.timeline)

    def has_unsynced_outcomes(self) -> bool:
        """Whether an agent's call outcome the case recorded has not reached PostgreSQL,
        where the contact gate counts it."""
        state = self._state
        return any(e.type == "contact_outcome" for e in state.timeline[state.synced_events :])

    async def sync(self) -> None:
        """Write everything new about the case to Postgres in one idempotent activity."""
        state = self._state
        payments = list(state.unsynced_payments)
        reversals = list(state.unsynced_reversals)
        events = state.unsynced_events()
        if not events and not payments and self._customer_synced:
            return
        stored = await workflow.execute_activity_method(
            CaseStore.sync_case,
            CaseSync(
                view=state.view(),
                customer_id=state.opening.customer.customer_id,
                jurisdiction=state.opening.jurisdiction,
                customer=None if self._customer_synced else state.opening.customer,
                payments=payments,
                events=events,
                reversals=reversals,
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=PATIENT,
        )
        self._customer_synced = True
        del state.unsynced_payments[: len(payments)]
        del state.unsynced_reversals[: len(reversals)]
        state.synced_events += len(events)
        if stored is not None:
            # The customer's facts changed while the case opened: follow them.
            if "timezone" in follow_customer(state, stored, workflow.now()):
                since = overdue_since(state.counting_due_date, state.tz)
                workflow.upsert_search_attributes([ids.OVERDUE_SINCE.value_set(since)])

    async def score(self) -> RiskScore:
        opening = self._state.opening
        return await workflow.execute_activity_method(
            Scoring.score_risk,
            ScoreRequest(
                loan_id=opening.loan_id,
                customer_id=opening.customer.customer_id,
                currency=opening.currency,
                due=opening.due,
                dpd=self._state.dpd,
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=PATIENT,
        )

    async def notify(
        self,
        key: str,
        channel: Channel,
        template: str,
        *,
        at_the_door: bool = False,
        validation_period_ends: date | None = None,
        gate: ContactGateFacts | None = None,
    ) -> NotificationResult:
        """Send one message under `key`. `at_the_door`: the send checks the contact window
        again at the moment it hands the message over, and defers if it has closed. `gate`:
        the send asks the contact gate with these facts (and the customer's ledger), which
        may defer or block it. `validation_period_ends`: the end a US validation notice
        states."""
        state = self._state
        opening = state.opening
        window: dict[str, object] = (
            {"timezone": state.tz, "jurisdiction": opening.jurisdiction} if at_the_door else {}
        )
        if gate is not None:
            window["gate"] = gate
        stated = (
            {"validation_period_ends": validation_period_ends} if validation_period_ends else {}
        )
        return await workflow.execute_activity_method(
            Notifier.send,
            NotificationRequest(
                idempotency_key=key,
                loan_id=opening.loan_id,
                customer_id=opening.customer.customer_id,
                channel=channel,
                template=template,
                currency=opening.currency,
                amount_due=state.ledger.total,
                due_date=opening.due_date,
                **window,
                **stated,
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=PATIENT,
        )

    async def hand_off(self, step: str, rule: str) -> HandedOff | None:
        """Hand an escalation to the team or system that carries it out (bureau, lawyers);
        answers when it was handed off (None from a history before hand-offs said so)."""
        state = self._state
        return await workflow.execute_activity_method(
            Escalations.hand_off,
            HandOff(
                idempotency_key=f"{state.case_key}:{step}",
                loan_id=state.loan_id,
                customer_id=state.opening.customer.customer_id,
                step=step,
                dpd=state.dpd,
                currency=state.opening.currency,
                balance=state.ledger.total,
                rule=rule,
                strategy_version=state.strategy.version if state.strategy else None,
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=PATIENT,
        )
