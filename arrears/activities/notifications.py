"""Customer notifications (SMS, e-mail), sent at most once per case + step."""

from dataclasses import dataclass
from typing import Protocol

import asyncpg
from temporalio import activity

from arrears.activities.messages import render
from arrears.contracts import NotificationRequest, NotificationResult
from arrears.records import cases, contacts


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
    """Sends notifications through a provider, with the contact ledger as the guard."""

    def __init__(self, pool: asyncpg.Pool, provider: MessageProvider) -> None:
        self._pool = pool
        self._provider = provider

    @activity.defn(name="send_notification")
    async def send(self, request: NotificationRequest) -> NotificationResult:
        """Reserve the attempt, deliver, mark it sent. A retry after any step of that finds
        the attempt and either returns its outcome or re-delivers under the same key, which
        the provider deduplicates, so the customer gets one message."""
        key = request.idempotency_key
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
        if attempt["status"] == "pending" and request.channel == "call":
            # A call is made by an agent: the task is the delivery, under the same key.
            async with self._pool.acquire() as conn:
                await contacts.create_agent_task(
                    conn,
                    idempotency_key=key,
                    loan_id=request.loan_id,
                    customer_id=request.customer_id,
                    kind=request.template,
                )
            return await self._finish(request, "sent", "agent call task created")
        if attempt["status"] != "pending":
            return NotificationResult(
                idempotency_key=key,
                channel=request.channel,
                status=attempt["status"],
                detail=attempt["detail"],
            )
        address = None
        if customer is not None:
            address = customer.phone if request.channel == "sms" else customer.email
        if address is None:
            return await self._finish(request, "skipped", f"no {request.channel} address on file")
        body = render(
            request.template,
            customer.language,
            name=customer.name,
            amount=request.amount_due,
            currency=request.currency,
            due_date=request.due_date,
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
            await contacts.update_attempt(
                conn, idempotency_key=request.idempotency_key, status=status, detail=detail
            )
        return NotificationResult(
            idempotency_key=request.idempotency_key,
            channel=request.channel,
            status=status,
            detail=detail,
        )
