"""Commands on a case: the checks that accept or reject them, and their effect on state.

A mixin of `CaseState` (it works on the state's own fields). Each `check_*` raises
`CommandRejected` and changes nothing, so an update validator can call it; the matching
method applies the command, records it on the timeline and returns whether it changed the
case.
"""

from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel

from arrears import strategy as rules
from arrears.commands import (
    AgreePlan,
    CeaseContact,
    ClearVulnerability,
    FlagVulnerability,
    OpenDispute,
    PromiseToPay,
    RecordContactOutcome,
    ReportHardship,
    ResolveDispute,
    StartBreathingSpace,
    StrategyMigration,
)
from arrears.contracts import Channel, CloseCase, Dispute, Instalment, Payment, Plan, Promise
from arrears.fields import MAX_MINOR_UNITS
from arrears.strategy.model import LEGAL_MAX_PLAN_MONTHS
from arrears.workflows.offer_checks import plan_refusal
from arrears.workflows.regulation_f import dispute_facts

ALL_CHANNELS: tuple[Channel, ...] = ("sms", "email", "call")

PLAN_START_HORIZON = timedelta(days=92)
"""A plan's first payment is due at most about a quarter ahead: a later start is no plan
but a moratorium, which collection cannot grant by itself."""

PAID_AT_SKEW = timedelta(days=1)
"""How far ahead of the case's clock a payment's `paid_at` may lie (other systems' clocks
and time zones), and no further."""

MAX_RECEIVED = 10 * MAX_MINOR_UNITS
"""The most a case takes in all, paid and excess together; beyond it a payment is refused."""

PAYMENT_RULES = {
    "CurrencyMismatch": "payment.currency_mismatch",
    "PaidAtInFuture": "payment.paid_at_in_future",
    "PaymentTooLarge": "payment.too_large",
    "IdReused": "payment.id_reused",
}
"""The rule recorded when a signalled payment is refused, by the kind of refusal."""


class BreathingSpace(BaseModel):
    """A Breathing Space moratorium (Debt Respite Scheme (Breathing Space Moratorium and
    Mental Health Crisis Moratorium) (England and Wales) Regulations 2020): `until` is the
    customer-local day collection may resume (the moratorium's last day plus one)."""

    kind: Literal["standard", "mental_health_crisis"]
    started_on: date
    until: date
    reference: str


class CommandRejected(ValueError):
    """A command that is well-formed but wrong for the case now; `kind` names why and
    `details` are facts the answer carries (the fields an `IdReused` id changes)."""

    details: tuple[object, ...] = ()

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class CaseCommands:
    # Commands. Each `check_*` raises CommandRejected and changes nothing; the matching
    # method applies the command and returns whether it changed the case.

    def require_open(self) -> None:
        if not self.is_open:
            raise CommandRejected("CaseClosed", f"case is closed ({self.closed_reason})")

    def check_payment(self, payment: Payment, now: datetime) -> None:
        """A payment the case can take: in its currency, not paid in the future, and not
        beyond what any case may receive (`MAX_RECEIVED`). Open or closed: money that
        arrives after closure is recorded (as excess, owed back)."""
        currency = self.opening.currency
        if payment.currency is not None and payment.currency != currency:
            raise CommandRejected(
                "CurrencyMismatch",
                f"currency {payment.currency} does not match the case currency {currency}",
            )
        if payment.paid_at is not None and payment.paid_at > now + PAID_AT_SKEW:
            raise CommandRejected("PaidAtInFuture", f"paid_at {payment.paid_at} is in the future")
        if self.paid + self.excess + payment.amount > MAX_RECEIVED:
            raise CommandRejected(
                "PaymentTooLarge", f"the case can take at most {MAX_RECEIVED} in all"
            )

    def check_promise(self, command: PromiseToPay, now: datetime) -> None:
        self.require_open()
        if command.promise_id in self.promise_ids:
            return
        if self.promise is not None and self.promise.status == "active":
            raise CommandRejected(
                "PromiseActive",
                f"promise {self.promise.promise_id} is still active until "
                f"{self.promise.due_date}; one active promise per case",
            )
        if self.dispute is not None:
            raise CommandRejected("DisputeOpen", "the debt is disputed; collection is stopped")
        horizon = self.strategy.promise_max_horizon_days if self.strategy else 30
        today = self.today(now)
        if not today <= command.due_date <= today + timedelta(days=horizon):
            raise CommandRejected(
                "PromiseDateOutOfRange",
                f"due_date must be between {today} and {today + timedelta(days=horizon)}",
            )
        if command.amount > self.ledger.total:
            raise CommandRejected(
                "PromiseTooLarge", f"amount exceeds the balance of {self.ledger.total}"
            )

    def make_promise(self, command: PromiseToPay, now: datetime) -> bool:
        if command.promise_id in self.promise_ids:
            return False
        self.promise_ids.add(command.promise_id)
        self.used_ids.remember_promise(command)
        self.promise = Promise(
            promise_id=command.promise_id,
            amount=command.amount,
            due_date=command.due_date,
            made_at=now,
            paid_before=self.paid,
        )
        self.record(
            now,
            "promise_made",
            promise_id=command.promise_id,
            amount=command.amount,
            due_date=command.due_date,
            **self._version(),
        )
        return True

    def check_hardship(self, command: ReportHardship) -> None:
        self.require_open()

    def report_hardship(self, command: ReportHardship, now: datetime) -> bool:
        days = self.strategy.hardship_cooling_off_days if self.strategy else 14
        self.hardship_until = self.today(now) + timedelta(days=days)
        self.record(
            now,
            "hardship_reported",
            reason=command.reason,
            until=self.hardship_until,
            rule="hardship.cooling_off",
            **self._version(),
        )
        return True

    def check_plan(self, command: AgreePlan, now: datetime) -> None:
        self.require_open()
        if self.dispute is not None:
            raise CommandRejected("DisputeOpen", "the debt is disputed; resolve it first")
        if self.plan is not None and self.plan.status == "performing":
            raise CommandRejected("PlanActive", "a plan is already performing")
        today = self.today(now)
        if command.first_due_date < today:
            raise CommandRejected("PlanDateInPast", "first_due_date is in the past")
        if command.first_due_date > today + PLAN_START_HORIZON:
            raise CommandRejected(
                "PlanDateTooFar",
                f"first_due_date must be at most {PLAN_START_HORIZON.days} days ahead "
                f"(by {today + PLAN_START_HORIZON})",
            )
        if command.kind == "instalments":
            longest = LEGAL_MAX_PLAN_MONTHS.get(self.opening.jurisdiction)
            try:
                if self.strategy is not None:
                    rules.validate_plan(
                        self.strategy, self.opening.jurisdiction, command.instalments
                    )
                elif longest is not None and command.instalments > longest:
                    raise ValueError(f"at most {longest} months in {self.opening.jurisdiction}")
            except ValueError as error:
                raise CommandRejected("PlanNotAllowed", str(error)) from error
        if self.ledger.total < command.instalments:
            raise CommandRejected("PlanTooLong", "more instalments than minor units owed")
        self.check_plan_offered(command, now)

    def agree_plan(self, command: AgreePlan, now: datetime) -> bool:
        amounts = rules.instalments(self.ledger.total, command.instalments)
        schedule = [
            Instalment(due_date=_add_months(command.first_due_date, n), amount=amount)
            for n, amount in enumerate(amounts)
        ]
        self.plan = Plan(
            kind=command.kind, instalments=schedule, agreed_at=now, paid_before=self.paid
        )
        self.hardship_until = None
        frozen = self.strategy is not None and self.strategy.dpd_during_plan == "frozen"
        if frozen:
            self.dpd_frozen_on = self.today(now)
        self.record(
            now,
            "plan_agreed",
            kind=command.kind,
            instalments=len(schedule),
            first_due_date=command.first_due_date,
            total=self.ledger.total,
            dpd_frozen=frozen or None,
            rule="strategy.dpd_during_plan" if frozen else None,
            **self._version(),
        )
        return True

    def check_dispute(self, command: OpenDispute) -> None:
        self.require_open()
        if self.dispute is not None:
            raise CommandRejected("DisputeOpen", "a dispute is already open")

    def open_dispute(self, command: OpenDispute, now: datetime) -> bool:
        self.dispute = Dispute(reason=command.reason, opened_at=now)
        self.record(
            now,
            "dispute_opened",
            reason=command.reason,
            rule="dispute.stops_collection",
            **dispute_facts(self.regulation_f, self.today(now)),
        )
        return True

    def check_resolution(self, command: ResolveDispute) -> None:
        self.require_open()
        if self.dispute is None:
            raise CommandRejected("NoDispute", "there is no open dispute to resolve")

    def resolve_dispute(self, command: ResolveDispute, now: datetime) -> bool:
        if command.outcome == "rejected":
            self.dispute = None
        self.record(now, "dispute_resolved", outcome=command.outcome)
        return True

    def check_cease(self, command: CeaseContact) -> None:
        self.require_open()

    def cease_contact(self, command: CeaseContact, now: datetime) -> bool:
        channels = set(ALL_CHANNELS if command.channels == "all" else command.channels)
        added = channels - self.ceased_channels
        if not added:
            return False
        self.ceased_channels |= added
        self.record(now, "contact_ceased", channels=sorted(added), rule="contact.cease_request")
        return True

    def check_outcome(self, command: RecordContactOutcome) -> None:
        self.require_open()

    def record_outcome(self, command: RecordContactOutcome, now: datetime) -> bool:
        self.record(
            now,
            "contact_outcome",
            outcome=command.outcome,
            reason=command.reason,
            contact_point=command.contact_point,
        )
        if command.outcome == "refused_to_pay" and not self.refused:
            self._mark_refusing(now, "contact.refused_to_pay")
        return True

    def check_vulnerability(self, command: FlagVulnerability | ClearVulnerability) -> None:
        self.require_open()

    def flag_vulnerability(self, command: FlagVulnerability, now: datetime) -> bool:
        """Flag the customer as vulnerable (the kind only: notes stay where `note_ref`
        points). The same kind flagged again changes nothing."""
        if self.vulnerability == command.kind:
            return False
        self.vulnerability = command.kind
        self.record(
            now,
            "vulnerability_flagged",
            kind=command.kind,
            note_ref=command.note_ref,
            rule="contact.vulnerability",
        )
        return True

    def clear_vulnerability(self, command: ClearVulnerability, now: datetime) -> bool:
        if self.vulnerability is None:
            return False
        self.vulnerability = None
        self.record(now, "vulnerability_cleared", rule="contact.vulnerability")
        return True

    def check_breathing_space(self, command: StartBreathingSpace, now: datetime) -> None:
        """Only a UK case has Breathing Space (the Debt Respite Scheme of England and
        Wales); one that has already ended, or starts later than today, is refused."""
        self.require_open()
        jurisdiction = self.opening.jurisdiction
        if jurisdiction != "UK":
            raise CommandRejected(
                "BreathingSpaceNotApplicable",
                "Breathing Space (Debt Respite Scheme Regulations 2020, England and Wales) "
                f"applies to UK cases only; this case is {jurisdiction}",
            )
        today = self.today(now)
        if command.started_on > today:
            raise CommandRejected(
                "BreathingSpaceNotStarted",
                f"started_on: {command.started_on} is after today ({today}); send it once "
                "the moratorium has started",
            )
        if command.until <= today:
            raise CommandRejected(
                "BreathingSpaceOver",
                f"ends_on: the moratorium ended before today ({today})",
            )
        holding = self.breathing_space if self.in_breathing_space(now) else None
        if (
            holding is not None
            and command.reference != holding.reference
            and command.until < holding.until
        ):
            # Another moratorium never cuts short the one in force (a standard one noted
            # during a mental health crisis moratorium); its own reference may end it early.
            raise CommandRejected(
                "BreathingSpaceActive",
                f"reference: the moratorium {holding.reference} holds until {holding.until}; "
                "another that ends sooner cannot replace it (send its own reference to end "
                "it early)",
            )

    def start_breathing_space(self, command: StartBreathingSpace, now: datetime) -> bool:
        """Collection pauses until the moratorium ends: no contact demanding payment, no
        escalation, no interest, fees or charges added (reg 7). The same notice sent again
        changes nothing; a new one (an extension, a mental health crisis moratorium
        following a standard one) replaces it."""
        space = BreathingSpace(
            kind=command.kind,
            started_on=command.started_on,
            until=command.until,
            reference=command.reference,
        )
        if self.breathing_space == space:
            return False
        self.breathing_space = space
        self.record(
            now,
            "breathing_space_started",
            kind=command.kind,
            started_on=command.started_on,
            until=command.until,
            reference=command.reference,
            rule=f"UK.breathing_space.{command.kind}",
        )
        return True

    def check_migration(self, command: StrategyMigration) -> None:
        self.require_open()
        if self.strategy is None:
            raise CommandRejected(
                "StrategyNotMigratable",
                "the case was opened before strategies and keeps the foundation ladder",
            )
        new = command.strategy
        if new.version == self.strategy.version and new != self.strategy:
            raise CommandRejected(
                "StrategyVersionConflict",
                f"the case follows another strategy of version {new.version}; "
                "a changed strategy needs a new version",
            )

    def migrate_strategy(
        self, command: StrategyMigration, now: datetime, *, take_back: bool = False
    ) -> bool:
        """Follow `command.strategy` from now on. Agreements stand (an active promise or
        plan keeps its terms); stage, cadence and escalations follow the new strategy from
        the case's next step. With `take_back` the caller takes back the contacts waiting
        under the old cadence, each recorded (`door.withdraw`); runs from before that rule
        drop them here unrecorded (their histories replay)."""
        assert self.strategy is not None
        if command.strategy.version == self.strategy.version:
            return False
        previous = self.strategy.version
        self.strategy = command.strategy
        if not take_back:
            self.pending_contacts.clear()
        self.record(
            now,
            "strategy_migrated",
            from_version=previous,
            to_version=command.strategy.version,
            change_ref=command.change_ref,
            rule="strategy.migration",
            **self._version(),
        )
        return True

    def recall(self, command: CloseCase, now: datetime) -> bool:
        """The bank recalls the case: it closes as `recalled`, with the bank's reference."""
        self.close(now, command.reason, reference=command.reference)
        return True

    def check_plan_offered(self, command: AgreePlan, now: datetime) -> None:
        """Refuse a plan the strategy does not offer the case now (`offer_checks`): its
        stage at `now`, its tier, and hardship if it ever reported one."""
        if self.strategy is None:
            return
        stage = rules.stage_for(self.strategy, self.days_past_due(now), refused=self.refused)
        hardship = any(event.type == "hardship_reported" for event in self.timeline)
        offers = rules.offers_for(
            self.strategy,
            stage,
            self.tier,
            self.ledger.as_balance(),
            jurisdiction=self.opening.jurisdiction,
            hardship=hardship,
        )
        offered_to = f"a case in stage {stage} at {self.tier} risk" + (
            " in hardship" if hardship else ""
        )
        refusal = plan_refusal(offers, command, self.today(now), offered_to)
        if refusal is not None:
            raise CommandRejected(refusal.kind, refusal.message)


def _add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (31 Jan → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a 28th")
