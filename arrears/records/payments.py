"""Payments applied to cases."""

import asyncpg

from arrears.contracts import PaymentRecord, ReversalRecord


async def create_payment(
    conn: asyncpg.Connection, *, loan_id: str, payment: PaymentRecord, episode: int = 1
) -> bool:
    """Insert a payment once; returns False when (loan_id, episode, payment_id) was already
    there."""
    status = await conn.execute(
        """
        INSERT INTO payments (loan_id, payment_id, amount, currency, to_fees, to_interest,
                              to_principal, excess, via, paid_at, applied_at, recovery, episode)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
        ON CONFLICT (loan_id, episode, payment_id) DO NOTHING
        """,
        loan_id,
        payment.payment_id,
        payment.amount,
        payment.currency,
        payment.allocation.fees,
        payment.allocation.interest,
        payment.allocation.principal,
        payment.allocation.excess,
        payment.via,
        payment.paid_at,
        payment.applied_at,
        payment.recovery,
        episode,
    )
    return status == "INSERT 0 1"


async def list_payments(conn: asyncpg.Connection, *, loan_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM payments WHERE loan_id = $1 ORDER BY episode, applied_at, payment_id",
        loan_id,
    )


async def update_reversal(
    conn: asyncpg.Connection, *, loan_id: str, reversal: ReversalRecord, episode: int = 1
) -> None:
    """Mark a payment reversed, once: a repeat keeps the first reversal's time and reason."""
    await conn.execute(
        """
        UPDATE payments SET reversed_at = $3, reversal_reason = $4
        WHERE loan_id = $1 AND episode = $5 AND payment_id = $2 AND reversed_at IS NULL
        """,
        loan_id,
        reversal.payment_id,
        reversal.reversed_at,
        reversal.reason,
        episode,
    )
