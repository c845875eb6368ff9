"""Applies the SQL files in `arrears/migrations` in order, each once, each in a transaction.

The migrations are the only owner of the schema. A file that has landed is never edited:
its checksum is recorded and a changed file stops the run.
"""

import hashlib
from dataclasses import dataclass
from importlib import resources

import asyncpg

# Serialises concurrent `migrate` runs (a worker and an API starting together).
_LOCK_ID = 0x61727265617273

_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    text PRIMARY KEY,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class Migration:
    version: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


class MigrationError(RuntimeError):
    pass


def available() -> list[Migration]:
    folder = resources.files("arrears") / "migrations"
    files = sorted(f for f in folder.iterdir() if f.name.endswith(".sql"))
    return [Migration(version=f.name.removesuffix(".sql"), sql=f.read_text()) for f in files]


async def apply(conn: asyncpg.Connection) -> list[str]:
    """Apply pending migrations; return the versions applied by this call."""
    applied_now: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_ID)
    try:
        await conn.execute(_LEDGER)
        rows = await conn.fetch("SELECT version, checksum FROM schema_migrations")
        done = {row["version"]: row["checksum"] for row in rows}
        for migration in available():
            if migration.version in done:
                if done[migration.version] != migration.checksum:
                    raise MigrationError(
                        f"migration {migration.version} changed after it was applied"
                    )
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)",
                    migration.version,
                    migration.checksum,
                )
            applied_now.append(migration.version)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_ID)
    return applied_now


async def migrate(dsn: str) -> list[str]:
    conn = await asyncpg.connect(dsn)
    try:
        return await apply(conn)
    finally:
        await conn.close()
