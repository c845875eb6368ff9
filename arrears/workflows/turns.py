"""The strategy-driven case, one step at a time: no decision outlives an await.

Workflow-side code. Handlers change the case's state while the run loop awaits an activity,
so `step` takes one effect at a time: it decides from the state as it is now, performs the
effect, records what happened, and the next call decides again. Nothing chosen before an
await (which contact, which escalation, whether collection is paused) is acted on after it.
"""

from datetime import datetime

from temporalio import workflow

from arrears.contracts import NextAction
from arrears.workflows import contact_persons, door, validation_notice
from arrears.workflows.case_state import CaseState
from arrears.workflows.compliance import check_contact_time
from arrears.workflows.effects import CaseEffects
from arrears.workflows.escalation_steps import next_hand_off, record_hand_off


class StrategyTurns:
    def __init__(self, state: CaseState, effects: CaseEffects) -> None:
        self._state = state
        self._effects = effects

    async def step(self) -> bool:
        """Perform the one effect the case asks for now (scoring, a hand-off, a contact).
        Returns False when nothing is to be done before the next wake."""
        state = self._state
        if not state.is_open:
            return False
        if state.risk is None:
            await self._score()
            return True
        now = workflow.now()
        self.review(now)
        validation_notice.queue_owed(state, now)
        due = next_hand_off(state, now)
        if due is not None:
            state.next_action = NextAction(kind=f"escalation_{due.step}", at=now)
            handed = await self._effects.hand_off(due.step, due.rule)
            # Re-checked after the await: nothing; the hand-off happened and is recorded as
            # such, at the instant it happened. What comes next is decided afresh on the
            # next step.
            at = door.instant_of_effect(handed.at if handed else None, now, workflow.now())
            record_hand_off(state, due, at)
            return True
        if not state.is_open:  # written off just now
            return False
        door.queue_cadence(state, now)
        person = contact_persons.next_person(state)
        if person is not None and workflow.patched(contact_persons.PATCH):
            # After the cadence: the debtor's own points (e-mail goes on) are tried first.
            contact_persons.queue_restore(state, person, now)
        door.settle_waiting(state, now)
        pending = validation_notice.next_contact(state, now)
        if pending is None:
            return False
        state.next_action = NextAction(kind=f"contact_{pending.channel}", at=now)
        if state.contact_gate and self._effects.has_unsynced_outcomes():
            # The gate reads the customer's ledger in PostgreSQL, where an agent's call
            # outcome the case recorded lands when the case syncs (its own sends are there
            # already: the send reserves them). Nothing decided here outlives the sync:
            # the next step decides again.
            await self._effects.sync()
            return True
        window = check_contact_time(now, state.tz, state.opening.jurisdiction)
        gate = door.gate_facts(state, pending, now) if state.contact_gate else None
        state.sending = pending.step_key
        result = await self._effects.notify(
            f"{state.case_key}:{pending.step_key}",
            pending.channel,
            pending.template,
            at_the_door=True,
            validation_period_ends=validation_notice.stated_period_end(state, pending, now),
            gate=gate,
        )
        # Re-checked after the await: whether the contact is still waiting (a handler may
        # have withdrawn it); its outcome is recorded as it happened, nothing else follows.
        done = workflow.now()
        door.record_outcome(state, pending, result, done, window_rule=window.rule, started=now)
        validation_notice.record_sent(state, pending, result, door.sent_instant(result, now, done))
        return True

    def review(self, now: datetime) -> None:
        """What the calendar alone changes: DPD and stage (a new stage takes back contacts
        waiting under the old one, and makes its offers), promises, plans and hardship."""
        state = self._state
        if state.advance_clock(now):
            door.withdraw(state, now, f"stage.{state.stage}", notices=False)
            state.make_offers(now)
        state.review_commitments(now)

    async def _score(self) -> None:
        state = self._state
        risk = await self._effects.score()
        state.risk = risk
        now = workflow.now()
        state.record(now, "risk_scored", score=risk.score, tier=risk.tier, reasons=risk.reasons)
        # Re-checked after the await: the case may have closed or paused while it was scored.
        if state.is_open:
            state.make_offers(now)
            door.queue_cadence(state, now, at_once=True)
