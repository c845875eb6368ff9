"""Ids mean one thing: what each id of a case was first sent with, and the keys it answered.

A repeat of a payment (`payment_id`) or a promise (`promise_id`) with the same body is a
harmless repeat; the same id with another body is refused as `IdReused`, naming the fields
that differ. Ids the case took before it kept their facts (runs from before this module)
have nothing to compare and stay harmless repeats. A case's opening is compared the same
way, by the API, with `OpeningFacts`.

`Idempotency-Key`s (`arrears.idempotency`): the case keeps the last `MAX_KEYS` keys it
answered, each with its request digest, command and answer; a key older than that is
forgotten and its command would be taken again.

Pure: no Temporal import. `UsedIds` is part of `CaseState`, so continue-as-new carries it.
"""

from datetime import date

from pydantic import BaseModel, Field

from arrears.commands import (
    AdjustBalance,
    AgreePlan,
    OpenDispute,
    PromiseToPay,
    ResolveDispute,
    ReversePayment,
)
from arrears.contracts import (
    Amounts,
    CaseOpening,
    Contract,
    Dispute,
    Jurisdiction,
    Payment,
    Plan,
    TimelineEvent,
)
from arrears.fields import UtcDatetime
from arrears.idempotency import IdempotencyStamp, KeyUse
from arrears.workflows.case_commands import CommandRejected

MAX_KEYS = 500
"""How many `Idempotency-Key`s a case remembers (the oldest is forgotten first). A client
resends within minutes or hours; 500 keyed commands outlast that on any case."""


class IdReused(CommandRejected):
    """An id sent again with another body. `fields` are the body's fields that differ."""

    def __init__(self, what: str, id_: str, fields: list[str]) -> None:
        super().__init__(
            "IdReused",
            f"{what} {id_} was first sent with another {', '.join(fields)}; "
            "an id means one thing: send a new id for a new one",
        )
        self.fields = fields
        self.details = (fields,)


class PaymentFacts(BaseModel):
    amount: int
    currency: str
    """As given, or the case's when none was given (a payment is in the case's currency)."""
    paid_at: UtcDatetime | None = None
    """As given: a repeat that adds, drops or moves it is another payment."""


class PromiseFacts(BaseModel):
    amount: int
    due_date: date


class AdjustmentFacts(BaseModel):
    component: str
    direction: str
    amount: int
    reason: str
    reference: str


class OpeningFacts(Contract):
    """What a case was opened with, but the customer's contact facts: the non-personal facts
    a second opening of the same loan must repeat (the `opening_facts` query)."""

    currency: str
    jurisdiction: Jurisdiction
    customer_id: str
    due: Amounts
    due_date: date

    @classmethod
    def of(cls, opening: CaseOpening) -> "OpeningFacts":
        return cls(
            currency=opening.currency,
            jurisdiction=opening.jurisdiction,
            customer_id=opening.customer.customer_id,
            due=opening.due,
            due_date=opening.due_date,
        )

    def by_field(self) -> dict[str, object]:
        """The facts by the path of their field in the opening's body."""
        return {
            "currency": self.currency,
            "jurisdiction": self.jurisdiction,
            "customer.customer_id": self.customer_id,
            "due.principal": self.due.principal,
            "due.interest": self.due.interest,
            "due.fees": self.due.fees,
            "due_date": self.due_date,
        }

    def changed_by(self, again: "OpeningFacts") -> list[str]:
        """The fields `again` gives otherwise, in body order."""
        return changed_fields(self.by_field(), again.by_field())


def changed_fields(first: dict[str, object], again: dict[str, object]) -> list[str]:
    """The names whose values differ between `first` and `again`, in `first`'s order."""
    return [name for name, value in first.items() if again.get(name) != value]


class UsedIds(BaseModel):
    payments: dict[str, PaymentFacts] = Field(default_factory=dict)
    promises: dict[str, PromiseFacts] = Field(default_factory=dict)
    adjustments: dict[str, AdjustmentFacts] = Field(default_factory=dict)
    reversals: dict[str, str] = Field(default_factory=dict)
    """Reversed payment_id → the reason it was reversed for."""
    keys: dict[str, KeyUse] = Field(default_factory=dict)
    """Key digest → its first use, oldest first (insertion order survives continue-as-new)."""

    # Payments and promises.

    def payment_changes(self, payment: Payment, case_currency: str) -> list[str]:
        """The fields a payment with a known id changes; empty for a new id or a repeat."""
        first = self.payments.get(payment.payment_id)
        if first is None:
            return []
        return changed_fields(
            first.model_dump(), _payment_facts(payment, case_currency).model_dump()
        )

    def check_payment(self, payment: Payment, case_currency: str) -> bool:
        """Raise `IdReused` for a known id with another body; True for a harmless repeat."""
        changed = self.payment_changes(payment, case_currency)
        if changed:
            raise IdReused("payment_id", payment.payment_id, changed)
        return payment.payment_id in self.payments

    def remember_payment(self, payment: Payment, case_currency: str) -> None:
        self.payments.setdefault(payment.payment_id, _payment_facts(payment, case_currency))

    def promise_changes(self, command: PromiseToPay) -> list[str]:
        first = self.promises.get(command.promise_id)
        if first is None:
            return []
        again = PromiseFacts(amount=command.amount, due_date=command.due_date)
        return changed_fields(first.model_dump(), again.model_dump())

    def check_promise(self, command: PromiseToPay) -> None:
        changed = self.promise_changes(command)
        if changed:
            raise IdReused("promise_id", command.promise_id, changed)

    def remember_promise(self, command: PromiseToPay) -> None:
        facts = PromiseFacts(amount=command.amount, due_date=command.due_date)
        self.promises.setdefault(command.promise_id, facts)

    # The bank's adjustments and reversals.

    def check_adjustment(self, command: AdjustBalance) -> bool:
        """Raise `IdReused` for a known `adjustment_id` with another body; True for a
        harmless repeat."""
        first = self.adjustments.get(command.adjustment_id)
        if first is None:
            return False
        changed = changed_fields(first.model_dump(), _adjustment_facts(command).model_dump())
        if changed:
            raise IdReused("adjustment_id", command.adjustment_id, changed)
        return True

    def remember_adjustment(self, command: AdjustBalance) -> None:
        self.adjustments.setdefault(command.adjustment_id, _adjustment_facts(command))

    def check_reversal(self, command: ReversePayment) -> None:
        """Raise `IdReused` for a payment reversed before for another reason."""
        first = self.reversals.get(command.payment_id)
        if first is not None and first != command.reason:
            raise IdReused("the reversal of payment", command.payment_id, ["reason"])

    def remember_reversal(self, command: ReversePayment) -> None:
        self.reversals.setdefault(command.payment_id, command.reason)

    # Idempotency keys.

    def key_use(self, stamp: IdempotencyStamp | None) -> KeyUse | None:
        """The first use of `stamp`'s key, or None for no stamp or a key not seen. Raises
        `CommandRejected` (`IdempotencyKeyReused`) when the key came with another request."""
        if stamp is None:
            return None
        use = self.keys.get(stamp.key)
        if use is not None and use.request != stamp.request:
            raise CommandRejected(
                "IdempotencyKeyReused",
                f"Idempotency-Key: the key was first used for another request (a {use.command} "
                "command); send a new key for a new request",
            )
        return use

    def remember_key(self, stamp: IdempotencyStamp | None, command: str, accepted: bool) -> None:
        if stamp is None or stamp.key in self.keys:
            return
        self.keys[stamp.key] = KeyUse(request=stamp.request, command=command, accepted=accepted)
        while len(self.keys) > MAX_KEYS:
            del self.keys[next(iter(self.keys))]


def _adjustment_facts(command: AdjustBalance) -> AdjustmentFacts:
    return AdjustmentFacts(
        component=command.component,
        direction=command.direction,
        amount=command.amount,
        reason=command.reason,
        reference=command.reference,
    )


def _payment_facts(payment: Payment, case_currency: str) -> PaymentFacts:
    return PaymentFacts(
        amount=payment.amount,
        currency=payment.currency or case_currency,
        paid_at=payment.paid_at,
    )


def plan_repeated(plan: Plan | None, command: AgreePlan) -> bool:
    """Whether `command` is the plan that performs now, sent again."""
    return (
        plan is not None
        and plan.status == "performing"
        and plan.kind == command.kind
        and len(plan.instalments) == command.instalments
        and plan.instalments[0].due_date == command.first_due_date
    )


def dispute_repeated(dispute: Dispute | None, command: OpenDispute) -> bool:
    """Whether `command` is the dispute open now, sent again."""
    return dispute is not None and dispute.reason == command.reason


def resolution_repeated(timeline: list[TimelineEvent], command: ResolveDispute) -> bool:
    """Whether `command` repeats the resolution of the last dispute: the last dispute event
    on the timeline is its resolution, with the same outcome and corrected amounts."""
    last = next(
        (e for e in reversed(timeline) if e.type in ("dispute_opened", "dispute_resolved")),
        None,
    )
    if last is None or last.type != "dispute_resolved":
        return False
    extra = last.model_extra or {}
    corrected = command.corrected.model_dump() if command.corrected else None
    return extra.get("outcome") == command.outcome and extra.get("corrected") == corrected


MAX_EARLIER_OPENINGS = 20
"""How many earlier episodes' openings a loan's case remembers, to answer their retries."""


class PriorIds(BaseModel):
    """What a loan's earlier cases took, handed to its next case (episode): a payment,
    promise, adjustment or keyed command retried after the loan fell behind again means what
    it meant then, and is no new one; an opening of an earlier case, resent, is a repeat."""

    used: UsedIds = Field(default_factory=UsedIds)
    payment_ids: set[str] = Field(default_factory=set)
    promise_ids: set[str] = Field(default_factory=set)
    adjustment_ids: set[str] = Field(default_factory=set)
    openings: list[OpeningFacts] = Field(default_factory=list)
    """The openings of the loan's cases so far, oldest first, at most `MAX_EARLIER_OPENINGS`."""

    def repeats_an_opening(self, opening: OpeningFacts) -> bool:
        return any(not earlier.changed_by(opening) for earlier in self.openings)
