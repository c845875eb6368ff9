"""Fake activities, registered under the real activity names, that record their calls.

The notification fake behaves like the real send where the workflow can tell: it checks the
contact window at the moment of sending (the attempt's time on the test server's clock),
skips channels the customer has no address for, and can fail like a provider that is down.
"""

from dataclasses import dataclass, field
from datetime import datetime

from temporalio import activity

from arrears.activities.notifications import sending_instant, window_deferral
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

    @activity.defn(name="sync_case")
    async def sync_case(self, sync: CaseSync) -> Customer | None:
        self.syncs.append(sync)
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
        self.notifications.append(request)
        if channel in self.no_address:
            detail = f"no {channel} address on file"
            return NotificationResult(
                idempotency_key=key, channel=channel, status="skipped", detail=detail
            )
        return NotificationResult(
            idempotency_key=key, channel=channel, status="sent", message_id=key
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
