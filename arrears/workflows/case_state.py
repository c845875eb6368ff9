"""The state of one collection case and the pure transitions on it.

No Temporal import: the workflow owns one `CaseState`, feeds it the clock and the commands,
and persists what it records. Every change appends a timeline event, so the state and its
story never disagree.
"""

from dataclasses import dataclass, field
from datetime import datetime

from arrears.contracts import (
    Allocation,
    CaseOpening,
    CaseStatus,
    CaseView,
    ClosedReason,
    NextAction,
    Payment,
    PaymentRecord,
    RecordedEvent,
    RiskScore,
    Stage,
    TimelineEvent,
)
from arrears.workflows import calendar
from arrears.workflows.ladder import stage_for
from arrears.workflows.money import Ledger, apply_payment


@dataclass
class CaseState:
    opening: CaseOpening
    opened_at: datetime
    ledger: Ledger
    dpd: int
    stage: Stage
    status: CaseStatus = "open"
    closed_reason: ClosedReason | None = None
    risk: RiskScore | None = None
    paid: int = 0
    excess: int = 0
    next_action: NextAction | None = None
    payment_ids: set[str] = field(default_factory=set)
    timeline: list[TimelineEvent] = field(default_factory=list)
    unsynced_payments: list[PaymentRecord] = field(default_factory=list)
    synced_events: int = 0

    @classmethod
    def open(cls, opening: CaseOpening, now: datetime) -> "CaseState":
        dpd = calendar.days_past_due(opening.due_date, now, opening.customer.timezone)
        state = cls(
            opening=opening,
            opened_at=now,
            ledger=Ledger.from_amounts(opening.due),
            dpd=dpd,
            stage=stage_for(dpd),
        )
        state.next_action = NextAction(kind="score_risk", at=now)
        state.record(now, "case_opened", stage=state.stage, dpd=dpd)
        return state

    @property
    def loan_id(self) -> str:
        return self.opening.loan_id

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def record(
        self, at: datetime, type_: str, *, rule: str | None = None, **fields: object
    ) -> None:
        """Append a timeline event. `fields` are the event's own and carry no personal data."""
        self.timeline.append(TimelineEvent(at=at, type=type_, rule=rule, **fields))

    def take_payment(
        self, payment: Payment, now: datetime, via: str
    ) -> tuple[bool, Allocation | None]:
        """Apply `payment` once per payment_id. Returns (applied, allocation)."""
        if payment.payment_id in self.payment_ids:
            return False, None
        self.payment_ids.add(payment.payment_id)
        self.ledger, allocation = apply_payment(self.ledger, payment.amount)
        self.paid += payment.amount - allocation.excess
        self.excess += allocation.excess
        self.unsynced_payments.append(
            PaymentRecord(
                payment_id=payment.payment_id,
                amount=payment.amount,
                currency=self.opening.currency,
                allocation=allocation,
                paid_at=payment.paid_at,
                applied_at=now,
                via=via,
            )
        )
        self.record(
            now,
            "payment_applied",
            payment_id=payment.payment_id,
            amount=payment.amount,
            balance=self.ledger.total,
            excess=allocation.excess,
        )
        return True, allocation

    def advance_clock(self, now: datetime) -> bool:
        """Re-read DPD and stage at `now`. Returns whether the stage changed."""
        self.dpd = calendar.days_past_due(
            self.opening.due_date, now, self.opening.customer.timezone
        )
        stage = stage_for(self.dpd)
        if stage == self.stage:
            return False
        self.stage = stage
        self.record(now, "stage_changed", stage=stage, dpd=self.dpd, rule=f"ladder.{stage}")
        return True

    def close(self, now: datetime, reason: ClosedReason, **fields: object) -> None:
        self.status = "closed"
        self.closed_reason = reason
        self.next_action = None
        given = {name: value for name, value in fields.items() if value is not None}
        self.record(now, "case_closed", reason=reason, **given)

    def unsynced_events(self) -> list[RecordedEvent]:
        return [
            RecordedEvent(seq=seq, event=event)
            for seq, event in enumerate(self.timeline[self.synced_events :], self.synced_events)
        ]

    def view(self) -> CaseView:
        return CaseView(
            loan_id=self.loan_id,
            status=self.status,
            stage=self.stage,
            dpd=self.dpd,
            currency=self.opening.currency,
            due_date=self.opening.due_date,
            balance=self.ledger.as_balance(),
            paid=self.paid,
            excess=self.excess,
            risk=self.risk,
            closed_reason=self.closed_reason,
            next_action=self.next_action,
            opened_at=self.opened_at,
        )
