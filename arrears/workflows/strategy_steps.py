"""One turn of a strategy-driven case as runs before `StrategyTurns` took it: contacts on
the cadence, escalations, the next wake.

Workflow-side code, run by `CollectionCase` on its own state; every answer comes from the
case's strategy (`arrears.strategy`) and the contact-time rules. Runs that predate the
decide-after-every-await patch keep this behaviour so that their histories replay; new runs
use `StrategyTurns`, which shares `plan_wake_when_due`.
"""

from datetime import datetime, timedelta

from temporalio import workflow

from arrears import strategy as rules
from arrears.contracts import NextAction
from arrears.workflows.agenda import escalation_flags, next_due
from arrears.workflows.calendar import next_local_midnight, start_of_local_day
from arrears.workflows.case_state import CaseState, PendingContact
from arrears.workflows.compliance import check_contact_time
from arrears.workflows.door import queue_cadence
from arrears.workflows.effects import CaseEffects

ESCALATION_EVENTS = {
    "bureau_pre_notice": "bureau_prenotice",
    "bureau_report": "bureau_reported",
    "lawyer_letter": "lawyer_letter",
    "litigation_referral": "litigation_referred",
}


class StrategySteps:
    def __init__(self, state: CaseState, effects: CaseEffects) -> None:
        self._state = state
        self._effects = effects

    def queue_contacts(self, now: datetime, *, at_once: bool = False) -> None:
        """Queue the contacts the cadence asks for today (see `door.queue_cadence`); while
        collection is paused or the stage makes no contact, drop those waiting."""
        state = self._state
        assert state.strategy is not None
        if state.pause_reason(now) or not rules.stage_rule(state.strategy, state.stage).contact:
            state.pending_contacts.clear()
            return
        queue_cadence(state, now, at_once=at_once)

    async def contact(self, now: datetime) -> None:
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
                f"{state.case_key}:{pending.step_key}", pending.channel, pending.template
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
        # A handler may have dropped it while the send was awaited (a strategy migration).
        if pending in self._state.pending_contacts:
            self._state.pending_contacts.remove(pending)

    async def escalate(self, now: datetime) -> None:
        """Take the escalations the strategy says are due; none while a dispute is open."""
        state = self._state
        assert state.strategy is not None
        if state.dispute is not None:
            return
        flags = escalation_flags(state, now)
        for due in rules.escalations_due(state.strategy, state.dpd, state.tier, flags):
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
                    await self._effects.notify(f"{state.case_key}:{due.step}", channel, due.step)
            state.record(
                workflow.now(), ESCALATION_EVENTS[due.step], rule=due.rule, dpd=state.dpd, **version
            )
            if due.step == "litigation_referral":
                # Routine dunning stops once a case is with litigation.
                state.pending_contacts.clear()

    def plan_wake_when_due(self) -> datetime:
        """The next moment the case has something to do (`agenda.next_due`), recorded as
        its next action."""
        state = self._state
        now = workflow.now()
        due = next_due(state, now)
        reason = state.pause_reason(now)
        kind = due.kind if due.kind.startswith("contact_") or not reason else f"paused_{reason}"
        state.next_action = NextAction(kind=kind, at=due.at)
        return due.at

    def plan_wake(self) -> datetime:
        """The next wake of cases started before `plan_wake_when_due`: every customer-local
        midnight, or a waiting contact before it."""
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
