"""Fake activities that can be held in flight until the test releases them.

For race tests: hold one kind of activity, let the case reach it, deliver a command while it
is in flight, release it, and check that the case decided again from its state as it is now.
While an activity is in flight the time-skipping server does not skip time.

`hold(kind, after=True)` holds the call once its work is done instead: the message has left
(or the hand-off is made) but the case learns it only on release. With a `clock` (the test
server's), sends and hand-offs report the instant their work was done, as the real
activities do.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from temporalio import activity

from arrears.contracts import (
    CaseSync,
    Customer,
    HandedOff,
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
    after: bool = False
    """Hold once the call's work is done, rather than before it starts."""


@dataclass
class BlockingActivities:
    fakes: FakeActivities = field(default_factory=FakeActivities)
    gates: dict[str, Gate] = field(default_factory=dict)
    clock: Callable[[], Awaitable[datetime]] | None = None
    """With it, sends and hand-offs report when their work was done (`sent_at`,
    `HandedOff.at`) by this clock."""

    def hold(self, kind: str, *, after: bool = False) -> Gate:
        """Hold the next call of `kind` (one of `KINDS`) until the gate is released: before
        its work, or `after` it."""
        assert kind in KINDS
        gate = self.gates[kind] = Gate(after=after)
        return gate

    def release_all(self) -> None:
        for gate in self.gates.values():
            gate.release.set()
        self.gates.clear()

    async def _pass(self, kind: str, *, after: bool = False) -> None:
        gate = self.gates.get(kind)
        if gate is None or gate.entered.is_set() or gate.after != after:
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
        result = await self.fakes.send(request)
        if self.clock is not None and result.status == "sent":
            result = result.model_copy(update={"sent_at": await self.clock()})
        await self._pass("send_notification", after=True)
        return result

    @activity.defn(name="hand_off_escalation")
    async def hand_off(self, handoff: HandOff) -> HandedOff | None:
        await self._pass("hand_off_escalation")
        await self.fakes.hand_off(handoff)
        handed = HandedOff(at=await self.clock()) if self.clock is not None else None
        await self._pass("hand_off_escalation", after=True)
        return handed

    @property
    def all(self) -> list:
        return [self.sync_case, self.score_risk, self.send, self.hand_off]
