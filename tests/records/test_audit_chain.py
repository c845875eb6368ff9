"""The audit chain against a real PostgreSQL: every column of a row is under its hash, so a
row altered by someone who switched the append-only trigger off (or removed) breaks the
chain at that row; rows hashed the version-1 way before migration 0008 still verify."""

import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from temporalio.testing import ActivityEnvironment

from arrears import db, migrate
from arrears.activities.store import CaseStore
from arrears.contracts import CaseSync
from arrears.devstack.postgres import ensure_database
from arrears.records import audit
from arrears.workflows.case_state import CaseState
from tests.factories import opening

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
ALTERED = 2
"""The row each test alters: one in the middle of a chain of five."""


async def written_chain(pool: asyncpg.Pool) -> str:
    """A case whose chain the store wrote in two syncs (two transactions): five rows."""
    store, env = CaseStore(pool), ActivityEnvironment()
    state = CaseState.open(opening(), NOW)
    state.record(NOW + timedelta(minutes=1), "stage_changed", stage="early", rule="ladder.early")
    await env.run(store.sync_case, _sync(state, first=True))
    state.synced_events = len(state.timeline)
    state.record(NOW + timedelta(hours=1, microseconds=7), "stage_changed", stage="late")
    state.record(NOW + timedelta(hours=2), "note", text="客户来电")
    state.record(NOW + timedelta(hours=3), "case_closed", reason="recalled")
    await env.run(store.sync_case, _sync(state, first=False))
    return state.loan_id


def _sync(state: CaseState, *, first: bool) -> CaseSync:
    return CaseSync(
        view=state.view(),
        customer_id=state.opening.customer.customer_id,
        jurisdiction=state.opening.jurisdiction,
        customer=state.opening.customer if first else None,
        events=state.unsynced_events(),
    )


async def as_a_rogue_administrator(conn: asyncpg.Connection, sql: str, *args: object) -> None:
    """What only the table's owner or a superuser can do: switch the append-only trigger
    off, change the rows, switch it back on."""
    async with conn.transaction():
        await conn.execute(
            "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete"
        )
        await conn.execute(sql, *args)
        await conn.execute(
            "ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_or_delete"
        )


async def break_of(conn: asyncpg.Connection, loan_id: str, episode: int = 1) -> int | None:
    return audit.first_break(await audit.list_events(conn, loan_id=loan_id, episode=episode))


TAMPERING = {
    "seq": "SET seq = 100",
    "at": "SET at = at + interval '1 second'",
    "type": "SET type = 'case_closed'",
    "body": "SET body = jsonb_set(body, '{stage}', '\"early\"')",
    "prev_hash": "SET prev_hash = sha256('forged')",
    "hash": "SET hash = sha256('forged')",
    "recorded_at": "SET recorded_at = recorded_at + interval '1 microsecond'",
    "episode": "SET episode = 2",
    "hash_version": "SET hash_version = 1",
}


@pytest.mark.parametrize("column", [*TAMPERING, "deleted row"])
async def test_altering_any_column_breaks_the_chain_at_that_row(pool: asyncpg.Pool, column: str):
    loan_id = await written_chain(pool)
    async with pool.acquire() as conn:
        assert await break_of(conn, loan_id) is None
        where = "WHERE loan_id = $1 AND episode = 1 AND seq = $2"
        if column == "deleted row":
            sql = f"DELETE FROM audit_events {where}"
        else:
            sql = f"UPDATE audit_events {TAMPERING[column]} {where}"
        await as_a_rogue_administrator(conn, sql, loan_id, ALTERED)

        assert await break_of(conn, loan_id) == ALTERED
        assert not await audit.verify_chain(conn, loan_id=loan_id)
        if column == "episode":  # the row moved into a chain of its own does not hold either
            assert await break_of(conn, loan_id, episode=2) == 0


async def test_a_chain_moved_whole_to_another_episode_breaks_at_its_first_row(
    pool: asyncpg.Pool,
):
    loan_id = await written_chain(pool)
    async with pool.acquire() as conn:
        await as_a_rogue_administrator(
            conn, "UPDATE audit_events SET episode = 3 WHERE loan_id = $1", loan_id
        )
        assert await break_of(conn, loan_id, episode=3) == 0


async def test_the_documented_encoding_recomputed_gives_every_stored_hash(pool: asyncpg.Pool):
    loan_id = await written_chain(pool)
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT loan_id, episode, seq, type, body::text AS body, prev_hash, hash,"
            " hash_version, recorded_at,"
            """ to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at_utc,"""
            """ to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
            " AS recorded_at_utc FROM audit_events WHERE loan_id = $1 ORDER BY seq",
            loan_id,
        )
    assert len(rows) == 5
    assert {row["hash_version"] for row in rows} == {2}
    # One instant per transaction: the two syncs wrote two and three rows.
    assert [row["recorded_at"] for row in rows[:2]] == [rows[0]["recorded_at"]] * 2
    assert [row["recorded_at"] for row in rows[2:]] == [rows[2]["recorded_at"]] * 3
    assert rows[2]["at_utc"] == "2026-11-28T03:00:00.000007Z"
    prev, encodings = bytes(32), []
    for row in rows:
        encoded = json.dumps(
            [
                2,
                row["loan_id"],
                row["episode"],
                row["seq"],
                row["at_utc"],
                row["type"],
                json.loads(row["body"]),
                row["prev_hash"].hex(),
                row["recorded_at_utc"],
            ],
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode("utf-8")
        assert row["prev_hash"] == prev
        assert hashlib.sha256(encoded).digest() == row["hash"], encoded
        prev = row["hash"]
        encodings.append(encoded)
    # Spelled out: no whitespace, keys sorted, non-ASCII as itself, instants in UTC to the
    # microsecond, the previous hash in lowercase hex.
    assert encodings[3].decode() == (
        f'[2,"{loan_id}",1,3,"2026-11-28T04:00:00.000000Z","note",'
        '{"at":"2026-11-28T04:00:00Z","text":"客户来电","type":"note"},'
        f'"{rows[2]["hash"].hex()}","{rows[3]["recorded_at_utc"]}"]'
    )


@pytest.fixture
async def before_0008(postgres_server: str) -> AsyncIterator[str]:
    """A database of its own migrated up to 0007 only, dropped afterwards."""
    name = f"arrears_v1_{uuid.uuid4().hex[:12]}"
    await ensure_database(postgres_server, name)
    url = postgres_server.rsplit("/", 1)[0] + f"/{name}"
    conn = await asyncpg.connect(url)
    try:
        before = [m for m in migrate.available() if m.version < "0008"]
        await conn.execute(migrate._LEDGER)
        for migration in before:
            await conn.execute(migration.sql)
            await conn.execute(
                "INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)",
                migration.version,
                migration.checksum,
            )
    finally:
        await conn.close()
    yield url
    conn = await asyncpg.connect(postgres_server)
    try:
        await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def test_a_chain_hashed_the_version_1_way_still_verifies_and_its_columns_are_checked(
    before_0008: str,
):
    pool = await db.create_pool(before_0008)
    try:
        # The case row, written by the store (no events), then rows the way the writer
        # before migration 0008 wrote them: sha256(prev_hash || canonical JSON of the body),
        # recorded_at left to the column's default.
        state = CaseState.open(opening(), NOW)
        sync = _sync(state, first=True)
        sync.events = []
        await ActivityEnvironment().run(CaseStore(pool).sync_case, sync)
        loan_id = state.loan_id
        bodies = [
            {"at": "2026-11-28T02:00:00Z", "type": "case_opened", "rule": "intake"},
            {"at": "2026-11-28T03:00:00Z", "type": "stage_changed", "stage": "early"},
            {"at": "2026-11-28T04:00:00.250000Z", "type": "note", "text": "客户来电"},
        ]
        async with pool.acquire() as conn:
            prev = bytes(32)
            for seq, body in enumerate(bodies):
                canonical = json.dumps(
                    body, sort_keys=True, separators=(",", ":"), ensure_ascii=False
                ).encode()
                digest = hashlib.sha256(prev + canonical).digest()
                await conn.execute(
                    "INSERT INTO audit_events (loan_id, seq, at, type, body, prev_hash, hash,"
                    " episode) VALUES ($1, $2, $3, $4, $5, $6, $7, 1)",
                    loan_id,
                    seq,
                    datetime.fromisoformat(body["at"]),
                    body["type"],
                    body,
                    prev,
                    digest,
                )
                prev = digest

            assert (await migrate.apply(conn))[0] == "0008_audit_hash_version"
            rows = await audit.list_events(conn, loan_id=loan_id)
            assert [row["hash_version"] for row in rows] == [1, 1, 1]
            assert await break_of(conn, loan_id) is None

            # The version-1 hash does not cover the at and type columns; the body does.
            await as_a_rogue_administrator(
                conn, "UPDATE audit_events SET type = 'payment_applied' WHERE seq = 1"
            )
            assert await break_of(conn, loan_id) == 1
            await as_a_rogue_administrator(
                conn, "UPDATE audit_events SET type = 'stage_changed' WHERE seq = 1"
            )
            assert await break_of(conn, loan_id) is None
            await as_a_rogue_administrator(
                conn, "UPDATE audit_events SET at = at - interval '1 day' WHERE seq = 2"
            )
            assert await break_of(conn, loan_id) == 2
            await as_a_rogue_administrator(
                conn, "UPDATE audit_events SET at = at + interval '1 day' WHERE seq = 2"
            )
            assert await break_of(conn, loan_id) is None

            # New rows continue the chain at version 2, and the whole chain verifies.
            state.synced_events = len(state.timeline)
            state.record(NOW + timedelta(hours=5), "stage_changed", stage="late")
            state.record(NOW + timedelta(hours=6), "case_closed", reason="recalled")
            later = _sync(state, first=False)
            later.events = [
                recorded.model_copy(update={"seq": seq})
                for seq, recorded in enumerate(later.events, start=3)
            ]
            await ActivityEnvironment().run(CaseStore(pool).sync_case, later)
            rows = await audit.list_events(conn, loan_id=loan_id)
            assert [row["hash_version"] for row in rows] == [1, 1, 1, 2, 2]
            assert rows[3]["prev_hash"] == rows[2]["hash"]
            assert await break_of(conn, loan_id) is None

            # A version-2 row passed off as version 1, its hash recomputed that way (which
            # would leave its recorded_at uncovered), does not hold after a version-2 row.
            body = rows[4]["body"]
            canonical = json.dumps(
                body, sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ).encode()
            await as_a_rogue_administrator(
                conn,
                "UPDATE audit_events SET hash_version = 1, hash = $1 WHERE seq = 4",
                hashlib.sha256(rows[3]["hash"] + canonical).digest(),
            )
            assert await break_of(conn, loan_id) == 4
    finally:
        await pool.close()
