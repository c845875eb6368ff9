"""The foundation ladder, for cases opened without a strategy: one grace reminder, then
stages by DPD alone. Kept unchanged so that those cases, and their histories, replay."""

from datetime import datetime, timedelta

from temporalio import workflow

from arrears.contracts import NextAction
from arrears.workflows.calendar import next_local_midnight, start_of_local_day
from arrears.workflows.case_state import CaseState
from arrears.workflows.compliance import check_contact_time
from arrears.workflows.effects import CaseEffects
from arrears.workflows.ladder import GRACE_DAYS


class FoundationSteps:
    def __init__(self, state: CaseState, effects: CaseEffects) -> None:
        self._state = state
        self._effects = effects
        self.reminder_due: datetime | None = None

    async def remind(self) -> None:
        """Send the grace reminder now if the contact-time rules allow it, else defer it."""
        state = self._state
        channel = "sms" if state.opening.customer.phone else "email"
        now = workflow.now()
        decision = check_contact_time(now, state.tz, state.opening.jurisdiction)
        if not decision.allowed:
            self.reminder_due = decision.until
            state.record(
                now, "contact_deferred", channel=channel, until=decision.until, rule=decision.rule
            )
            return
        self.reminder_due = None
        result = await self._effects.notify(f"{state.case_key}:reminder:1", channel, "reminder")
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

    def plan_wake(self) -> datetime:
        state = self._state
        midnight = next_local_midnight(workflow.now(), state.tz)
        if self.reminder_due is not None and self.reminder_due < midnight:
            state.next_action = NextAction(kind="send_reminder", at=self.reminder_due)
            return self.reminder_due
        if state.dpd <= GRACE_DAYS:
            grace_ends = start_of_local_day(
                state.opening.due_date + timedelta(days=GRACE_DAYS + 1), state.tz
            )
            state.next_action = NextAction(kind="grace_ends", at=grace_ends)
        else:
            state.next_action = NextAction(kind="daily_review", at=midnight)
        return midnight
