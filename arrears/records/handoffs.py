"""Escalations handed to the bureau, lawyers or litigation, once per key."""

from datetime import datetime

import asyncpg

from arrears.contracts import HandOff


async def create_handoff(conn: asyncpg.Connection, *, handoff: HandOff) -> datetime:
    """Insert the hand-off once; returns when it was first recorded (UTC), also when its
    key was already there."""
    return await conn.fetchval(
        """
        WITH inserted AS (
            INSERT INTO escalation_handoffs (idempotency_key, loan_id, customer_id, step, dpd,
                                             currency, balance, rule, strategy_version)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING created_at
        )
        SELECT created_at FROM inserted
        UNION ALL
        SELECT created_at FROM escalation_handoffs WHERE idempotency_key = $1
        LIMIT 1
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
