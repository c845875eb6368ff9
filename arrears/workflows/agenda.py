"""When a strategy-driven case next has something to do, so that it can sleep until then.

A case's day-to-day work follows from its state and the calendar alone: stage changes and
escalations fall on known days past due, contacts on known days of the cadence, promises,
plan instalments and hardship pauses end on known dates. Everything else (payments,
promises, disputes, call outcomes) arrives as a command and wakes the case by itself. So
instead of looking at itself every midnight, a case asks `next_due` and sleeps until the
first of these moments, which gives the same decisions at the same instants with a fraction
of the timers and history.

Pure: no Temporal import, no clock of its own.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from arrears import strategy as rules
from arrears.workflows import contact_persons
from arrears.workflows.calendar import start_of_local_day
from arrears.workflows.case_state import CaseState
from arrears.workflows.compliance import check_contact_time
from arrears.workflows.validation_notice import hold_ends

LONGEST_SLEEP = timedelta(days=7)
"""A case with nothing due at all (a dispute in a stage without a next one, say) still looks
at itself this often: a safety net, not a rule."""


@dataclass(frozen=True)
class Due:
    """The next moment with something to do: `at` (UTC) and what (`kind`)."""

    at: datetime
    kind: str


def escalation_flags(state: CaseState, now: datetime) -> rules.CaseFlags:
    """What the escalation rules look at besides DPD and tier (no dispute: a case with an
    open dispute takes no escalation at all)."""
    return rules.CaseFlags(
        refused=state.refused,
        has_active_promise=state.promise is not None and state.promise.status == "active",
        has_active_plan=state.plan is not None and state.plan.status == "performing",
        has_open_dispute=False,
        in_hardship=state.in_hardship(now),
        done=state.escalations_done,
        agreements_hold_all=state.agreements_hold_every_escalation,
    )


def next_due(state: CaseState, now: datetime) -> Due:
    """The first moment after `now` at which the case has something to do by itself: a
    waiting contact, a stage change, an escalation, a contact day of the cadence, the end of
    a promise's tolerance, a plan instalment's or a hardship pause, the end of a US case's
    hold on its bureau report (`validation_notice.hold_ends`). Day-bound moments fall
    at the customer-local midnight that starts the day; contact days at the opening of the
    contact window on that day. With nothing due at all, `LONGEST_SLEEP` ahead."""
    assert state.strategy is not None
    today = state.today(now)
    candidates = [
        Due(pending.not_before, f"contact_{pending.channel}")
        for pending in state.pending_contacts
        if pending.not_before > now
    ]
    candidates += [
        Due(start_of_local_day(day, state.tz), kind)
        for day, kind in _day_bound(state, now, today)
        if day > today
    ]
    held_until = hold_ends(state, now)
    if held_until is not None:
        candidates.append(Due(held_until, "bureau_hold_ends"))
    contact_day = _next_contact_day(state, now, today)
    if contact_day is not None:
        candidates.append(_contact_window_opens(state, contact_day))
    if contact_persons.next_person(state) is not None and not state.pause_reason(now):
        # A lost CN debtor with a contact person left: tomorrow's restore call is asked
        # for (only cases with contact persons, all under `contact_persons.PATCH`).
        tomorrow = _contact_window_opens(state, today + timedelta(days=1))
        candidates.append(Due(tomorrow.at, "restore_contact"))
    if not candidates:
        return Due(start_of_local_day(today, state.tz) + LONGEST_SLEEP, "review")
    return min(candidates, key=lambda due: due.at)


def _day_bound(state: CaseState, now: datetime, today: date) -> list[tuple[date, str]]:
    strategy = state.strategy
    assert strategy is not None
    due_date = state.counting_due_date
    days: list[tuple[date, str]] = []
    frozen = state.dpd_frozen_on is not None
    stage_dpd = rules.next_stage_dpd(strategy, state.dpd, refused=state.refused)
    if stage_dpd is not None and not frozen:
        kind = "grace_ends" if state.stage == "reminder" else "stage_change"
        days.append((due_date + timedelta(days=stage_dpd), kind))
    if state.dispute is None and not frozen and not state.in_breathing_space(now):
        flags = escalation_flags(state, now)
        escalation_dpd = rules.next_escalation_dpd(strategy, state.dpd, state.tier, flags)
        if escalation_dpd is not None:
            days.append((due_date + timedelta(days=escalation_dpd), "escalation"))
    tolerance = timedelta(days=strategy.promise_tolerance_days)
    one_day = timedelta(days=1)
    if state.promise is not None and state.promise.status == "active":
        days.append((state.promise.due_date + tolerance + one_day, "promise_deadline"))
    if state.plan is not None and state.plan.status == "performing":
        days += [
            (instalment.due_date + tolerance + one_day, "instalment_deadline")
            for instalment in state.plan.instalments
        ]
    if state.hardship_until is not None:
        days.append((state.hardship_until, "hardship_ends"))
    if state.breathing_space is not None:
        days.append((state.breathing_space.until, "breathing_space_ends"))
    return days


def _next_contact_day(state: CaseState, now: datetime, today: date) -> date | None:
    """The next day after today on which the cadence asks for a contact, unless collection
    is paused (its end is a moment of its own) or the stage makes no contact."""
    strategy = state.strategy
    assert strategy is not None
    if state.pause_reason(now) or not rules.stage_rule(strategy, state.stage).contact:
        return None
    in_stage = state.days_in_stage(now)
    day = rules.next_contact_day(strategy, state.stage, state.tier, in_stage + 1)
    return None if day is None else today + timedelta(days=day - in_stage)


def _contact_window_opens(state: CaseState, day: date) -> Due:
    midnight = start_of_local_day(day, state.tz)
    window = check_contact_time(midnight, state.tz, state.opening.jurisdiction)
    return Due(window.until or midnight, "contact_day")
