"""Escalation hand-offs: credit-bureau reports, lawyer's letters, litigation referrals."""

import asyncpg
from temporalio import activity

from arrears.contracts import HandedOff, HandOff
from arrears.records import handoffs


class Escalations:
    """Records each escalation in `escalation_handoffs`, where the bureau feed and the legal
    team's queue read it. Idempotent on the hand-off's key."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name="hand_off_escalation")
    async def hand_off(self, handoff: HandOff) -> HandedOff:
        """Record the hand-off once; answers when it was first handed off."""
        async with self._pool.acquire() as conn:
            at = await handoffs.create_handoff(conn, handoff=handoff)
        return HandedOff(at=at)
