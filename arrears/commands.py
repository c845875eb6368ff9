"""Commands on a case: what agents, banks and self-service channels may tell it.

Each is one pydantic model, the body of its HTTP endpoint and the argument of its workflow
update (and, for payments and promises, of a signal). Pure: no I/O, no Temporal import.
"""

from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import Field, model_serializer, model_validator

from arrears.actors import Acted
from arrears.contracts import Amounts, CaseView, Channel, Contract, Payment
from arrears.fields import IsoDate, MinorUnits, NonNegativeMinorUnits, OpaqueRef
from arrears.strategy import Strategy
from arrears.strategy.model import VERSION_PATTERN, DelinquencyReason

ContactResult = Literal["conversation", "no_answer", "wrong_number", "refused_to_pay", "declined"]
"""`declined`: a contact person (`person:<ref>`) refuses to help or asks not to be called
again; they are never contacted again."""
HardshipReason = Literal[
    "unemployment", "illness", "bereavement", "natural_disaster", "income_drop", "other"
]


class PromiseToPay(Contract):
    """The customer promises `amount` by `due_date` (customer-local). One active at a time."""

    promise_id: OpaqueRef
    amount: MinorUnits
    due_date: IsoDate


class ActedPromise(PromiseToPay, Acted):
    """A promise as the case is told it: with who sent it."""


class ReportHardship(Contract):
    """The customer is in hardship: collection pauses for the cooling-off period."""

    reason: HardshipReason
    note_ref: OpaqueRef | None = Field(
        default=None, description="A reference to the agent's notes kept elsewhere."
    )


class AgreePlan(Contract):
    """A signed plan: `instalments` monthly payments from `first_due_date`, or an
    `extension` that moves the whole balance to `first_due_date`."""

    kind: Literal["instalments", "extension"]
    first_due_date: IsoDate
    instalments: int = Field(default=1, ge=1, le=360)

    @model_validator(mode="after")
    def _extension_is_one_payment(self) -> "AgreePlan":
        if self.kind == "extension" and self.instalments != 1:
            raise ValueError("instalments: an extension is one payment of the whole balance")
        return self


class OpenDispute(Contract):
    """The customer disputes the debt: all collection contact and escalation stop."""

    reason: Literal["not_my_debt", "amount_wrong", "already_paid", "fraud", "other"]


class CorrectedAmounts(Amounts):
    """What is owed in truth, every component named: one left out is not taken as zero
    (writing off fees by omission is no correction)."""

    principal: NonNegativeMinorUnits
    interest: NonNegativeMinorUnits
    fees: NonNegativeMinorUnits


class ResolveDispute(Contract):
    """`rejected`: the debt stands and collection resumes. `upheld`: the customer was
    right. An upheld `amount_wrong` dispute needs `corrected`, the amounts owed in truth
    (never more than the balance), and collection resumes on them; an upheld `not_my_debt`,
    `fraud` or `already_paid` dispute closes the case as `dispute_upheld`; `other` does
    either, by whether `corrected` is given. See `arrears.workflows.dispute_outcomes`."""

    outcome: Literal["rejected", "upheld"]
    corrected: CorrectedAmounts | None = None


class CeaseContact(Contract):
    """Stop contact on the named channels, or on all of them."""

    channels: list[Channel] | Literal["all"]

    @model_validator(mode="after")
    def _some_channel(self) -> "CeaseContact":
        if self.channels != "all" and not self.channels:
            raise ValueError("channels: name at least one channel, or 'all'")
        return self


ContactPointName = Annotated[
    str,
    Field(
        pattern=r"^(phone|email|person:[A-Za-z0-9][A-Za-z0-9._-]{0,63})$",
        max_length=71,
        description="`phone`, `email` or `person:<ref>` (a contact person, by reference).",
    ),
]


class RecordContactOutcome(Contract):
    """What came of an agent's call. `contact_point`: the point the call reached (None:
    the customer's `phone`); a `wrong_number` makes it invalid."""

    outcome: ContactResult
    reason: DelinquencyReason | None = None
    contact_point: ContactPointName | None = None

    @model_serializer(mode="wrap")
    def _without_unset_point(self, handler):
        # An outcome without a point is written as it was before the field existed, so an
        # Idempotency-Key's request digest and recorded payloads stay the same.
        data = handler(self)
        if isinstance(data, dict) and data.get("contact_point") is None:
            data.pop("contact_point", None)
        return data

    @property
    def point(self) -> str:
        return self.contact_point or "phone"


VulnerabilityKind = Literal["illness", "bereavement", "mental_health_crisis", "other"]


class FlagVulnerability(Contract):
    """An agent flags the customer as vulnerable (FCA FG21/1): the contact gate pauses or
    softens contact by the jurisdiction's profile. `note_ref` points at the agent's notes
    kept elsewhere; no free text enters the case."""

    kind: VulnerabilityKind
    note_ref: OpaqueRef | None = None


class ClearVulnerability(Contract):
    """The vulnerability flag no longer applies."""


BREATHING_SPACE_STANDARD_DAYS = 60
"""A standard Breathing Space lasts 60 days (Debt Respite Scheme Regulations 2020, reg 26)."""
LONGEST_BREATHING_SPACE_DAYS = 3 * 366
"""A bound on a mental health crisis moratorium's length as sent: it lasts as long as the
treatment and 30 days more (reg 29), which no case runs beyond."""


class StartBreathingSpace(Contract):
    """The bank was notified of a Breathing Space (UK: Debt Respite Scheme Regulations 2020).
    `started_on`: the day it began. `ends_on`: its last day; for a `mental_health_crisis`
    moratorium required (30 days after the crisis treatment ends, reg 29); for a `standard`
    one it defaults to 60 days from `started_on` (reg 26) and, given, may only be earlier
    (it was cancelled or ended early). `reference`: the Insolvency Service's reference."""

    kind: Literal["standard", "mental_health_crisis"]
    started_on: IsoDate
    reference: OpaqueRef
    ends_on: IsoDate | None = None

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> "StartBreathingSpace":
        if self.kind == "mental_health_crisis" and self.ends_on is None:
            raise ValueError(
                "ends_on: required for a mental_health_crisis moratorium "
                "(30 days after the crisis treatment ends, reg 29)"
            )
        if self.ends_on is not None:
            if self.ends_on < self.started_on:
                raise ValueError("ends_on: before started_on")
            longest = (
                BREATHING_SPACE_STANDARD_DAYS - 1
                if self.kind == "standard"
                else LONGEST_BREATHING_SPACE_DAYS
            )
            if (self.ends_on - self.started_on).days > longest:
                raise ValueError(
                    f"ends_on: a {self.kind} moratorium lasts at most {longest + 1} days"
                )
        return self

    @property
    def until(self) -> date:
        """The day collection may resume: the day after the last."""
        last = self.ends_on or self.started_on + timedelta(days=BREATHING_SPACE_STANDARD_DAYS - 1)
        return last + timedelta(days=1)


class MigrateStrategy(Contract):
    """Move a running case, on purpose, to the strategy this service runs. `to_version`
    must name that strategy (a guard against migrating to a version the caller did not
    mean); `change_ref` is the approved change that decided it, kept on the timeline."""

    to_version: str = Field(pattern=VERSION_PATTERN)
    change_ref: OpaqueRef


class StrategyMigration(Contract):
    """What the case is told: the whole strategy it follows from now on, and why."""

    strategy: Strategy
    change_ref: OpaqueRef


class CommandOutcome(Contract):
    """The answer to every command but payments: whether it changed the case, and the case."""

    accepted: bool
    case: CaseView


AdjustmentReason = Literal[
    "correction", "goodwill", "fee_reversal", "interest_recalculation", "charge", "other"
]


class AdjustBalance(Contract):
    """The bank changes what is owed for a reason other than a payment: a `credit` lowers
    one component by `amount` (never below zero), a `debit` raises it. Applied once per
    `adjustment_id`; `reference` is the bank's own record of it."""

    adjustment_id: OpaqueRef
    component: Literal["principal", "interest", "fees"]
    direction: Literal["credit", "debit"]
    amount: MinorUnits
    reason: AdjustmentReason
    reference: OpaqueRef


ReversalReason = Literal["returned", "charged_back", "error"]


class PaymentReversal(Contract):
    """The body of a reversal: why the payment did not stand."""

    reason: ReversalReason


class ReversePayment(Contract):
    """A payment the case applied did not stand (returned, charged back, or posted in
    error): what it paid is owed again, component by component, once per payment_id."""

    payment_id: OpaqueRef
    reason: ReversalReason


class ActedReversal(ReversePayment, Acted):
    """A reversal as the case is told it: with who sent it."""


class ActedAdjustment(AdjustBalance, Acted):
    """An adjustment as the case is told it: with who sent it."""


class ActedPayment(Payment, Acted):
    """A payment as the case is told it: with who sent it."""
