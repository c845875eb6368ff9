"""Fake activities, registered under the real activity names, that record their calls.

The notification fake behaves like the real send where the workflow can tell: it checks the
contact window at the moment of sending (the attempt's time on the test server's clock),
asks the contact gate (`arrears.compliance.decide`) when the request carries its facts, with
an in-memory ledger of what it sent and the call outcomes the case synced, skips channels
the customer has no address for, and can fail like a provider that is down.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from temporalio import activity

from arrears.activities.notifications import sending_instant, window_deferral
from arrears.compliance import CustomerFacts, LedgerEntry, ProposedContact, Verdict, decide
from arrears.compliance.facts import point_of
from arrears.compliance.loader import profile_for
from arrears.compliance.profile import Profile
from arrears.contact_gate import LEDGER_OUTCOMES, candidate_timezones
from arrears.contracts import (
    CaseSync,
    Customer,
    HandOff,
    NotificationRequest,
    NotificationResult,
    RiskScore,
    ScoreRequest,
)


@dataclass
class FakeActivities:
    syncs: list[CaseSync] = field(default_factory=list)
    notifications: list[NotificationRequest] = field(default_factory=list)
    scored: list[ScoreRequest] = field(default_factory=list)
    handoffs: list[HandOff] = field(default_factory=list)
    no_address: set[str] = field(default_factory=set)
    """Channels the customer has no address for: their messages are `skipped`."""
    provider_down_until: datetime | None = None
    """Sends fail (the provider is down) until this instant on the server's clock."""
    stored_customer: Customer | None = None
    """The customer's facts on record: the first sync returns them when the case's differ."""
    ledger: list[LedgerEntry] = field(default_factory=list)
    """The customer's contact ledger: what the gate let go, with the outcomes synced."""
    ledger_keys: set[str] = field(default_factory=set)
    """The keys of the sends in `ledger`: a retried send is one contact, as in PostgreSQL."""
    verdicts: list[Verdict] = field(default_factory=list)
    journal: list[str] = field(default_factory=list)
    """Syncs and sends in the order they came: `sync <event types>`, `send <key>`."""
    """What the gate answered each gated request, in order."""
    gate_before: Callable[[NotificationRequest, datetime], Verdict | None] | None = None
    """A rule of the test's own, asked before the profile's: a verdict from it stands."""
    house_policy: Profile | None = None
    phone: str | None = None
    """The customer's phone on record, whose area code may add time zones (US)."""
    """The lender's house policy over the jurisdiction's shipped profile, as ARREARS_PROFILES
    sets it."""

    @activity.defn(name="sync_case")
    async def sync_case(self, sync: CaseSync) -> Customer | None:
        self.syncs.append(sync)
        self.journal.append("sync " + " ".join(e.event.type for e in sync.events))
        self._note_outcomes(sync)
        stored = self.stored_customer
        if sync.customer is None or stored is None or stored == sync.customer:
            return None
        return stored

    @activity.defn(name="score_risk")
    async def score_risk(self, request: ScoreRequest) -> RiskScore:
        self.scored.append(request)
        return RiskScore(score=580, tier="medium", reasons=["R23 first collection case (+30)"])

    @activity.defn(name="send_notification")
    async def send(self, request: NotificationRequest) -> NotificationResult:
        key, channel = request.idempotency_key, request.channel
        if self.provider_down_until is not None and sending_instant() < self.provider_down_until:
            raise RuntimeError("provider unavailable")
        deferred = window_deferral(request)
        if deferred is not None:
            return deferred
        if request.gate is not None:
            verdict = self._ask_gate(request)
            if not verdict.allowed:
                status = "deferred" if verdict.decision == "defer" else "blocked"
                return NotificationResult(
                    idempotency_key=key,
                    channel=channel,
                    status=status,
                    until=verdict.until,
                    rule=verdict.rule,
                    profile=verdict.profile,
                    detail=verdict.detail or None,
                )
            self.notifications.append(request)
            self.journal.append(f"send {key}")
            if channel not in self.no_address:
                if key not in self.ledger_keys:
                    self.ledger_keys.add(key)
                    self.ledger.append(
                        LedgerEntry(
                            at=sending_instant(),
                            loan_id=request.loan_id,
                            channel=channel,
                            contact_point=request.gate.contact_point or point_of(channel),
                            kind="call" if channel == "call" else "message",
                        )
                    )
                return NotificationResult(
                    idempotency_key=key,
                    channel=channel,
                    status="sent",
                    message_id=key,
                    rule=verdict.rule,
                    profile=verdict.profile,
                )
        else:
            self.notifications.append(request)
        if channel in self.no_address:
            detail = f"no {channel} address on file"
            return NotificationResult(
                idempotency_key=key, channel=channel, status="skipped", detail=detail
            )
        return NotificationResult(
            idempotency_key=key, channel=channel, status="sent", message_id=key
        )

    def _ask_gate(self, request: NotificationRequest) -> Verdict:
        gate = request.gate
        assert gate is not None and request.jurisdiction is not None
        now = sending_instant()
        verdict = self.gate_before(request, now) if self.gate_before else None
        if verdict is None:
            facts = CustomerFacts(
                timezones=candidate_timezones(
                    request.timezone or "UTC", request.jurisdiction, self.phone
                ),
                jurisdiction=request.jurisdiction,
                vulnerability=gate.vulnerability,
                breathing_space_until=gate.breathing_space_until,
                opted_out=frozenset(gate.opted_out),
                invalid_points=frozenset(gate.invalid_points),
            )
            proposed = ProposedContact(
                loan_id=request.loan_id,
                channel=request.channel,
                contact_point=gate.contact_point or point_of(request.channel),
                purpose=gate.purpose,
            )
            profile = profile_for(request.jurisdiction, self.house_policy)
            verdict = decide(profile, facts, list(self.ledger), proposed, now)
        self.verdicts.append(verdict)
        return verdict

    def _note_outcomes(self, sync: CaseSync) -> None:
        """A call outcome the case recorded belongs to its contact point's last call
        without one; with none, it is the agent's own call, at the outcome's time (as
        `records.ledger.update_call_outcome` does)."""
        for recorded in sync.events:
            event = recorded.event
            if event.type != "contact_outcome":
                continue
            extra = event.model_extra or {}
            point = extra.get("contact_point") or "phone"
            outcome = LEDGER_OUTCOMES[extra["outcome"]]
            calls = [
                e
                for e in self.ledger
                if e.kind == "call" and e.outcome is None and e.contact_point == point
            ]
            if calls:
                entry = calls[-1]
                self.ledger[self.ledger.index(entry)] = LedgerEntry(
                    at=event.at,
                    loan_id=entry.loan_id,
                    channel=entry.channel,
                    contact_point=entry.contact_point,
                    kind=entry.kind,
                    outcome=outcome,
                )
            else:
                self.ledger.append(
                    LedgerEntry(
                        at=event.at,
                        loan_id=sync.view.loan_id,
                        channel="call",
                        contact_point=point,
                        kind="call",
                        outcome=outcome,
                    )
                )

    @activity.defn(name="hand_off_escalation")
    async def hand_off(self, handoff: HandOff) -> None:
        self.handoffs.append(handoff)

    @property
    def all(self) -> list:
        return [self.sync_case, self.score_risk, self.send, self.hand_off]

    def synced_payment_ids(self) -> list[str]:
        return [p.payment_id for sync in self.syncs for p in sync.payments]

    def synced_event_types(self) -> list[str]:
        return [e.event.type for sync in self.syncs for e in sync.events]

    def stored_event_types_of(self, episode: int):
        """`stored_event_types` of one case of the loan (PostgreSQL keeps a chain each)."""

        def stored() -> list[str]:
            types = {
                e.seq: e.event.type
                for sync in self.syncs
                if sync.view.episode == episode
                for e in sync.events
            }
            return [types[seq] for seq in sorted(types)]

        return stored

    def stored_event_types(self) -> list[str]:
        """The event types as Postgres keeps them: once per sequence number, in order."""
        stored = {e.seq: e.event.type for sync in self.syncs for e in sync.events}
        assert sorted(stored) == list(range(len(stored))), "a gap in the synced sequence"
        return [stored[seq] for seq in range(len(stored))]
