"""The contact ledger: one row per contact decided, keyed by case + step."""

from datetime import datetime

import asyncpg


async def get_attempt(conn: asyncpg.Connection, *, idempotency_key: str) -> asyncpg.Record | None:
    """The attempt under `idempotency_key`, or None if none was reserved."""
    return await conn.fetchrow(
        "SELECT * FROM contact_attempts WHERE idempotency_key = $1", idempotency_key
    )


async def get_or_create_attempt(
    conn: asyncpg.Connection,
    *,
    idempotency_key: str,
    loan_id: str,
    customer_id: str,
    channel: str,
    template: str,
) -> asyncpg.Record:
    """Reserve the attempt row, or return the one a previous try left (with its status)."""
    await conn.execute(
        """
        INSERT INTO contact_attempts (idempotency_key, loan_id, customer_id, channel, template,
                                      status)
        VALUES ($1, $2, $3, $4, $5, 'pending')
        ON CONFLICT (idempotency_key) DO NOTHING
        """,
        idempotency_key,
        loan_id,
        customer_id,
        channel,
        template,
    )
    return await conn.fetchrow(
        "SELECT * FROM contact_attempts WHERE idempotency_key = $1 FOR UPDATE", idempotency_key
    )


async def update_attempt(
    conn: asyncpg.Connection, *, idempotency_key: str, status: str, detail: str | None = None
) -> datetime | None:
    """Mark the attempt done; returns when it was sent (UTC), None unless `sent`."""
    return await conn.fetchval(
        """
        UPDATE contact_attempts
        SET status = $2, detail = $3, sent_at = CASE WHEN $2 = 'sent' THEN now() END
        WHERE idempotency_key = $1
        RETURNING sent_at
        """,
        idempotency_key,
        status,
        detail,
    )


async def create_outbound_message(
    conn: asyncpg.Connection, *, idempotency_key: str, channel: str, address: str, body: str
) -> None:
    await conn.execute(
        """
        INSERT INTO outbound_messages (idempotency_key, channel, address, body)
        VALUES ($1, $2, $3, $4) ON CONFLICT (idempotency_key) DO NOTHING
        """,
        idempotency_key,
        channel,
        address,
        body,
    )


async def list_attempts(conn: asyncpg.Connection, *, loan_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM contact_attempts WHERE loan_id = $1 ORDER BY created_at", loan_id
    )


async def create_agent_task(
    conn: asyncpg.Connection,
    *,
    idempotency_key: str,
    loan_id: str,
    customer_id: str,
    kind: str,
    contact_point: str | None = None,
) -> None:
    """An agent's call task (once per key). `contact_point`: `person:<ref>` for a call to a
    contact person (whose phone the agent reads with the customer), None for the debtor's."""
    await conn.execute(
        """
        INSERT INTO agent_tasks (idempotency_key, loan_id, customer_id, kind, contact_point)
        VALUES ($1, $2, $3, $4, $5) ON CONFLICT (idempotency_key) DO NOTHING
        """,
        idempotency_key,
        loan_id,
        customer_id,
        kind,
        contact_point,
    )
