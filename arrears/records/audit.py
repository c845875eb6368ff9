"""The append-only, hash-chained audit trail of each case.

Each row's hash is sha256(previous hash || canonical JSON of the event), starting from 32
zero bytes, so altering or removing any row breaks every hash after it. Each case of a loan
(`episode`) has its own chain, from seq 0.
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from arrears.contracts import RecordedEvent

GENESIS = bytes(32)


def canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(prev_hash: bytes, body: dict[str, Any]) -> bytes:
    return hashlib.sha256(prev_hash + canonical(body)).digest()


async def append_events(
    conn: asyncpg.Connection, *, loan_id: str, events: list[RecordedEvent], episode: int = 1
) -> int:
    """Append events in seq order, skipping those already stored. Returns how many were new.

    The caller must hold the case row lock (SELECT ... FOR UPDATE) so appends to one chain
    are serialised.
    """
    next_seq, prev_hash = await _chain_end(conn, loan_id=loan_id, episode=episode)
    added = 0
    for recorded in sorted(events, key=lambda e: e.seq):
        if recorded.seq < next_seq:
            continue
        if recorded.seq != next_seq:
            raise ValueError(
                f"audit gap for {loan_id}: expected seq {next_seq}, got {recorded.seq}"
            )
        body = recorded.event.model_dump(mode="json", exclude_none=True)
        digest = chain_hash(prev_hash, body)
        await conn.execute(
            "INSERT INTO audit_events (loan_id, seq, at, type, body, prev_hash, hash, episode)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            loan_id,
            recorded.seq,
            recorded.event.at,
            recorded.event.type,
            body,
            prev_hash,
            digest,
            episode,
        )
        next_seq, prev_hash = next_seq + 1, digest
        added += 1
    return added


async def get_next_seq(conn: asyncpg.Connection, *, loan_id: str, episode: int = 1) -> int:
    """The seq the case's next new event takes: events with a lower one are stored."""
    next_seq, _ = await _chain_end(conn, loan_id=loan_id, episode=episode)
    return next_seq


async def _chain_end(conn: asyncpg.Connection, *, loan_id: str, episode: int) -> tuple[int, bytes]:
    last = await conn.fetchrow(
        "SELECT seq, hash FROM audit_events WHERE loan_id = $1 AND episode = $2"
        " ORDER BY seq DESC LIMIT 1",
        loan_id,
        episode,
    )
    return (last["seq"] + 1, last["hash"]) if last else (0, GENESIS)


async def list_events(
    conn: asyncpg.Connection, *, loan_id: str, episode: int = 1
) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM audit_events WHERE loan_id = $1 AND episode = $2 ORDER BY seq",
        loan_id,
        episode,
    )


async def list_episodes(conn: asyncpg.Connection, *, loan_id: str) -> list[int]:
    """The episodes of the loan that have audit rows, in order."""
    rows = await conn.fetch(
        "SELECT DISTINCT episode FROM audit_events WHERE loan_id = $1 ORDER BY episode", loan_id
    )
    return [row["episode"] for row in rows]


async def verify_chain(conn: asyncpg.Connection, *, loan_id: str, episode: int = 1) -> bool:
    """Recompute the chain of a case; False if any row was altered or is missing."""
    return first_break(await list_events(conn, loan_id=loan_id, episode=episode)) is None


def first_break(rows: Sequence[Mapping[str, Any]]) -> int | None:
    """The position of the first of a case's rows (in `seq` order) that breaks the chain:
    a gap in `seq`, a `prev_hash` that is not the previous row's hash, or a hash that is
    not that of its body. None when the chain holds."""
    prev_hash = GENESIS
    for expected_seq, row in enumerate(rows):
        if row["seq"] != expected_seq or row["prev_hash"] != prev_hash:
            return expected_seq
        if chain_hash(prev_hash, row["body"]) != row["hash"]:
            return expected_seq
        prev_hash = row["hash"]
    return None
