"""What a strategy says to do for a case: its stage, its contacts and its escalations.

Pure and deterministic: no I/O, no clock, no Temporal import, so the workflow, the API and
the simulator get the same answers. Every answer comes from the strategy passed in; callers
record `strategy.version` with each decision they take from it.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from arrears.contracts import Channel, RiskTier, Stage
from arrears.strategy.model import Blocker, CadenceStep, EscalationStep, StageRule, Strategy


def stage_rule(strategy: Strategy, stage: Stage) -> StageRule:
    """The rule of `stage`; a `ValueError` if the strategy has no such stage."""
    for rule in strategy.stages:
        if rule.name == stage:
            return rule
    raise ValueError(f"strategy {strategy.version} has no stage {stage!r}")


def stage_for(strategy: Strategy, dpd: int, *, refused: bool = False) -> Stage:
    """The stage for `dpd` (0 or more) days past due: the last stage starting at or before
    `dpd`, skipping those that require a refusal unless `refused`. Total over DPD >= 0 and
    monotonic: a later day never gives an earlier stage."""
    if dpd < 0:
        raise ValueError("days past due cannot be negative")
    current = strategy.stages[0]
    for rule in strategy.stages[1:]:
        if rule.from_dpd > dpd:
            break
        if refused or not rule.requires_refusal:
            current = rule
    return current.name


def next_stage_dpd(strategy: Strategy, dpd: int, *, refused: bool = False) -> int | None:
    """The first DPD after `dpd` at which `stage_for` gives another stage, or None when the
    case is in its last stage (for a customer who has, or has not, `refused`)."""
    later = (
        rule.from_dpd
        for rule in strategy.stages[1:]
        if rule.from_dpd > dpd and (refused or not rule.requires_refusal)
    )
    return min(later, default=None)


def cadence_for(strategy: Strategy, stage: Stage, tier: RiskTier) -> tuple[CadenceStep, ...]:
    """The cadence of `stage` for risk `tier`; empty for a stage without contact."""
    rule = stage_rule(strategy, stage)
    return tuple(rule.cadence.of(tier)) if rule.cadence else ()


class ContactDue(NamedTuple):
    """A contact to make. Channel `call` is an agent call task, the others are messages."""

    channel: Channel
    step_key: str


def contacts_due(
    strategy: Strategy, stage: Stage, tier: RiskTier, days_in_stage: int
) -> list[ContactDue]:
    """The contacts asked for on day `days_in_stage` since stage entry, one per channel, in
    cadence order. `step_key` (`early.d7.sms`) names stage, day and channel but not the
    tier, so a case rescored in the middle of a day is not contacted twice for that day."""
    due: dict[Channel, ContactDue] = {}
    for step in cadence_for(strategy, stage, tier):
        if _fires_on(step, days_in_stage):
            for channel in step.channels:
                due.setdefault(channel, ContactDue(channel, f"{stage}.d{days_in_stage}.{channel}"))
    return list(due.values())


def next_contact_day(strategy: Strategy, stage: Stage, tier: RiskTier, from_day: int) -> int | None:
    """The first day since stage entry, `from_day` or later, with a contact due; None when
    the cadence asks for nothing more. Lets a case sleep until then instead of polling."""
    days = (_next_firing(step, from_day) for step in cadence_for(strategy, stage, tier))
    return min((day for day in days if day is not None), default=None)


def first_call_day(strategy: Strategy, stage: Stage, tier: RiskTier) -> int | None:
    """The first day since stage entry with an agent call task, or None if there is none."""
    steps = cadence_for(strategy, stage, tier)
    return min((step.day for step in steps if "call" in step.channels), default=None)


def _fires_on(step: CadenceStep, day: int) -> bool:
    if day == step.day:
        return True
    return (
        step.every_days is not None and day > step.day and (day - step.day) % step.every_days == 0
    )


def _next_firing(step: CadenceStep, from_day: int) -> int | None:
    if from_day <= step.day:
        return step.day
    if step.every_days is None:
        return None
    periods = -(-(from_day - step.day) // step.every_days)
    return step.day + periods * step.every_days


@dataclass(frozen=True)
class CaseFlags:
    """What the escalation rules look at besides DPD and tier. `done` maps each escalation
    already taken to the DPD on which it was taken."""

    refused: bool = False
    has_active_promise: bool = False
    has_active_plan: bool = False
    has_open_dispute: bool = False
    in_hardship: bool = False
    done: Mapping[EscalationStep, int] = field(default_factory=dict)
    agreements_hold_all: bool = False
    """An active promise, plan, hardship pause or dispute holds back every escalation,
    whatever its `blocked_by` lists (cases started before this rule leave it False)."""

    def holds(self, blocked_by: list[Blocker]) -> bool:
        """Whether an escalation blocked by `blocked_by` is held back now."""
        active = self.active_blockers()
        return bool(active) if self.agreements_hold_all else bool(active & set(blocked_by))

    def active_blockers(self) -> set[Blocker]:
        active: dict[Blocker, bool] = {
            "promise": self.has_active_promise,
            "plan": self.has_active_plan,
            "dispute": self.has_open_dispute,
            "hardship": self.in_hardship,
        }
        return {blocker for blocker, on in active.items() if on}


@dataclass(frozen=True)
class EscalationDue:
    """An escalation to take now; `rule` is its path in the strategy file."""

    step: EscalationStep
    rule: str
    strategy_version: str


def escalations_due(
    strategy: Strategy, dpd: int, tier: RiskTier, flags: CaseFlags
) -> list[EscalationDue]:
    """The escalations to take at `dpd` for risk `tier`, in strategy order. One is due once
    `dpd` reaches its DPD for the tier, unless it was taken already, needs a refusal that
    has not happened, is blocked by an active promise, plan, dispute or hardship pause, or
    waits on another escalation not yet taken or taken less than `wait_days` ago."""
    due: list[EscalationDue] = []
    for step, rule in strategy.escalations.items():
        if step in flags.done or dpd < rule.dpd.of(tier):
            continue
        if (rule.requires_refusal and not flags.refused) or flags.holds(rule.blocked_by):
            continue
        if rule.after is not None:
            taken_at = flags.done.get(rule.after.step)
            if taken_at is None or dpd < taken_at + rule.after.wait_days:
                continue
        due.append(EscalationDue(step, f"escalations.{step}.dpd.{tier}", strategy.version))
    return due


def next_escalation_dpd(
    strategy: Strategy, dpd: int, tier: RiskTier, flags: CaseFlags
) -> int | None:
    """The first DPD after `dpd` at which `escalations_due` has something to take while
    `flags` stay as they are, or None if nothing would ever fall due. A step waiting on
    another not yet taken counts only once that one is taken (a change of `flags`)."""
    candidates: list[int] = []
    for step, rule in strategy.escalations.items():
        if step in flags.done:
            continue
        if (rule.requires_refusal and not flags.refused) or flags.holds(rule.blocked_by):
            continue
        due_from = rule.dpd.of(tier)
        if rule.after is not None:
            taken_at = flags.done.get(rule.after.step)
            if taken_at is None:
                continue
            due_from = max(due_from, taken_at + rule.after.wait_days)
        candidates.append(max(due_from, dpd + 1))
    return min(candidates, default=None)


def promise_horizon_ok(strategy: Strategy, today: date, due_date: date) -> bool:
    """Whether a promise made `today` to pay by `due_date` is within the strategy's horizon:
    not in the past and at most `promise_max_horizon_days` ahead."""
    return today <= due_date <= today + timedelta(days=strategy.promise_max_horizon_days)


def promise_deadline(strategy: Strategy, due_date: date) -> date:
    """The last day a payment still keeps a promise due on `due_date` (the tolerance)."""
    return due_date + timedelta(days=strategy.promise_tolerance_days)


def cooling_off_ends(strategy: Strategy, reported_on: date) -> date:
    """The day collection may resume after hardship reported on `reported_on`."""
    return reported_on + timedelta(days=strategy.hardship_cooling_off_days)
