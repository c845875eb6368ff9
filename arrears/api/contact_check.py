"""The contact check: what the contact gate would answer now for a contact an agent is
about to make, from the case's facts and the customer's ledger, reserving nothing.

It asks the same gate, with the same facts and ledger, as the send does
(`contact_gate.ContactGate.check`), so the answer is the one a send would get now; a send
by another case of the customer may take the last slot a moment later.
"""

import asyncio
from datetime import UTC, datetime
from typing import Literal

import asyncpg

from arrears.api.gateway import ANSWER_TIMEOUT, CaseGateway
from arrears.compliance.facts import point_of
from arrears.contact_gate import ContactGate, ContactQuestion
from arrears.contracts import Channel, Contract, Customer
from arrears.errors import CaseClosedError, ContactLedgerUnavailableError, InvalidCommandError
from arrears.fields import UtcDatetime
from arrears.records import cases

LEDGER_DOWN = "the contact ledger did not answer; retry shortly"


class ContactCheck(Contract):
    """The gate's answer for a contact on `channel` to `contact_point` now.

    `decision`: `allow`, `defer` (not before `until`, UTC) or `block`. `rule`: the rule
    that decided (`gate.allow` when none stood in the way; `contact.paused_<reason>` while
    the case itself holds collection: a dispute, a promise, a plan, hardship, Breathing
    Space). `profile`: the layered profile's version. `checked_at`: the instant asked."""

    loan_id: str
    channel: Channel
    contact_point: str
    decision: Literal["allow", "defer", "block"]
    rule: str
    profile: str | None = None
    until: UtcDatetime | None = None
    detail: str | None = None
    checked_at: UtcDatetime


class ContactChecker:
    """The check for the API. `pool` None: no ledger configured (no DATABASE_URL)."""

    def __init__(self, gateway: CaseGateway, pool: asyncpg.Pool | None, gate: ContactGate):
        self._gateway = gateway
        self._pool = pool
        self._gate = gate

    async def check(
        self, loan_id: str, channel: Channel, contact_point: str | None
    ) -> ContactCheck:
        """Raises `InvalidCommandError` (422: a channel that cannot reach the point, an
        unknown contact person), `CaseNotFoundError`, `CaseClosedError` (409) or
        `ContactLedgerUnavailableError` (503)."""
        point = contact_point or point_of(channel)
        if not _reaches(channel, point):
            raise InvalidCommandError(
                f"contact_point: {point} cannot be reached by {channel} (sms and calls reach "
                "the phone, e-mail the e-mail address, and a contact person is only called)",
                code="channel_mismatch",
            )
        now = datetime.now(UTC)
        facts = await self._gateway.get_contact_facts(loan_id, now)
        if not facts.is_open:
            raise CaseClosedError(loan_id)
        answer = {"loan_id": loan_id, "channel": channel, "contact_point": point, "checked_at": now}
        if facts.paused is not None:
            return ContactCheck(
                **answer,
                decision="block",
                rule=f"contact.paused_{facts.paused}",
                detail=f"collection is paused ({facts.paused.replace('_', ' ')})",
            )
        if self._pool is None:
            raise ContactLedgerUnavailableError("no contact ledger is configured (DATABASE_URL)")
        # A contact person is called only to restore contact with the debtor.
        purpose = "restore_contact" if point.startswith("person:") else "collection"
        gate = facts.gate.model_copy(update={"contact_point": point, "purpose": purpose})
        try:
            async with (
                asyncio.timeout(ANSWER_TIMEOUT.total_seconds()),
                self._pool.acquire() as conn,
            ):
                question = ContactQuestion(
                    customer_id=facts.customer_id,
                    loan_id=loan_id,
                    jurisdiction=facts.jurisdiction,
                    timezone=facts.timezone,
                    gate=gate,
                    channel=channel,
                    now=now,
                )
                verdict = await self._gate.check(conn, question)
                customer = await cases.get_customer(conn, customer_id=facts.customer_id)
        except (OSError, TimeoutError, asyncpg.PostgresError) as error:
            raise ContactLedgerUnavailableError(LEDGER_DOWN) from error
        ref = point.removeprefix("person:") if point.startswith("person:") else None
        if ref is not None and (customer is None or customer.contact_person(ref) is None):
            raise InvalidCommandError(
                "contact_point: the customer has no contact person with this ref",
                code="unknown_contact_point",
            )
        if ref is None and not _address_on_file(customer, point):
            # Nothing to send to or dial, whatever the hour: the check says so first.
            return ContactCheck(
                **answer,
                decision="block",
                rule="contact.no_address",
                profile=verdict.profile,
                detail=f"no {point} on file",
            )
        return ContactCheck(
            **answer,
            decision=verdict.decision,
            rule=verdict.rule,
            profile=verdict.profile,
            until=verdict.until,
            detail=verdict.detail or None,
        )


def _reaches(channel: Channel, point: str) -> bool:
    """Whether a contact on `channel` can go to `point`."""
    if point.startswith("person:"):
        return channel == "call"
    return point == point_of(channel)


def _address_on_file(customer: Customer | None, point: str) -> bool:
    """Whether the customer's record has the debtor's `point` (`phone`, `email`)."""
    if customer is None:
        return False
    return (customer.phone if point == "phone" else customer.email) is not None
