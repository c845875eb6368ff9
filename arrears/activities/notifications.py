"""Customer notifications (SMS, e-mail, agent call tasks), sent at most once per case + step.

The last check before a message leaves is here, at the moment of sending: the contact window
is asked again on every try, so a retry that runs after the window closed defers instead of
sending (GB/T 45251-2025 quiet hours; Regulation F §1006.6(b)(1)(i) inconvenient times).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import asyncpg
from temporalio import activity

from arrears.activities.messages import DEFAULT_INSTITUTION, render
from arrears.contact_gate import ContactGate, ContactQuestion
from arrears.contracts import ContactGateFacts, Customer, NotificationRequest, NotificationResult
from arrears.records import cases, contacts
from arrears.workflows.compliance import check_contact_time
from arrears.workflows.contact_persons import person_ref


@dataclass(frozen=True)
class OutboundMessage:
    idempotency_key: str
    channel: str
    address: str
    body: str


class MessageProvider(Protocol):
    """A channel provider. `deliver` must be idempotent on the message's key."""

    async def deliver(self, message: OutboundMessage) -> None: ...


class OutboxProvider:
    """Hands messages over by writing them to `outbound_messages`, keyed like the attempt.

    The development and test provider; a relay or a real gateway reads the same table.
    """

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def deliver(self, message: OutboundMessage) -> None:
        async with self._pool.acquire() as conn:
            await contacts.create_outbound_message(
                conn,
                idempotency_key=message.idempotency_key,
                channel=message.channel,
                address=message.address,
                body=message.body,
            )


class Notifier:
    """Sends notifications through a provider, with the contact ledger as the guard and,
    for requests that carry the gate's facts, the contact gate as the door."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        provider: MessageProvider,
        gate: ContactGate | None = None,
        *,
        institution: str = DEFAULT_INSTITUTION,
    ) -> None:
        self._pool = pool
        self._provider = provider
        self._gate = gate or ContactGate()
        self._institution = institution

    @activity.defn(name="send_notification")
    async def send(self, request: NotificationRequest) -> NotificationResult:
        """Reserve the attempt, deliver, mark it sent. A retry after any step of that finds
        the attempt and either returns its outcome or re-delivers under the same key, which
        the provider deduplicates, so the customer gets one message.

        With `request.gate`, the contact gate decides at the moment of sending and the
        reservation is its verdict (`ContactGate.reserve`); without it (requests recorded
        before the gate), the contact window alone is checked, as before."""
        if request.gate is not None:
            return await self._send_through_gate(request, request.gate)
        key = request.idempotency_key
        async with self._pool.acquire() as conn:
            earlier = await contacts.get_attempt(conn, idempotency_key=key)
        if earlier is not None and earlier["status"] != "pending":
            return _outcome(request, earlier["status"], earlier["detail"], earlier["sent_at"])
        deferred = window_deferral(request)
        if deferred is not None:
            return deferred
        async with self._pool.acquire() as conn, conn.transaction():
            attempt = await contacts.get_or_create_attempt(
                conn,
                idempotency_key=key,
                loan_id=request.loan_id,
                customer_id=request.customer_id,
                channel=request.channel,
                template=request.template,
            )
            customer = await cases.get_customer(conn, customer_id=request.customer_id)
        if attempt["status"] != "pending":
            return _outcome(request, attempt["status"], attempt["detail"], attempt["sent_at"])
        return await self._deliver(request, customer)

    async def _send_through_gate(
        self, request: NotificationRequest, gate: ContactGateFacts
    ) -> NotificationResult:
        """Ask the gate and reserve in one transaction (`ContactGate.reserve`), then
        deliver what was reserved. A key already decided answers as stored, whatever the
        gate would say now; a reservation a crash left `pending` is decided again (the
        window may have closed) and, allowed, delivered under the same key."""
        key = request.idempotency_key
        async with self._pool.acquire() as conn:
            earlier = await contacts.get_attempt(conn, idempotency_key=key)
        if earlier is not None and earlier["status"] not in ("pending", "released"):
            return _stored(request, earlier)
        async with self._pool.acquire() as conn, conn.transaction():
            question = ContactQuestion(
                customer_id=request.customer_id,
                loan_id=request.loan_id,
                jurisdiction=request.jurisdiction or "CN",
                timezone=request.timezone,
                gate=gate,
                channel=request.channel,
                now=sending_instant(),
            )
            reservation = await self._gate.reserve(
                conn, question, idempotency_key=key, template=request.template
            )
            customer = await cases.get_customer(conn, customer_id=request.customer_id)
        verdict, attempt = reservation.verdict, reservation.attempt
        if verdict is not None and verdict.decision == "defer":
            return NotificationResult(
                idempotency_key=key,
                channel=request.channel,
                status="deferred",
                until=verdict.until,
                rule=verdict.rule,
                profile=verdict.profile,
                detail=verdict.detail or "the contact gate deferred it at the moment of sending",
            )
        if attempt["status"] != "pending":
            return _stored(request, attempt)
        result = await self._deliver(request, customer)
        return result.model_copy(update={"rule": attempt["rule"], "profile": attempt["profile"]})

    async def _deliver(
        self, request: NotificationRequest, customer: Customer | None
    ) -> NotificationResult:
        """Hand over a reserved (`pending`) attempt and mark it done."""
        key = request.idempotency_key
        if request.channel == "call":
            point = request.gate.contact_point if request.gate is not None else None
            person = person_ref(point) if point else None
            if person is not None and (customer is None or customer.contact_person(person) is None):
                # Gone from the customer's facts since the case asked: nobody to call.
                return await self._finish(request, "skipped", "no such contact person on file")
            if person is None and (customer is None or customer.phone is None):
                # No agent can call a debtor with no phone on file.
                return await self._finish(request, "skipped", "no phone on file")
            # A call is made by an agent: the task is the delivery, under the same key.
            async with self._pool.acquire() as conn:
                await contacts.create_agent_task(
                    conn,
                    idempotency_key=key,
                    loan_id=request.loan_id,
                    customer_id=request.customer_id,
                    kind=request.template,
                    contact_point=point if person is not None else None,
                )
            return await self._finish(request, "sent", "agent call task created")
        address = None
        if customer is not None:
            address = customer.phone if request.channel == "sms" else customer.email
        if address is None:
            # Undelivered: `skipped` never counts toward the gate's caps.
            return await self._finish(request, "skipped", f"no {request.channel} address on file")
        body = render(
            request.template,
            customer.language,
            name=customer.name,
            amount=request.amount_due,
            currency=request.currency,
            due_date=request.due_date,
            institution=self._institution,
            period_ends=request.validation_period_ends,
        )
        await self._provider.deliver(
            OutboundMessage(
                idempotency_key=key, channel=request.channel, address=address, body=body
            )
        )
        return await self._finish(request, "sent", None)

    async def _finish(
        self, request: NotificationRequest, status: str, detail: str | None
    ) -> NotificationResult:
        async with self._pool.acquire() as conn:
            sent_at = await contacts.update_attempt(
                conn, idempotency_key=request.idempotency_key, status=status, detail=detail
            )
        return _outcome(request, status, detail, sent_at)


def _outcome(
    request: NotificationRequest, status: str, detail: str | None, sent_at: datetime | None
) -> NotificationResult:
    """The result of a finished attempt; a sent message is named by its idempotency key,
    which is also the key the provider deduplicates on, and carries when it left."""
    return NotificationResult(
        idempotency_key=request.idempotency_key,
        channel=request.channel,
        status=status,
        detail=detail,
        message_id=request.idempotency_key if status == "sent" else None,
        sent_at=sent_at if status == "sent" else None,
    )


def _stored(request: NotificationRequest, attempt: asyncpg.Record) -> NotificationResult:
    """The result of an attempt the ledger holds as decided, with the gate's rule."""
    result = _outcome(request, attempt["status"], attempt["detail"], attempt["sent_at"])
    return result.model_copy(update={"rule": attempt["rule"], "profile": attempt["profile"]})


def sending_instant() -> datetime:
    """Now, for the contact window: the server's time of this attempt when it is ahead of
    the machine's clock (a time-skipping test server), else the machine's clock."""
    scheduled = activity.info().current_attempt_scheduled_time
    return max(datetime.now(UTC), scheduled)


def window_deferral(request: NotificationRequest) -> NotificationResult | None:
    """A `deferred` result when the contact window is closed now, else None."""
    if request.timezone is None or request.jurisdiction is None:
        return None
    decision = check_contact_time(sending_instant(), request.timezone, request.jurisdiction)
    if decision.allowed:
        return None
    return NotificationResult(
        idempotency_key=request.idempotency_key,
        channel=request.channel,
        status="deferred",
        until=decision.until,
        rule=decision.rule,
        detail="contact window closed at the moment of sending",
    )
