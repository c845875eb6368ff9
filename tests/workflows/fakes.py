"""Fake activities, registered under the real activity names, that record their calls."""

from dataclasses import dataclass, field

from temporalio import activity

from arrears.contracts import (
    CaseSync,
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

    @activity.defn(name="sync_case")
    async def sync_case(self, sync: CaseSync) -> None:
        self.syncs.append(sync)

    @activity.defn(name="score_risk")
    async def score_risk(self, request: ScoreRequest) -> RiskScore:
        self.scored.append(request)
        return RiskScore(score=580, tier="medium", reasons=["R23 first collection case (+30)"])

    @activity.defn(name="send_notification")
    async def send(self, request: NotificationRequest) -> NotificationResult:
        self.notifications.append(request)
        return NotificationResult(
            idempotency_key=request.idempotency_key, channel=request.channel, status="sent"
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
