"""The append-only, hash-chained audit trail of each case.

Each row's hash covers every column of the row, the previous row's hash among them (32 zero
bytes for the first), so altering, inserting or removing any row breaks the chain at that
row. Each case of a loan (`episode`) has its own chain, from seq 0.

Version 2 (every row written now): `hash = sha256(encode_row(row))`, where `encode_row` is
the UTF-8 bytes of the canonical JSON array

    [hash_version, loan_id, episode, seq, at, type, body, prev_hash, recorded_at]

canonical JSON being no whitespace, object keys sorted by code point, non-ASCII characters
as themselves (Python's `json.dumps(..., sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`); `at` and `recorded_at` as UTC instants `YYYY-MM-DDTHH:MM:SS.ffffffZ`
(always six digits of microseconds), `prev_hash` as lowercase hex. The README states it for
auditors who recompute it with other tools.

Version 1 (rows written before migration 0008): `sha256(prev_hash || canonical JSON of
body)`. It covers neither the `at` and `type` columns nor `recorded_at`; verification checks
that `at` and `type` are the body's, and that no version-1 row follows a version-2 one.
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg

from arrears.contracts import RecordedEvent

GENESIS = bytes(32)
HASH_VERSION = 2
"""The version every row is written with."""


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def utc_instant(at: datetime) -> str:
    """An instant as the hash encodes it: UTC, always with microseconds, `Z`."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def encode_row(row: Mapping[str, Any]) -> bytes:
    """What a version-2 row's hash is taken of: every column but the hash itself."""
    return canonical(
        [
            row["hash_version"],
            row["loan_id"],
            row["episode"],
            row["seq"],
            utc_instant(row["at"]),
            row["type"],
            row["body"],
            row["prev_hash"].hex(),
            utc_instant(row["recorded_at"]),
        ]
    )


def row_hash(row: Mapping[str, Any]) -> bytes:
    """The hash a row must carry, by its `hash_version`."""
    if row["hash_version"] == 1:
        return hashlib.sha256(row["prev_hash"] + canonical(row["body"])).digest()
    return hashlib.sha256(encode_row(row)).digest()


async def append_events(
    conn: asyncpg.Connection, *, loan_id: str, events: list[RecordedEvent], episode: int = 1
) -> int:
    """Append events in seq order, skipping those already stored. Returns how many were new.

    The caller must hold the case row lock (SELECT ... FOR UPDATE) so appends to one chain
    are serialised. Every row the call writes is recorded at one instant, the transaction's.
    """
    next_seq, prev_hash = await _chain_end(conn, loan_id=loan_id, episode=episode)
    recorded_at: datetime | None = None
    added = 0
    for recorded in sorted(events, key=lambda e: e.seq):
        if recorded.seq < next_seq:
            continue
        if recorded.seq != next_seq:
            raise ValueError(
                f"audit gap for {loan_id}: expected seq {next_seq}, got {recorded.seq}"
            )
        if recorded_at is None:
            recorded_at = await conn.fetchval("SELECT now()")
        row = {
            "hash_version": HASH_VERSION,
            "loan_id": loan_id,
            "episode": episode,
            "seq": recorded.seq,
            "at": recorded.event.at,
            "type": recorded.event.type,
            "body": recorded.event.model_dump(mode="json", exclude_none=True),
            "prev_hash": prev_hash,
            "recorded_at": recorded_at,
        }
        digest = row_hash(row)
        await conn.execute(
            "INSERT INTO audit_events (loan_id, episode, seq, at, type, body, prev_hash, hash,"
            " recorded_at, hash_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            loan_id,
            episode,
            recorded.seq,
            row["at"],
            row["type"],
            row["body"],
            prev_hash,
            digest,
            recorded_at,
            HASH_VERSION,
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


async def list_loans(conn: asyncpg.Connection) -> list[str]:
    """Every loan that has audit rows, in order."""
    rows = await conn.fetch("SELECT DISTINCT loan_id FROM audit_events ORDER BY loan_id")
    return [row["loan_id"] for row in rows]


async def verify_chain(conn: asyncpg.Connection, *, loan_id: str, episode: int = 1) -> bool:
    """Recompute the chain of a case; False if any row was altered or is missing."""
    return first_break(await list_events(conn, loan_id=loan_id, episode=episode)) is None


def first_break(rows: Sequence[Mapping[str, Any]]) -> int | None:
    """The sequence number at which a case's rows (one episode's, in `seq` order) first
    break the chain: a gap in `seq` (a row missing or moved), a `prev_hash` that is not the
    previous row's hash, an unknown `hash_version` or a version-1 row after a version-2 one,
    `at` or `type` columns that are not the body's, or a hash that is not the row's. None
    when the chain holds."""
    prev_hash, version = GENESIS, 1
    for expected_seq, row in enumerate(rows):
        if row["seq"] != expected_seq or row["prev_hash"] != prev_hash:
            return expected_seq
        if row["hash_version"] not in (1, HASH_VERSION) or row["hash_version"] < version:
            return expected_seq
        if not _columns_are_the_body(row) or row_hash(row) != row["hash"]:
            return expected_seq
        prev_hash, version = row["hash"], row["hash_version"]
    return None


def _columns_are_the_body(row: Mapping[str, Any]) -> bool:
    """Whether the row's `at` and `type` columns say what its body says: all a version-1
    hash has to vouch for them."""
    body = row["body"]
    if not isinstance(body, dict) or body.get("type") != row["type"]:
        return False
    try:
        return datetime.fromisoformat(body["at"]) == row["at"]
    except (KeyError, TypeError, ValueError):
        return False
