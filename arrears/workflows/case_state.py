"""The state of one collection case and the pure transitions on it.

No Temporal import: the workflow owns one `CaseState`, feeds it the clock and the commands,
and persists what it records. Every change appends a timeline event, so the state and its
story never disagree. The state is a pydantic model so that continue-as-new carries it
whole (and a reopened case's new run: `reopening`).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from arrears import strategy as rules
from arrears.actors import Actor
from arrears.commands import ReversePayment
from arrears.contracts import (
    Allocation,
    CaseOpening,
    CaseStatus,
    CaseView,
    Channel,
    ClosedReason,
    ContactPurpose,
    Dispute,
    NextAction,
    Payment,
    PaymentRecord,
    Plan,
    Promise,
    RecordedEvent,
    ReversalRecord,
    RiskScore,
    RiskTier,
    Stage,
    TimelineEvent,
)
from arrears.fields import UtcDatetime
from arrears.strategy import Strategy
from arrears.workflows import calendar
from arrears.workflows.case_commands import BreathingSpace, CaseCommands
from arrears.workflows.ladder import stage_for
from arrears.workflows.money import Ledger, apply_payment
from arrears.workflows.recoveries import take_recovery, takes_recovery
from arrears.workflows.regulation_f import RegulationF
from arrears.workflows.settlement import held_interest, interest_forgiven, settle
from arrears.workflows.used_ids import (
    MAX_EARLIER_OPENINGS,
    OpeningFacts,
    PriorIds,
    UsedIds,
)


class PendingContact(BaseModel):
    """A contact the strategy asked for, waiting for its time (and the contact window).

    `fallback` lists the channels to try, in order, when this one cannot reach the customer
    (no address on file, or ceased). `notice` names the escalation this message gives
    notice of (`bureau_pre_notice`): that escalation counts only once the notice is sent.
    """

    step_key: str
    channel: Channel
    template: str
    not_before: UtcDatetime
    deferred: bool = False
    fallback: list[Channel] = Field(default_factory=list)
    notice: str | None = None
    contact_point: str | None = None
    """The point it goes to: `person:<ref>` for a contact person; None for the channel's own
    (SMS and calls: the debtor's phone)."""
    purpose: ContactPurpose | None = None
    """What the gate is told it is for; None: `notice` for a notice, else `collection`."""


class CaseState(CaseCommands, BaseModel):
    opening: CaseOpening
    opened_at: UtcDatetime
    strategy: Strategy | None = None
    ledger: Ledger
    dpd: int
    stage: Stage
    stage_entered_on: date | None = None
    status: CaseStatus = "open"
    closed_reason: ClosedReason | None = None
    risk: RiskScore | None = None
    paid: int = 0
    excess: int = 0
    waived: int = 0
    waiver_offered: int = 0
    next_action: NextAction | None = None
    payment_ids: set[str] = Field(default_factory=set)
    promise_ids: set[str] = Field(default_factory=set)
    promise: Promise | None = None
    broken_promises: int = 0
    plan: Plan | None = None
    dispute: Dispute | None = None
    hardship_until: date | None = None
    ceased_channels: set[Channel] = Field(default_factory=set)
    invalid_points: set[str] = Field(default_factory=set)
    """Contact points known not to reach the customer (`phone` after a wrong number): the
    door sends nothing there until the customer's facts change (`customer_follow`)."""
    vulnerability: str | None = None
    """The kind of vulnerability an agent flagged (`illness`, ...), or None; the contact
    gate turns it into a pause or softer contact, by the jurisdiction's profile."""
    breathing_space: BreathingSpace | None = None
    contact_gate: bool = False
    """Set by runs whose contacts ask the contact gate with the case's facts (`door`)."""
    reasons_decide: bool = False
    """Set by runs where a call outcome's reason decides the path (`outcome_paths`)."""
    contact_lost: bool = False
    """The debtor cannot be reached on the phone (three unanswered calls in a row, or a
    reason `lost_contact`) since the last conversation."""
    declined_persons: set[str] = Field(default_factory=set)
    """Refs of contact persons who declined to help or asked not to be called: never
    contacted again (`contact_persons`)."""
    refused: bool = False
    contacts_done: set[str] = Field(default_factory=set)
    pending_contacts: list[PendingContact] = Field(default_factory=list)
    sending: str | None = None
    """The step key of the contact on its way to the customer (its send awaited), if any."""
    withdrawn_while_sending: str | None = None
    """The rule that took back the contact `sending` while it was on its way: told only
    if it did not leave (`door.record_outcome`)."""
    escalations_done: dict[str, int] = Field(default_factory=dict)
    notices_undelivered: set[str] = Field(default_factory=set)
    dpd_held_days: int = 0
    """Days not counted in DPD: those a plan performed under `dpd_during_plan: frozen`."""
    dpd_frozen_on: date | None = None
    """The customer-local day DPD froze, while a plan performs under `frozen`."""
    episode: int = 1
    """Which case of the loan this is: a loan that cured and fell behind again gets a new
    case, the next episode of the same workflow id."""
    recovered: int = 0
    applied_payments: dict[str, PaymentRecord] = Field(default_factory=dict)
    """Each payment applied, by payment_id, as it was allocated: what a reversal puts back."""
    reversed_payments: set[str] = Field(default_factory=set)
    unsynced_reversals: list[ReversalRecord] = Field(default_factory=list)
    adjustment_ids: set[str] = Field(default_factory=set)
    excess_applied: dict[str, int] = Field(default_factory=dict)
    """Excess (money held to be owed back) that paid what reversals made owed again, by
    component; a later reversal of the payment that brought it takes it back."""
    takes_recoveries: bool = False
    """Set by runs that linger after a write-off to take recoveries (`recoveries`)."""
    recovery_until: UtcDatetime | None = None
    settles_by_component: bool = False
    """Set by runs where a waiver forgives only the interest it waived (`settlement`); runs
    from before forgave whatever was left, whichever component (their histories replay)."""
    agreements_hold_every_escalation: bool = False
    """Set by runs that hold back every escalation, write-off included, while a promise,
    plan, hardship pause or dispute is active, whatever the strategy's `blocked_by` says;
    runs from before that rule keep the strategy's own blockers (their histories replay)."""
    regulation_f: RegulationF | None = None
    """A US case's Regulation F facts (`regulation_f`), from the `us-validation-notice`
    patch on; None elsewhere and for runs from before it (their histories replay)."""
    used_ids: UsedIds = Field(default_factory=UsedIds)
    earlier_openings: list[OpeningFacts] = Field(default_factory=list)
    """The openings of the loan's earlier cases (episodes), oldest first."""
    """What each payment and promise id was first sent with, and the Idempotency-Keys
    answered (`used_ids`)."""
    timeline: list[TimelineEvent] = Field(default_factory=list)
    unsynced_payments: list[PaymentRecord] = Field(default_factory=list)
    synced_events: int = 0

    @classmethod
    def open(
        cls,
        opening: CaseOpening,
        now: datetime,
        strategy: Strategy | None = None,
        *,
        episode: int = 1,
    ) -> "CaseState":
        dpd = calendar.days_past_due(opening.due_date, now, opening.customer.timezone)
        stage = rules.stage_for(strategy, dpd) if strategy else stage_for(dpd)
        state = cls(
            opening=opening,
            opened_at=now,
            strategy=strategy,
            ledger=Ledger.from_amounts(opening.due),
            dpd=dpd,
            stage=stage,
            stage_entered_on=calendar.local_date(now, opening.customer.timezone),
            episode=episode,
        )
        state.next_action = NextAction(kind="score_risk", at=now)
        extra = {"strategy": strategy.version} if strategy else {}
        if episode > 1:
            extra["episode"] = episode
        state.record(now, "case_opened", stage=state.stage, dpd=dpd, **extra)
        return state

    # Facts.

    @property
    def loan_id(self) -> str:
        return self.opening.loan_id

    @property
    def case_key(self) -> str:
        """The case's prefix for idempotency keys of its contacts and hand-offs: the loan,
        and from a loan's second case (`episode`) on, the episode, so that a new case's
        reminders are not taken for the old case's, already sent."""
        return self.loan_id if self.episode == 1 else f"{self.loan_id}~{self.episode}"

    @property
    def tz(self) -> str:
        return self.opening.customer.timezone

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def tier(self) -> RiskTier:
        """The risk tier that picks the strategy's path; medium until the case is scored."""
        return self.risk.tier if self.risk else "medium"

    def days_past_due(self, now: datetime) -> int:
        """DPD at `now`, customer-local, less the days held (frozen while a plan performs)."""
        counted_to = now
        if self.dpd_frozen_on is not None:
            counted_to = calendar.start_of_local_day(self.dpd_frozen_on, self.tz)
        return calendar.days_past_due(
            self.opening.due_date, counted_to, self.tz, held_days=self.dpd_held_days
        )

    @property
    def counting_due_date(self) -> date:
        """The due date DPD now counts from: the real one moved on by the held days."""
        return self.opening.due_date + timedelta(days=self.dpd_held_days)

    def today(self, now: datetime) -> date:
        return calendar.local_date(now, self.tz)

    def in_hardship(self, now: datetime) -> bool:
        return self.hardship_until is not None and self.today(now) < self.hardship_until

    def in_breathing_space(self, now: datetime) -> bool:
        space = self.breathing_space
        return space is not None and space.started_on <= self.today(now) < space.until

    def breathing_space_ends_at(self) -> datetime | None:
        """The instant (UTC) a Breathing Space ends: the customer-local midnight of `until`."""
        if self.breathing_space is None:
            return None
        return calendar.start_of_local_day(self.breathing_space.until, self.tz)

    def pause_reason(self, now: datetime) -> str | None:
        """Why routine collection is paused now, or None: the first of Breathing Space,
        dispute, promise, plan and hardship that holds."""
        if self.in_breathing_space(now):
            return "breathing_space"
        if self.dispute is not None:
            return "dispute"
        if self.promise is not None and self.promise.status == "active":
            return "promise"
        if self.plan is not None and self.plan.status == "performing":
            return "plan"
        if self.in_hardship(now):
            return "hardship"
        return None

    # Timeline.

    def record(
        self, at: datetime, type_: str, *, rule: str | None = None, **fields: object
    ) -> None:
        """Append a timeline event. `fields` are the event's own and carry no personal data;
        those that are None are left out."""
        given = {name: value for name, value in fields.items() if value is not None}
        self.timeline.append(TimelineEvent(at=at, type=type_, rule=rule, **given))

    @contextmanager
    def acting(self, actor: Actor | None) -> Iterator[None]:
        """Name `actor` as `actor` on every event recorded within: those of one command,
        and of what it set in motion at once. A command without one names nobody."""
        since = len(self.timeline)
        try:
            yield
        finally:
            self.name_actor(actor, since=since)

    def name_actor(self, actor: Actor | None, *, since: int) -> None:
        """Name `actor` on the events recorded from position `since` on."""
        if actor is not None:
            for event in self.timeline[since:]:
                event.actor = actor.model_dump()

    def unsynced_events(self) -> list[RecordedEvent]:
        return [
            RecordedEvent(seq=seq, event=event)
            for seq, event in enumerate(self.timeline[self.synced_events :], self.synced_events)
        ]

    # A loan's cases.

    def inherit(self, prior: PriorIds) -> None:
        """Take over what the loan's earlier cases took (`PriorIds`), as this case's own."""
        self.used_ids = prior.used.model_copy(deep=True)
        self.payment_ids |= prior.payment_ids
        self.promise_ids |= prior.promise_ids
        self.adjustment_ids |= prior.adjustment_ids
        self.earlier_openings = list(prior.openings)

    def ids_in_use(self) -> PriorIds:
        """What this case took, with its earlier cases', for the loan's next case."""
        openings = [*self.earlier_openings, OpeningFacts.of(self.opening)]
        return PriorIds(
            used=self.used_ids,
            payment_ids=self.payment_ids,
            promise_ids=self.promise_ids,
            adjustment_ids=self.adjustment_ids,
            openings=openings[-MAX_EARLIER_OPENINGS:],
        )

    # Payments.

    def take_payment(
        self, payment: Payment, now: datetime, via: str
    ) -> tuple[bool, Allocation | None]:
        """Apply `payment` once per payment_id. Returns (applied, allocation).

        A payment may keep a promise, advance a plan, or settle the case when it covers
        everything but the interest an open waiver offer forgives.
        """
        if takes_recovery(self, now):
            return take_recovery(self, payment, now, via)
        if payment.payment_id in self.payment_ids:
            return False, None
        self.payment_ids.add(payment.payment_id)
        by_component = self.settles_by_component and self.is_open
        held = held_interest(self.ledger, self.waiver_offered) if by_component else 0
        self.ledger, allocation = apply_payment(self.ledger, payment.amount, held_interest=held)
        forgiven = interest_forgiven(self.ledger, self.waiver_offered) if by_component else 0
        if forgiven:
            allocation = allocation.model_copy(update={"interest_waived": forgiven})
        self.paid += payment.amount - allocation.excess
        self.excess += allocation.excess
        self.book_payment(payment, allocation, now, via)
        self.record(
            now,
            "payment_applied",
            payment_id=payment.payment_id,
            amount=payment.amount,
            balance=self.ledger.total,
            excess=allocation.excess,
        )
        self._after_payment(now, forgiven)
        return True, allocation

    def book_payment(
        self,
        payment: Payment,
        allocation: Allocation,
        now: datetime,
        via: Literal["signal", "update"],
        *,
        recovery: bool = False,
    ) -> None:
        """Keep an applied payment: what its id was sent with, for PostgreSQL at the next
        sync, and for its reversal."""
        self.used_ids.remember_payment(payment, self.opening.currency)
        record = PaymentRecord(
            payment_id=payment.payment_id,
            amount=payment.amount,
            currency=self.opening.currency,
            allocation=allocation,
            paid_at=payment.paid_at,
            applied_at=now,
            via=via,
            recovery=recovery,
        )
        self.unsynced_payments.append(record)
        self.applied_payments[payment.payment_id] = record

    def _after_payment(self, now: datetime, forgiven: int = 0) -> None:
        promise = self.promise
        if (
            promise
            and promise.status == "active"
            and self.paid - promise.paid_before >= promise.amount
        ):
            promise.status = "kept"
            self.record(now, "promise_kept", promise_id=promise.promise_id, **self._version())
        plan = self.plan
        if plan and plan.status == "performing" and self.ledger.total == 0:
            plan.status = "completed"
            self.thaw_dpd(now)
            self.record(now, "plan_completed", **self._version())
        if not self.is_open:
            return
        if self.ledger.total == 0:
            self.close(now, "paid")
        elif self.settles_by_component:
            if forgiven:
                settle(self, forgiven, now)
        elif 0 < self.ledger.total <= self.waiver_offered:
            # The customer paid everything but the interest the offer forgives.
            waived = self.ledger.total
            self.waived += waived
            self.ledger = Ledger(principal=0, interest=0, fees=0)
            self.record(
                now,
                "interest_waived",
                amount=waived,
                rule="offers.interest_waiver",
                **self._version(),
            )
            self.close(now, "settled")

    # The clock.

    def advance_clock(self, now: datetime) -> bool:
        """Re-read DPD and stage at `now`. Returns whether the stage changed."""
        self.dpd = self.days_past_due(now)
        if self.strategy is None:
            stage = stage_for(self.dpd)
        else:
            stage = rules.stage_for(self.strategy, self.dpd, refused=self.refused)
        if stage == self.stage:
            return False
        self.stage = stage
        self.stage_entered_on = self.today(now)
        self.record(
            now,
            "stage_changed",
            stage=stage,
            dpd=self.dpd,
            rule=f"ladder.{stage}",
            **self._version(),
        )
        return True

    def days_in_stage(self, now: datetime) -> int:
        entered = self.stage_entered_on or self.today(self.opened_at)
        return (self.today(now) - entered).days

    def review_commitments(self, now: datetime) -> None:
        """Break a promise or a plan whose date plus tolerance has passed unpaid; end a
        hardship pause whose cooling-off is over."""
        today = self.today(now)
        tolerance = timedelta(days=self.strategy.promise_tolerance_days if self.strategy else 2)
        promise = self.promise
        if promise and promise.status == "active" and today > promise.due_date + tolerance:
            promise.status = "broken"
            self.broken_promises += 1
            self.record(
                now,
                "promise_broken",
                promise_id=promise.promise_id,
                broken_promises=self.broken_promises,
                rule="promise.tolerance",
                **self._version(),
            )
            if self.broken_promises >= 2 and not self.refused:
                self._mark_refusing(now, "promise.broken_twice")
        plan = self.plan
        if plan and plan.status == "performing":
            owed = sum(i.amount for i in plan.instalments if i.due_date + tolerance < today)
            if self.paid - plan.paid_before < owed:
                plan.status = "broken"
                self.thaw_dpd(now)
                self.record(
                    now,
                    "plan_broken",
                    rule="plan.missed_instalment",
                    dpd=self.dpd if self.dpd_held_days else None,
                    **self._version(),
                )
        if self.hardship_until is not None and today >= self.hardship_until:
            self.hardship_until = None
            self.record(now, "hardship_ended", **self._version())
            self.make_offers(now, hardship=True)
        space = self.breathing_space
        if space is not None and today >= space.until:
            self.breathing_space = None
            self.record(now, "breathing_space_ended", rule="UK.breathing_space.ended")

    def thaw_dpd(self, now: datetime) -> None:
        """DPD counts again from where it stood: the days it was frozen are held."""
        if self.dpd_frozen_on is None:
            return
        self.dpd_held_days += (self.today(now) - self.dpd_frozen_on).days
        self.dpd_frozen_on = None
        self.dpd = self.days_past_due(now)

    def _mark_refusing(self, now: datetime, rule: str) -> None:
        self.refused = True
        self.record(now, "refusal_recorded", rule=rule, **self._version())

    def make_offers(self, now: datetime, *, hardship: bool = False) -> None:
        """Record the offers the strategy makes now, with exact amounts. An interest waiver
        stands until the next offers: paying all but its forgiven interest settles."""
        if self.strategy is None:
            return
        offers = rules.offers_for(
            self.strategy,
            self.stage,
            self.tier,
            self.ledger.as_balance(),
            jurisdiction=self.opening.jurisdiction,
            hardship=hardship,
        )
        if not hardship:
            self.waiver_offered = next((o.waived for o in offers if o.kind == "interest_waiver"), 0)
        for offer in offers:
            self.record(
                now,
                "offer_made",
                kind=offer.kind,
                pay=offer.pay,
                waived=offer.waived,
                months=offer.months,
                extension_days=offer.extension_days,
                rule=offer.rule,
                strategy=offer.strategy_version,
            )

    def close(self, now: datetime, reason: ClosedReason, **fields: object) -> None:
        self.status = "closed"
        self.closed_reason = reason
        self.next_action = None
        self.record(now, "case_closed", reason=reason, **fields)

    def _version(self) -> dict[str, str]:
        return {"strategy": self.strategy.version} if self.strategy else {}

    # The view.

    def view(self, now: datetime | None = None) -> CaseView:
        """The case as anyone may see it; with `now`, an open case's DPD is the one at
        `now` (a case sleeping until something is due last counted it when it woke)."""
        dpd = self.dpd
        if now is not None and self.is_open:
            dpd = self.days_past_due(now)
        return CaseView(
            loan_id=self.loan_id,
            status=self.status,
            stage=self.stage,
            dpd=dpd,
            currency=self.opening.currency,
            due_date=self.opening.due_date,
            timezone=self.tz,
            balance=self.ledger.as_balance(),
            paid=self.paid,
            excess=self.excess,
            risk=self.risk,
            closed_reason=self.closed_reason,
            # A closed case does nothing more (one taking recoveries only waits for money).
            next_action=self.next_action if self.is_open else None,
            opened_at=self.opened_at,
            strategy_version=self.strategy.version if self.strategy else None,
            promise=self.promise,
            plan=self.plan,
            dispute=self.dispute,
            hardship_until=self.hardship_until,
            ceased_channels=sorted(self.ceased_channels),
            invalid_contact_points=sorted(self.invalid_points),
            vulnerability=self.vulnerability,
            breathing_space_until=self.breathing_space.until if self.breathing_space else None,
            broken_promises=self.broken_promises,
            refused=self.refused,
            escalations=list(self.escalations_done),
            dpd_held_days=self.dpd_held_days,
            dpd_frozen=self.dpd_frozen_on is not None,
            recovered=self.recovered,
            episode=self.episode,
        )


class CaseStart(BaseModel):
    """The workflow's input: the bank's opening, when it was received, and the strategy the
    case will follow (None for cases opened before strategies, which keep the foundation
    ladder). After continue-as-new, `carried` is the whole state of the previous run."""

    opening: CaseOpening
    received_at: UtcDatetime
    strategy: Strategy | None = None
    carried: CaseState | None = None
    episode: int = 1
    """Which case of the loan this is (`CaseState.episode`); 1 for its first."""
    prior: PriorIds | None = None
    """From the second episode on, what the loan's earlier cases took (`PriorIds`)."""
    reopening: ReversePayment | None = None
    """The reversal that reopens the closed case `carried` (`reopening`): the new run
    applies it at once, at `received_at`."""
    actor: Actor | None = None
    """Who opened the case, or sent `reopening`, over HTTP (`arrears.actors`)."""

    @classmethod
    def reopening_of(
        cls,
        closed: CaseState,
        reversal: ReversePayment,
        received_at: datetime,
        actor: Actor | None = None,
    ) -> "CaseStart":
        """The input of the run that a reversal of `closed`'s payment reopens it with: the
        closed run's whole state, and the reversal to apply at `received_at`."""
        return cls(
            opening=closed.opening,
            received_at=received_at,
            strategy=closed.strategy,
            carried=closed,
            reopening=ReversePayment(payment_id=reversal.payment_id, reason=reversal.reason),
            actor=actor,
        )
