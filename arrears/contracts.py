"""The models that cross a boundary: HTTP bodies, workflow and activity inputs and outputs.

No I/O and no Temporal import: the API, the activities and the workflows share this module,
and the pydantic data converter carries these models through Temporal unchanged.
"""

from datetime import date, datetime
from typing import Annotated, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from arrears.fields import (
    MAX_MINOR_UNITS,
    CurrencyCode,
    EmailAddress,
    IsoDate,
    LanguageTag,
    MinorUnits,
    NonNegativeMinorUnits,
    OpaqueRef,
    PaidAt,
    PersonName,
    TimeZoneName,
    UtcDatetime,
    at_the_edge,
    check_opaque_reference,
)

Jurisdiction = Literal["CN", "US", "UK", "EU"]
JURISDICTIONS: tuple[Jurisdiction, ...] = get_args(Jurisdiction)
Channel = Literal["sms", "email", "call"]
CaseStatus = Literal["open", "closed"]
Stage = Literal["reminder", "early", "mid", "late", "legal", "write_off"]
ClosedReason = Literal["paid", "settled", "written_off", "recalled", "dispute_upheld", "adjusted"]
RiskTier = Literal["low", "medium", "high"]


class Contract(BaseModel):
    """Base for every contract: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


ContactRelation = Literal[
    "spouse", "parent", "child", "sibling", "relative", "friend", "colleague", "other"
]
MAX_CONTACT_PERSONS = 5
"""The most contact persons a customer may name."""
PhoneNumber = Annotated[str, Field(pattern=r"^\+[1-9]\d{6,14}$", examples=["+8613800138000"])]
"""A phone number in E.164."""


class ContactPerson(Contract):
    """Someone the debtor named, contacted only to restore contact with the debtor (CN;
    `compliance.persons`). Personal data, stored with the customer. `ref`: the bank's
    reference for the person (no personal data); it names them on every contact point
    (`person:<ref>`), ledger row and timeline event."""

    ref: Annotated[
        str,
        Field(
            pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
            max_length=64,
            description="The bank's reference for the person: letters, digits and . _ - only; "
            "never a phone number or another personal datum.",
        ),
        BeforeValidator(at_the_edge(check_opaque_reference)),
    ]
    relation: ContactRelation
    phone: PhoneNumber
    name: PersonName | None = Field(default=None, min_length=1, max_length=200)


def _refs_unique(persons: list[ContactPerson]) -> list[ContactPerson]:
    refs = [p.ref for p in persons]
    if len(set(refs)) != len(refs):
        raise ValueError("each contact person's ref may appear once")
    return persons


ContactPersons = Annotated[
    list[ContactPerson], Field(max_length=MAX_CONTACT_PERSONS), AfterValidator(_refs_unique)
]


class Customer(Contract):
    """The debtor. Personal data: it travels only encrypted and is stored in Postgres.

    The contact facts (name, phone, email, timezone, language) belong to the customer, not
    to a loan: every open case of the customer follows them (`PUT /v1/customers/{id}`).
    `language` None means the jurisdiction's (`DEFAULT_LANGUAGES`), filled in by the opening.
    """

    customer_id: OpaqueRef
    name: PersonName = Field(min_length=1, max_length=200)
    phone: str | None = Field(
        default=None, pattern=r"^\+[1-9]\d{6,14}$", examples=["+8613800138000"]
    )
    email: EmailAddress | None = None
    timezone: TimeZoneName
    language: LanguageTag | None = None
    contact_persons: ContactPersons = Field(
        default_factory=list,
        description="People the debtor named, contacted only to restore contact (CN), at "
        f"most {MAX_CONTACT_PERSONS}, each `ref` once.",
    )

    @model_serializer(mode="wrap")
    def _without_no_persons(self, handler):
        # A customer without contact persons is written as before the field existed, so
        # an Idempotency-Key's request digest and recorded payloads stay the same.
        data = handler(self)
        if isinstance(data, dict) and not data.get("contact_persons"):
            data.pop("contact_persons", None)
        return data

    def contact_person(self, ref: str) -> ContactPerson | None:
        """The contact person named `ref`, or None."""
        return next((p for p in self.contact_persons if p.ref == ref), None)


DEFAULT_LANGUAGES: dict[str, str] = {"CN": "zh-CN", "US": "en-US", "UK": "en-GB", "EU": "en"}
"""A customer's language when the opening names none, by jurisdiction. Messages render in it,
falling back to its base language, then English (`activities.messages.render`)."""


class Amounts(Contract):
    """What is owed, split by component, in minor units."""

    principal: NonNegativeMinorUnits
    interest: NonNegativeMinorUnits = 0
    fees: NonNegativeMinorUnits = 0

    @property
    def total(self) -> int:
        return self.principal + self.interest + self.fees


class CaseOpening(Contract):
    """A bank's request to open a collection case."""

    loan_id: OpaqueRef
    customer: Customer
    jurisdiction: Jurisdiction = "CN"
    currency: CurrencyCode
    due: Amounts
    due_date: IsoDate
    update_customer: StrictBool = Field(
        default=False,
        description="The customer's contact facts here replace the stored ones (and every "
        "open case of the customer follows); without it, facts that differ are a 409.",
    )
    _language_defaulted: bool = PrivateAttr(default=False)
    """The opening named no language: the customer's own stands, else the jurisdiction's."""

    @field_validator("due")
    @classmethod
    def _something_is_owed(cls, due: Amounts, info: ValidationInfo) -> Amounts:
        # On the field, so a refusal names `due`, not the whole body.
        if due.total <= 0:
            raise ValueError("nothing is owed; a case needs a positive amount due")
        recorded = info.context is not None and info.context.get("recorded")
        if due.total > MAX_MINOR_UNITS and not recorded:
            # The same ceiling as any one amount and as a balance a bank's debit may reach
            # (`AdjustmentTooLarge`); a case opened before it reads back as recorded.
            raise ValueError(f"the total owed may be at most {MAX_MINOR_UNITS} minor units")
        return due

    @model_validator(mode="after")
    def _language_of_the_jurisdiction(self) -> "CaseOpening":
        if self.customer.language is None:
            language = DEFAULT_LANGUAGES[self.jurisdiction]
            self.customer = self.customer.model_copy(update={"language": language})
            self._language_defaulted = True
        return self

    @property
    def language_defaulted(self) -> bool:
        """Whether the opening named no language (see `_language_defaulted`)."""
        return self._language_defaulted


class Balance(Contract):
    principal: int
    interest: int
    fees: int
    total: int


class RiskScore(Contract):
    """A scorecard result: higher score, lower risk. Reasons are codes with their meaning."""

    score: int
    tier: RiskTier
    reasons: list[str]


class NextAction(Contract):
    kind: str
    at: datetime


class Promise(Contract):
    promise_id: str
    amount: int
    due_date: date
    made_at: datetime
    paid_before: int
    """What the customer had paid in all when promising; payments beyond it count."""
    status: Literal["active", "kept", "broken"] = "active"


class Instalment(Contract):
    due_date: date
    amount: int


class Plan(Contract):
    kind: Literal["instalments", "extension"]
    instalments: list[Instalment]
    agreed_at: datetime
    paid_before: int
    status: Literal["performing", "broken", "completed"] = "performing"


class Dispute(Contract):
    reason: str
    opened_at: datetime


class CaseView(Contract):
    """What anyone may see of a case. Free of personal data."""

    loan_id: str
    status: CaseStatus
    stage: Stage
    dpd: int
    """Days past due, customer-local (see `timezone`): the case's last count, from its
    `view` query; today's in the API's answers and in answers to commands while the case
    is open; final once it is closed."""
    currency: str
    due_date: date
    timezone: str | None = None
    """The customer's zone, in which DPD and contact hours are counted."""
    balance: Balance
    paid: int = 0
    excess: int = 0
    risk: RiskScore | None = None
    closed_reason: ClosedReason | None = None
    next_action: NextAction | None = None
    opened_at: datetime
    strategy_version: str | None = None
    promise: Promise | None = None
    plan: Plan | None = None
    dispute: Dispute | None = None
    hardship_until: date | None = None
    ceased_channels: list[Channel] = []
    invalid_contact_points: list[str] = []
    """Contact points known not to reach the customer (`phone` after a wrong number)."""
    vulnerability: str | None = None
    """The kind of vulnerability an agent flagged, or None."""
    breathing_space_until: date | None = None
    """While a Breathing Space holds (UK): the customer-local day collection may resume."""
    broken_promises: int = 0
    refused: bool = False
    escalations: list[str] = []
    dpd_held_days: int = 0
    """Days not counted in DPD: those a plan performed while the strategy froze DPD."""
    dpd_frozen: bool = False
    """DPD stands still now: a plan performs under a strategy that freezes DPD."""
    recovered: int = 0
    """Received after the write-off and applied to the written-off balance (recoveries)."""
    episode: int = 1
    """Which case of the loan this is: 1 for its first, 2 once it cured and fell behind
    again, and so on."""


class Payment(Contract):
    """A payment against a case, applied once per `payment_id`."""

    payment_id: OpaqueRef
    amount: MinorUnits
    currency: CurrencyCode | None = None
    paid_at: PaidAt | None = None


class Allocation(Contract):
    """How a payment was split by the waterfall fees → interest → principal, in minor
    units. `interest_waived` is interest a settlement forgave along with this payment
    (the interest waiver offer it completed): paid and forgiven together clear the case."""

    fees: int = 0
    interest: int = 0
    principal: int = 0
    excess: int = 0
    interest_waived: int = 0


class PaymentOutcome(Contract):
    applied: bool
    allocation: Allocation | None = None
    case: CaseView


class TimelineEvent(BaseModel):
    """One step of a case's story: `{"at", "type", ...}`, with `rule` where a rule decided.

    Extra fields are the event's own (`channel`, `amount`, `stage`...); they must never
    carry personal data.
    """

    model_config = ConfigDict(extra="allow")

    at: UtcDatetime
    type: str
    rule: str | None = None


class Timeline(Contract):
    """A case's story, oldest first."""

    events: list[TimelineEvent]

    def in_time_order(self) -> "Timeline":
        """The events ordered by `at`; events of the same instant keep the order in which
        the case recorded them. Clients get this order rather than the recorded one, so
        it holds whatever clock dated an event."""
        return Timeline(events=sorted(self.events, key=lambda event: event.at))


class CloseCase(Contract):
    """The bank recalls the case: collection stops and the case closes as `recalled`."""

    reason: Literal["recalled"] = "recalled"
    reference: OpaqueRef | None = Field(
        default=None, description="The bank's own reference for the recall, if any."
    )


class CaseOutcome(Contract):
    """The workflow's result: the case as it was when it closed."""

    loan_id: str
    view: CaseView


# Activity inputs and outputs.


class ScoreRequest(Contract):
    loan_id: str
    customer_id: str
    currency: str
    due: Amounts
    dpd: int


ContactPurpose = Literal["collection", "notice", "restore_contact"]


class ContactGateFacts(Contract):
    """What the case tells the contact gate about a contact it proposes; no personal data.

    `purpose`: `collection` (reminders, demands, calls), `notice` (a notice the law requires),
    `restore_contact` (a contact person, only to restore contact). `contact_point`: `phone`,
    `email` or `person:<ref>`; None for the channel's own (SMS and calls: `phone`).
    `vulnerability`: the kind an agent flagged, or None. `breathing_space_until` (UTC): the
    end of a Breathing Space moratorium. `opted_out`: channels the customer stopped.
    `invalid_points`: contact points known not to reach the customer."""

    purpose: ContactPurpose = "collection"
    contact_point: str | None = None
    vulnerability: str | None = None
    breathing_space_until: UtcDatetime | None = None
    opted_out: list[Channel] = []
    invalid_points: list[str] = []


class CaseContactFacts(Contract):
    """What a case tells the contact check (`GET /v1/cases/{loan_id}/contact-check`) at an
    instant: the customer (by id), where they are, and why collection is paused, if it is
    (`paused`: `dispute`, `promise`, `plan`, `hardship`, `breathing_space`). No personal
    data."""

    customer_id: str
    jurisdiction: Jurisdiction
    timezone: str
    is_open: bool
    paused: str | None = None
    gate: ContactGateFacts


class NotificationRequest(Contract):
    """Send one message. `idempotency_key` (case + step) makes every retry the same send.

    `timezone` and `jurisdiction` let the send check the contact window at the moment it
    hands the message over (requests recorded before they existed carry None: no check).
    """

    idempotency_key: str
    loan_id: str
    customer_id: str
    channel: Channel
    template: str
    currency: str
    amount_due: int
    due_date: date
    timezone: str | None = None
    jurisdiction: Jurisdiction | None = None
    gate: ContactGateFacts | None = None
    """The contact gate's facts; None for requests recorded before the gate (the contact
    window alone is checked)."""
    validation_period_ends: date | None = None
    """For a US validation notice, the last day of the validation period it states
    (12 CFR 1006.34(b)(5)); None for every other message."""


NotificationStatus = Literal["sent", "skipped", "deferred", "blocked"]


class NotificationResult(Contract):
    """What became of one message.

    - `sent`: handed to the provider (an agent call: the task created); `message_id` names
      it, the proof a notice the law requires was given.
    - `skipped`: it will never go on this channel (`detail` says why: no address on file).
    - `deferred`: not sent because the contact window was closed at the moment of sending,
      or the gate deferred it (a cap reached); `until` (UTC) is when to try again. Nothing
      was reserved; the same key may be sent later.
    - `blocked`: the gate will not let it go (`rule` says which); recorded, never sent.
    `rule` and `profile` name the gate's rule and the version of the profile that decided.
    `sent_at` (UTC): when a `sent` message left, by the ledger's clock (None from a sender
    that does not say): the case records the send at that instant, so a command that
    reached the case while the message was on its way is told after it.
    """

    idempotency_key: str
    channel: Channel
    status: NotificationStatus
    detail: str | None = None
    message_id: str | None = None
    until: UtcDatetime | None = None
    rule: str | None = None
    profile: str | None = None
    sent_at: UtcDatetime | None = None


class HandedOff(Contract):
    """When an escalation was handed off (UTC, by the hand-off table's clock): the first
    time its key was handed off, also when a retry hands it off again."""

    at: UtcDatetime


class HandOff(Contract):
    """An escalation handed to the team or system that carries it out, once per key."""

    idempotency_key: str
    loan_id: str
    customer_id: str
    step: str
    dpd: int
    currency: str
    balance: int
    rule: str
    strategy_version: str | None = None


class PaymentRecord(Contract):
    payment_id: str
    amount: int
    currency: str
    allocation: Allocation
    paid_at: datetime | None
    applied_at: datetime
    via: Literal["signal", "update"]
    recovery: bool = False
    """Money received after the case was written off (`arrears.workflows.recoveries`)."""


class ReversalRecord(Contract):
    """A payment that did not stand: `payment_id` of the case, why, and when it was
    reversed (UTC)."""

    payment_id: str
    reason: str
    reversed_at: datetime


class RecordedEvent(Contract):
    """A timeline event with its position in the case's timeline (its audit sequence)."""

    seq: int
    event: TimelineEvent


class CaseSync(Contract):
    """Everything new about a case since its last sync, written in one transaction.

    `customer` is sent once, with the first sync; payments and events are idempotent on
    (loan, payment_id) and (loan, seq), so a retried sync writes nothing twice.
    """

    view: CaseView
    customer_id: str
    jurisdiction: str
    customer: Customer | None = None
    payments: list[PaymentRecord] = []
    events: list[RecordedEvent] = []
    reversals: list[ReversalRecord] = []
