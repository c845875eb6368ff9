"""Fake activities that can be held in flight until the test releases them.

For race tests: hold one kind of activity, let the case reach it, deliver a command while it
is in flight, release it, and check that the case decided again from its state as it is now.
While an activity is in flight the time-skipping server does not skip time.
"""

import asyncio
from dataclasses import dataclass, field

from temporalio import activity

from arrears.contracts import (
    CaseSync,
    Customer,
    HandOff,
    NotificationRequest,
    NotificationResult,
    RiskScore,
    ScoreRequest,
)
from tests.workflows.fakes import FakeActivities

KINDS = ("score_risk", "send_notification", "hand_off_escalation", "sync_case")


@dataclass
class Gate:
    """Holds the next call of one activity kind: `entered` is set when it arrives, and it
    waits for `release`."""

    entered: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class BlockingActivities:
    fakes: FakeActivities = field(default_factory=FakeActivities)
    gates: dict[str, Gate] = field(default_factory=dict)

    def hold(self, kind: str) -> Gate:
        """Hold the next call of `kind` (one of `KINDS`) until the gate is released."""
        assert kind in KINDS
        gate = self.gates[kind] = Gate()
        return gate

    def release_all(self) -> None:
        for gate in self.gates.values():
            gate.release.set()
        self.gates.clear()

    async def _pass(self, kind: str) -> None:
        gate = self.gates.get(kind)
        if gate is None or gate.entered.is_set():
            return
        gate.entered.set()
        await gate.release.wait()

    @activity.defn(name="sync_case")
    async def sync_case(self, sync: CaseSync) -> Customer | None:
        await self._pass("sync_case")
        return await self.fakes.sync_case(sync)

    @activity.defn(name="score_risk")
    async def score_risk(self, request: ScoreRequest) -> RiskScore:
        await self._pass("score_risk")
        return await self.fakes.score_risk(request)

    @activity.defn(name="send_notification")
    async def send(self, request: NotificationRequest) -> NotificationResult:
        await self._pass("send_notification")
        return await self.fakes.send(request)

    @activity.defn(name="hand_off_escalation")
    async def hand_off(self, handoff: HandOff) -> None:
        await self._pass("hand_off_escalation")
        await self.fakes.hand_off(handoff)

    @property
    def all(self) -> list:
        return [self.sync_case, self.score_risk, self.send, self.hand_off]
