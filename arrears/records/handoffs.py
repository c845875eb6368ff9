"""Escalations handed to the bureau, lawyers or litigation, once per key."""

from datetime import datetime

import asyncpg

from arrears.contracts import HandOff


async def handed_off_at(conn: asyncpg.Connection, *, idempotency_key: str) -> datetime:
    """When the hand-off under `idempotency_key` was first recorded (UTC)."""
    return await conn.fetchval(
        "SELECT created_at FROM escalation_handoffs WHERE idempotency_key = $1", idempotency_key
    )


async def create_handoff(conn: asyncpg.Connection, *, handoff: HandOff) -> bool:
    """Insert the hand-off once; False when its key was already there."""
    status = await conn.execute(
        """
        INSERT INTO escalation_handoffs (idempotency_key, loan_id, customer_id, step, dpd,
                                         currency, balance, rule, strategy_version)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        ON CONFLICT (idempotency_key) DO NOTHING
        """,
        handoff.idempotency_key,
        handoff.loan_id,
        handoff.customer_id,
        handoff.step,
        handoff.dpd,
        handoff.currency,
        handoff.balance,
        handoff.rule,
        handoff.strategy_version,
    )
    return status == "INSERT 0 1"
