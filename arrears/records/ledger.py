"""The customer's contact ledger (`contact_attempts`, across all their loans): the lock the
gate decides under, the entries it counts, the decisions it writes, the call outcomes."""

from datetime import datetime

import asyncpg

from arrears.compliance import LedgerEntry

# The first key of the ledger's advisory locks (`ledg`), so they never meet another
# subsystem's; the second is the customer's hashtext. Two customers whose ids share a hash
# only wait for each other, which costs time, never correctness.
_LOCK_CLASS = 0x6C656467

COUNTED = ("pending", "sent")
"""The statuses that count toward caps: reserved and handed over. `skipped` (undelivered),
`released` (given back) and `blocked` (never sent) do not."""


async def lock_customer(conn: asyncpg.Connection, *, customer_id: str) -> None:
    """Hold the customer's ledger lock until the caller's transaction ends: one decision
    and reservation at a time per customer, whichever of their cases asks."""
    # An advisory lock rather than the customers row FOR UPDATE: that row is locked by
    # customer updates (FOR UPDATE) and a case's first sync (FOR SHARE), and every insert
    # referencing it (cases, contact_attempts, agent_tasks) takes KEY SHARE on it, which
    # FOR UPDATE blocks; this lock serialises the gate's decisions and nothing else.
    await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", _LOCK_CLASS, customer_id)


async def list_entries(
    conn: asyncpg.Connection,
    *,
    customer_id: str,
    since: datetime,
    excluding_key: str | None = None,
) -> list[LedgerEntry]:
    """The customer's counted contacts attempted at or after `since`, oldest first, on any
    loan; `excluding_key`'s own row left out (a reservation being decided again)."""
    rows = await conn.fetch(
        """
        SELECT attempted_at, loan_id, channel, contact_point, kind, outcome
        FROM contact_attempts
        WHERE customer_id = $1 AND attempted_at >= $2 AND status = ANY($3::text[])
          AND idempotency_key IS DISTINCT FROM $4
        ORDER BY attempted_at, created_at
        """,
        customer_id,
        since,
        list(COUNTED),
        excluding_key,
    )
    return [
        LedgerEntry(
            at=row["attempted_at"],
            loan_id=row["loan_id"],
            channel=row["channel"],
            contact_point=row["contact_point"],
            kind=row["kind"],
            outcome=row["outcome"],
        )
        for row in rows
    ]


async def put_decision(
    conn: asyncpg.Connection,
    *,
    idempotency_key: str,
    loan_id: str,
    customer_id: str,
    channel: str,
    template: str,
    contact_point: str,
    kind: str,
    status: str,
    attempted_at: datetime,
    rule: str,
    profile: str,
    detail: str | None = None,
) -> asyncpg.Record:
    """Write the gate's decision under the key (`pending`: reserved; `blocked`) and return
    the row. A row still open (`pending`, `released`) takes the new decision; a decided one
    (`sent`, `skipped`, `blocked`) is left as it is and returned."""
    written = await conn.fetchrow(
        """
        INSERT INTO contact_attempts (idempotency_key, loan_id, customer_id, channel, template,
                                      contact_point, kind, status, attempted_at, rule, profile,
                                      detail)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        ON CONFLICT (idempotency_key) DO UPDATE SET
            status = EXCLUDED.status, attempted_at = EXCLUDED.attempted_at,
            rule = EXCLUDED.rule, profile = EXCLUDED.profile, detail = EXCLUDED.detail
        WHERE contact_attempts.status IN ('pending', 'released')
        RETURNING *
        """,
        idempotency_key,
        loan_id,
        customer_id,
        channel,
        template,
        contact_point,
        kind,
        status,
        attempted_at,
        rule,
        profile,
        detail,
    )
    if written is not None:
        return written
    return await conn.fetchrow(
        "SELECT * FROM contact_attempts WHERE idempotency_key = $1", idempotency_key
    )


async def update_released(
    conn: asyncpg.Connection, *, idempotency_key: str, rule: str, profile: str, detail: str
) -> asyncpg.Record:
    """Give a reservation back (it stops counting); the key may reserve again later."""
    return await conn.fetchrow(
        """
        UPDATE contact_attempts SET status = 'released', rule = $2, profile = $3, detail = $4
        WHERE idempotency_key = $1 AND status = 'pending'
        RETURNING *
        """,
        idempotency_key,
        rule,
        profile,
        detail,
    )


async def update_call_outcome(
    conn: asyncpg.Connection,
    *,
    customer_id: str,
    loan_id: str,
    contact_point: str,
    outcome: str,
    at: datetime,
    idempotency_key: str,
) -> str:
    """Set `outcome` on the newest call of the loan to `contact_point` attempted at or
    before `at` that has none yet, and date the attempt `at`: a call task is created before
    the agent dials, and the call happened when its outcome says (the day a conversation
    counts from, Regulation F 1006.14(b)(2)(i)(B)). With no such call, record the agent's
    own call under `idempotency_key`, attempted at `at` (a repeat writes nothing). Returns
    the row's key."""
    updated = await conn.fetchval(
        """
        UPDATE contact_attempts SET outcome = $5, attempted_at = $4
        WHERE idempotency_key = (
            SELECT idempotency_key FROM contact_attempts
            WHERE customer_id = $1 AND loan_id = $2 AND contact_point = $3 AND kind = 'call'
              AND outcome IS NULL AND status = ANY($6::text[]) AND attempted_at <= $4
            ORDER BY attempted_at DESC, created_at DESC
            LIMIT 1
            FOR UPDATE
        )
        RETURNING idempotency_key
        """,
        customer_id,
        loan_id,
        contact_point,
        at,
        outcome,
        list(COUNTED),
    )
    if updated is not None:
        return updated
    await conn.execute(
        """
        INSERT INTO contact_attempts (idempotency_key, loan_id, customer_id, channel, template,
                                      contact_point, kind, status, attempted_at, outcome,
                                      detail, sent_at)
        VALUES ($1, $2, $3, 'call', 'agent_call', $4, 'call', 'sent', $5, $6,
                'an agent''s own call, recorded with its outcome', $5)
        ON CONFLICT (idempotency_key) DO NOTHING
        """,
        idempotency_key,
        loan_id,
        customer_id,
        contact_point,
        at,
        outcome,
    )
    return idempotency_key
