"""What an auditor reads of a case over HTTP: its workflow history in clear, and the audit.

The history is every run of the case's workflow (each episode, each continuation), oldest
first, each as Temporal's proto3 JSON (what `temporal workflow show --output json` gives
and `arrears audit --history` replays) with every payload decrypted through the codec. The
answer is streamed one run at a time: continue-as-new bounds a run's history, so a case
with many runs never needs them all in memory at once. The runs are listed and the first
is read before the answer starts, so an unknown loan is a 404 and Temporal out of reach a
503; a run that cannot be read after that cuts the body short (it is then no valid JSON:
ask again).

Neither reads through a worker: both answer for a case whose worker is down or whose
workflow task keeps failing, which is when an auditor needs them most.
"""

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable
from typing import Literal, TypeVar

import asyncpg
from cryptography.exceptions import InvalidTag
from google.protobuf import json_format
from pydantic import BaseModel, Field
from temporalio.api.history.v1 import History
from temporalio.client import Client

from arrears import case_audit
from arrears.api import gateway
from arrears.api.failures import TEMPORAL_FAILURES, CaseFailures
from arrears.case_audit import AuditReport
from arrears.codec import EncryptionCodec, KeyRingError, UndecodablePayloadError, payloads_in
from arrears.errors import AuditRecordsUnavailableError

log = logging.getLogger("arrears.api")

UNANSWERED = "the case service did not answer in time; retry shortly"
RECORDS_DOWN = "the audit records did not answer; retry shortly"
NO_RECORDS = "no audit records are configured (DATABASE_URL); the case cannot be audited"

T = TypeVar("T")

Verdict = Literal["holds", "fails", "pending"]


class ReplayCheck(BaseModel):
    verdict: Literal["holds", "fails"]
    runs: list[str] = Field(description="Every run of the case's workflow, oldest first.")
    history_events: int
    failures: dict[str, str] = Field(
        description="Run id → why its history does not replay against this code (a "
        "non-determinism's error text)."
    )


class ChainCheck(BaseModel):
    verdict: Literal["holds", "fails"]
    rows: int
    first_break: int | None = Field(description="The `seq` of the first row that breaks it.")
    first_break_episode: int | None


class AgreementCheck(BaseModel):
    verdict: Verdict
    recorded_by_workflow: int
    timeline_events: int | None
    disagreements: list[str]
    pending: list[str]
    sync_retrying: str | None


class CaseAudit(BaseModel):
    """The three checks of `arrears audit`; `ok` when all three hold."""

    loan_id: str
    ok: bool
    verdict: Verdict
    episodes: list[int]
    replay: ReplayCheck
    chain: ChainCheck
    agreement: AgreementCheck

    @classmethod
    def of(cls, report: AuditReport) -> "CaseAudit":
        agreement: Verdict = "fails" if report.disagreements else "holds"
        if agreement == "holds" and report.pending:
            agreement = "pending"
        return cls(
            loan_id=report.loan_id,
            ok=report.ok,
            verdict=report.verdict,
            episodes=report.episodes,
            replay=ReplayCheck(
                verdict="fails" if report.replay_failures else "holds",
                runs=report.runs,
                history_events=report.history_events,
                failures=report.replay_failures,
            ),
            chain=ChainCheck(
                verdict="holds" if report.chain_break is None else "fails",
                rows=report.chain_rows,
                first_break=report.chain_break,
                first_break_episode=report.chain_break_episode,
            ),
            agreement=AgreementCheck(
                verdict=agreement,
                recorded_by_workflow=report.recorded_by_workflow,
                timeline_events=report.timeline_events,
                disagreements=report.disagreements,
                pending=report.pending,
                sync_retrying=report.sync_retrying,
            ),
        )


class RunHistory(BaseModel):
    run_id: str
    history: dict = Field(
        description="Temporal's proto3 JSON of the run's history (`{\"events\": [...]}`), "
        "every payload decrypted."
    )


class CaseHistory(BaseModel):
    loan_id: str
    runs: list[RunHistory] = Field(description="Every run, oldest first.")


class CaseRecords:
    """A case's history and audit, read from Temporal and PostgreSQL. `pool` None: no
    records configured, the audit answers 503."""

    def __init__(self, client: Client, pool: asyncpg.Pool | None, codec: EncryptionCodec) -> None:
        self._client = client
        self._pool = pool
        self._codec = codec
        self._failures = CaseFailures(client)

    async def history(self, loan_id: str) -> AsyncIterator[bytes]:
        """The body of `GET /v1/cases/{loan_id}/history`, in pieces: `{"loan_id", "runs":
        [{"run_id", "history": {"events": [...]}}]}`. Raises before the first piece for an
        unknown loan (`CaseNotFoundError`) or a Temporal that does not answer."""
        runs = await self._asked(loan_id, case_audit.list_runs(self._client, loan_id))
        first = await self._asked(loan_id, self._run(loan_id, runs[0]))

        async def pieces() -> AsyncIterator[bytes]:
            yield b'{"loan_id":' + json.dumps(loan_id).encode() + b',"runs":[' + first
            for run_id in runs[1:]:
                try:
                    yield b"," + await self._asked(loan_id, self._run(loan_id, run_id))
                except Exception:
                    log.warning("history of case-%s cut short at run %s", loan_id, run_id)
                    raise
            yield b"]}"

        return pieces()

    async def audit(self, loan_id: str) -> AuditReport:
        """The three checks of `arrears audit` on the case (`case_audit`)."""
        histories = await self._asked(loan_id, case_audit.fetch_histories(self._client, loan_id))
        if self._pool is None:
            raise AuditRecordsUnavailableError(NO_RECORDS)
        try:
            return await case_audit.audit_histories(self._client, self._pool, loan_id, histories)
        except (OSError, asyncpg.PostgresError) as error:
            raise AuditRecordsUnavailableError(RECORDS_DOWN) from error
        except TEMPORAL_FAILURES as error:
            raise await self._failures.explain(error, loan_id, unanswered=UNANSWERED) from error

    async def _run(self, loan_id: str, run_id: str | None) -> bytes:
        """One run's entry of the history: its id and its history, payloads decrypted."""
        fetched = await case_audit.fetch_run(self._client, loan_id, run_id)
        history = History(events=fetched.events)
        await self._decode(history)
        text = json_format.MessageToJson(history, indent=None)
        return (
            b'{"run_id":'
            + json.dumps(run_id or fetched.run_id).encode()
            + b',"history":'
            + (text.encode() + b"}")
        )

    async def _decode(self, history: History) -> None:
        """Decrypt every payload of `history` in place. One this installation cannot decrypt
        (its key retired from the ring) stays as stored."""
        for payload in payloads_in(history):
            try:
                (decoded,) = await self._codec.decode([payload])
            except (KeyRingError, InvalidTag, UndecodablePayloadError):
                continue
            payload.CopyFrom(decoded)

    async def _asked(self, loan_id: str, call: Awaitable[T]) -> T:
        """`call` on Temporal, bounded by the gateway's `ANSWER_TIMEOUT`; its failures as
        ours (`failures`)."""
        try:
            async with asyncio.timeout(gateway.ANSWER_TIMEOUT.total_seconds()):
                return await call
        except TEMPORAL_FAILURES as error:
            raise await self._failures.explain(error, loan_id, unanswered=UNANSWERED) from error
