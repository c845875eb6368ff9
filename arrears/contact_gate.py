"""The one door to the customer: the contact gate over the customer's ledger in Postgres.

`check` answers what the gate would say now, reserving nothing (an agent before dialling);
`ContactGate.reserve` decides and reserves in the caller's transaction under the customer's
ledger lock (the send activity). Both build the facts and read the ledger through the same
`ContactGate._verdict`, so an agent is told what a send would be told. The rules themselves
are `arrears.compliance.decide`, pure.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
import phonenumbers
from phonenumbers import timezone as phone_timezones

from arrears.compliance import CustomerFacts, LedgerEntry, ProposedContact, Verdict, decide
from arrears.compliance.facts import point_of
from arrears.compliance.loader import profile_for
from arrears.compliance.profile import Profile
from arrears.contracts import Channel, ContactGateFacts, RecordedEvent
from arrears.records import cases, ledger

LEDGER_SPAN = timedelta(days=8)
"""How far back the gate reads: the longest rule looks back 7 rolling days (Regulation F
§1006.14(b)(2)); one more day covers a calendar day in any customer-local zone."""

Rules = Callable[
    [Profile, CustomerFacts, Sequence[LedgerEntry], ProposedContact, datetime], Verdict
]

FLAGGED_ON_ANOTHER_LOAN = "flagged_on_another_loan"
"""The vulnerability the gate is told of when an agent flagged it on another open case of
the customer."""

LEDGER_OUTCOMES = {
    "conversation": "connected",
    "refused_to_pay": "connected",
    "no_answer": "unanswered",
    "wrong_number": "wrong_number",
    "declined": "refused",
}
"""An agent's recorded result of a call (`contact_outcome`) as the ledger counts it: a
refusal to pay was still a conversation; a contact person who declined has `refused`, and
the gate never lets them be contacted again (`compliance.persons`)."""


def _profile_for(jurisdiction: str) -> Profile:
    """The jurisdiction's shipped profile, without a house policy."""
    return profile_for(jurisdiction)


def candidate_timezones(
    timezone: str | None, jurisdiction: str, phone: str | None
) -> tuple[str, ...]:
    """The zones the customer may be in: the case's first, then, for the US, those of the
    phone number's area code that differ (Regulation F §1006.6(b)(1)(i): without knowledge
    to the contrary, a time is convenient only if it is in every zone the customer may be
    in). The phone number is only read here; it never leaves."""
    zones = [timezone] if timezone else []
    if jurisdiction == "US" and phone:
        try:
            number = phonenumbers.parse(phone)
        except phonenumbers.NumberParseException:
            number = None
        # Only a North American number's area code says where in the US someone may be;
        # a foreign number says nothing about the customer's US location.
        if number is not None and number.country_code == 1:
            for zone in phone_timezones.time_zones_for_number(number):
                if zone != "Etc/Unknown" and zone not in zones:
                    zones.append(zone)
    return tuple(zones)


@dataclass(frozen=True)
class Reservation:
    """What `reserve` did. `verdict`: the gate's answer, None when the key was already
    decided (sent, skipped, blocked) and was not asked again. `attempt`: the key's row
    after it (`pending`: reserved, go; `blocked`; `released`; a decided one), or None when
    the gate deferred a key that had no row (nothing written)."""

    verdict: Verdict | None
    attempt: asyncpg.Record | None


@dataclass(frozen=True)
class ContactQuestion:
    """A contact one case proposes at `now` (UTC): the customer's, on the case's loan, in
    the case's jurisdiction and zone (None: the customer's stored one), on `channel`, with
    what the case tells the gate (`gate`)."""

    customer_id: str
    loan_id: str
    jurisdiction: str
    timezone: str | None
    gate: ContactGateFacts
    channel: Channel
    now: datetime

    @property
    def contact_point(self) -> str:
        return self.gate.contact_point or point_of(self.channel)


@dataclass(frozen=True)
class ContactGate:
    """The gate with its profiles (the shipped ones, or with a house policy on top) and
    rules (`arrears.compliance.decide`)."""

    profile_for: Callable[[str], Profile] = _profile_for
    rules: Rules = decide

    async def check(self, conn: asyncpg.Connection, question: ContactQuestion) -> Verdict:
        """What the gate answers for `question`, reserving nothing. Read without the lock:
        a send deciding meanwhile may take the last slot."""
        return await self._verdict(conn, question)

    async def reserve(
        self,
        conn: asyncpg.Connection,
        question: ContactQuestion,
        *,
        idempotency_key: str,
        template: str,
    ) -> Reservation:
        """Decide and write the decision, in the caller's transaction, under the customer's
        ledger lock: two cases of one customer deciding at once are served one after the
        other, the second counting the first's reservation.

        allow: the row `pending` (reserved) at `question.now`. block: the row `blocked` (a
        retry answers the same). defer: nothing written; a reservation this key held (a
        retry after the window closed) is `released`. A key already decided is returned as
        is.
        """
        await ledger.lock_customer(conn, customer_id=question.customer_id)
        earlier = await conn.fetchrow(
            "SELECT * FROM contact_attempts WHERE idempotency_key = $1", idempotency_key
        )
        if earlier is not None and earlier["status"] not in ("pending", "released"):
            return Reservation(verdict=None, attempt=earlier)
        verdict = await self._verdict(conn, question, excluding_key=idempotency_key)
        if verdict.decision == "defer":
            released = None
            if earlier is not None and earlier["status"] == "pending":
                released = await ledger.update_released(
                    conn,
                    idempotency_key=idempotency_key,
                    rule=verdict.rule,
                    profile=verdict.profile,
                    detail=verdict.detail
                    or "deferred by the contact gate at the moment of sending",
                )
            return Reservation(verdict=verdict, attempt=released or earlier)
        attempt = await ledger.put_decision(
            conn,
            idempotency_key=idempotency_key,
            loan_id=question.loan_id,
            customer_id=question.customer_id,
            channel=question.channel,
            template=template,
            contact_point=question.contact_point,
            kind="call" if question.channel == "call" else "message",
            status="pending" if verdict.allowed else "blocked",
            attempted_at=question.now,
            rule=verdict.rule,
            profile=verdict.profile,
            detail=None if verdict.allowed else verdict.detail or "blocked by the contact gate",
        )
        return Reservation(verdict=verdict, attempt=attempt)

    async def _verdict(
        self,
        conn: asyncpg.Connection,
        question: ContactQuestion,
        *,
        excluding_key: str | None = None,
    ) -> Verdict:
        customer = await cases.get_customer(conn, customer_id=question.customer_id)
        zones = candidate_timezones(
            question.timezone or (customer.timezone if customer else None),
            question.jurisdiction,
            customer.phone if customer else None,
        )
        gate = question.gate
        # Vulnerability, a wrong number and a stopped channel are the person's, not the
        # loan's: what any open case of the customer recorded protects every loan.
        elsewhere = await cases.protections_elsewhere(
            conn, customer_id=question.customer_id, loan_id=question.loan_id
        )
        vulnerability = gate.vulnerability
        if vulnerability is None and elsewhere.vulnerable:
            vulnerability = FLAGGED_ON_ANOTHER_LOAN
        facts = CustomerFacts(
            timezones=zones,
            jurisdiction=question.jurisdiction,
            vulnerability=vulnerability,
            breathing_space_until=gate.breathing_space_until,
            opted_out=frozenset(gate.opted_out) | elsewhere.opted_out,
            invalid_points=frozenset(gate.invalid_points) | elsewhere.invalid_points,
        )
        entries = await ledger.list_entries(
            conn,
            customer_id=question.customer_id,
            since=question.now - LEDGER_SPAN,
            excluding_key=excluding_key,
        )
        proposed = ProposedContact(
            loan_id=question.loan_id,
            channel=question.channel,
            contact_point=question.contact_point,
            purpose=gate.purpose,
        )
        profile = self.profile_for(question.jurisdiction)
        return self.rules(profile, facts, entries, proposed, question.now)


async def record_outcomes(
    conn: asyncpg.Connection,
    *,
    customer_id: str,
    loan_id: str,
    episode: int,
    events: Sequence[RecordedEvent],
) -> None:
    """Put the agents' recorded call outcomes (`contact_outcome` events) in the ledger, in
    the caller's transaction. Give only events stored by this transaction: an outcome is
    set once, when its event is first stored, so a re-sync changes nothing."""
    for recorded in events:
        event = recorded.event
        outcome = LEDGER_OUTCOMES.get(getattr(event, "outcome", None) or "")
        if event.type != "contact_outcome" or outcome is None:
            continue
        await ledger.update_call_outcome(
            conn,
            customer_id=customer_id,
            loan_id=loan_id,
            contact_point=getattr(event, "contact_point", None) or "phone",
            outcome=outcome,
            at=event.at,
            # The seq restarts with each episode of the loan.
            idempotency_key=f"{loan_id}:outcome:{episode}:{recorded.seq}",
        )
