"""What a failed call to Temporal means for a case: the one place its errors become ours.

A call that Temporal refuses or does not answer in time is looked at once more, with
`describe`, to tell apart a case that does not exist or has closed, a case whose workflow
task keeps failing (stuck: a bug in the workflow code, or code that cannot replay the
case's history), and a case nobody answered for (Temporal or every worker down or behind,
or a worker that took the case's workflow task and hung: its task keeps timing out).
Whatever Temporal answers, the caller gets one of the errors of `arrears.errors`, never an
`RPCError`.

Logs name the workflow id (`case-<loan_id>`, an opaque reference) and gRPC status names,
never messages: those may quote payloads.
"""

import asyncio
import logging
import re
from datetime import timedelta

from temporalio.client import (
    Client,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from arrears import ids, workflow_tasks
from arrears.errors import (
    ArrearsError,
    CaseClosedError,
    CaseNotFoundError,
    CaseServiceUnavailableError,
    CaseStuckError,
    IdReusedError,
    InvalidCommandError,
    ReversalWindowOverError,
    TemporalCallError,
)

log = logging.getLogger("arrears.api")

# A running case whose pending workflow task has been tried again has failed or timed out on
# every try since it last moved (`workflow_tasks`). The Python SDK reports only a task's
# first failure and lets later attempts time out, so the server's own refusal of queries and
# updates (FAILED_PRECONDITION, "Workflow Task in failed state", from the third attempt on)
# comes one workflow task timeout after the first failure; `describe` shows it at once.

TIMED_OUT_DETAIL = (
    "no worker finished the case's work in time (its workflow task keeps timing out); retry shortly"
)

DESCRIBE_TIMEOUT = timedelta(seconds=3)
"""How long a diagnosis waits for Temporal to describe the case; past it, the caller gets
the plain 503 the failed call deserved."""

TEMPORAL_FAILURES = (
    TimeoutError,
    RPCError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
)
"""What a call to Temporal raises when it fails; `CaseFailures.explain` takes each of them.
`TimeoutError` is the caller's own bound (`asyncio.timeout`) running out."""

_KIND = re.compile(r"[A-Z][A-Za-z0-9]*")
_WORD_START = re.compile(r"(?<!^)(?=[A-Z])")

# The client gave up waiting (its deadline is reported as CANCELLED, "Timeout expired"), or
# the server did (DEADLINE_EXCEEDED): for a query or update, no worker answered in time.
_UNANSWERED = {RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED}


class CaseFailures:
    """Explains failed calls on cases, asking Temporal about the case where it must."""

    def __init__(self, client: Client) -> None:
        self._client = client

    async def explain(
        self, error: BaseException, loan_id: str | None, *, unanswered: str
    ) -> ArrearsError:
        """Our error for `error`, one of `TEMPORAL_FAILURES`, raised by a call on the case of
        `loan_id` (None for a call on no case: a start, a listing). `unanswered` is the
        detail of the 503 when nobody answered in time (it says what is safe to resend)."""
        if isinstance(error, WorkflowUpdateFailedError):
            return _rejection(error, loan_id or "")
        if isinstance(error, WorkflowQueryFailedError):
            # The worker could not run the case's code to answer: it cannot run the case.
            return await self._stuck(loan_id) or self._stuck_error(
                ids.case_workflow_id(loan_id or ""),
                None,
                "the case's workflow code failed to answer; operators have been alerted",
            )
        status = error.status if isinstance(error, RPCError) else None
        if isinstance(error, WorkflowQueryRejectedError):
            status = RPCStatusCode.FAILED_PRECONDITION
        if status == RPCStatusCode.UNAVAILABLE:
            return CaseServiceUnavailableError(unanswered)  # Temporal itself is out of reach
        if loan_id is None:
            if status is None or status in _UNANSWERED:
                return CaseServiceUnavailableError(unanswered)
            return _refused(status, None)
        if status == RPCStatusCode.NOT_FOUND:
            return await self._missing(loan_id)
        if status is None or status in _UNANSWERED:
            return await self._stuck(loan_id) or CaseServiceUnavailableError(unanswered)
        if status == RPCStatusCode.FAILED_PRECONDITION:
            return await self._stuck(loan_id) or _refused(status, loan_id)
        return _refused(status, loan_id)

    async def require_runnable(self, loan_id: str) -> None:
        """Raise unless the case of `loan_id` is running and its worker can run it:
        `CaseNotFoundError`, `CaseClosedError`, `CaseStuckError`, or a 503 when Temporal does
        not say. For signals, which Temporal accepts whatever state the case is in."""
        try:
            description = await self._describe(loan_id)
        except TEMPORAL_FAILURES as error:
            if isinstance(error, RPCError) and error.status == RPCStatusCode.NOT_FOUND:
                raise CaseNotFoundError(loan_id) from error
            raise await self.explain(
                error, None, unanswered="the case service did not answer in time; retry shortly"
            ) from error
        if description.status != WorkflowExecutionStatus.RUNNING:
            raise CaseClosedError(loan_id)
        stuck = await self._stuck_in(description)
        if stuck is not None:
            raise stuck

    async def _missing(self, loan_id: str) -> ArrearsError:
        """NOT_FOUND on a call means no case, or one whose run has completed."""
        try:
            description = await self._describe(loan_id)
        except TEMPORAL_FAILURES as error:
            if isinstance(error, RPCError) and error.status == RPCStatusCode.NOT_FOUND:
                return CaseNotFoundError(loan_id)
            return CaseServiceUnavailableError("the case service did not answer; retry shortly")
        if description.status != WorkflowExecutionStatus.RUNNING:
            return CaseClosedError(loan_id)
        return CaseServiceUnavailableError("the case did not accept the command; retry")

    async def _stuck(
        self, loan_id: str | None
    ) -> CaseStuckError | CaseServiceUnavailableError | None:
        """The case's `CaseStuckError` if its workflow task is failing, a 503 `unavailable`
        if it keeps timing out; None if neither, or if Temporal does not say in time."""
        if loan_id is None:
            return None
        try:
            description = await self._describe(loan_id)
        except TEMPORAL_FAILURES:
            return None
        if description.status != WorkflowExecutionStatus.RUNNING:
            return None
        return await self._stuck_in(description)

    async def _stuck_in(
        self, description: WorkflowExecutionDescription
    ) -> CaseStuckError | CaseServiceUnavailableError | None:
        """Whether the case's pending workflow task has been tried again, and why: failing
        (`CaseStuckError`), or timing out (a worker took it and never finished: stopped,
        hung, or killed mid-task; a 503 `unavailable`, as for a worker that is not there).
        See `workflow_tasks`."""
        found = await workflow_tasks.trouble(self._client, description, DESCRIBE_TIMEOUT)
        if found is None:
            return None
        kind, attempt = found
        if kind == "timing out":
            log.warning(
                "case workflow %s: its workflow task keeps timing out (attempt %s); "
                "is every worker running and responsive?",
                description.id,
                attempt,
            )
            return CaseServiceUnavailableError(TIMED_OUT_DETAIL)
        return self._stuck_error(description.id, attempt)

    @staticmethod
    def _stuck_error(
        workflow_id: str, attempt: int | None, detail: str | None = None
    ) -> CaseStuckError:
        # Operators fix this, not callers: every refusal says so in the log, by workflow id.
        log.error(
            "case workflow %s is stuck: its workflow task keeps failing (attempt %s)",
            workflow_id,
            attempt if attempt is not None else "unknown",
        )
        return CaseStuckError(workflow_id, attempt, detail)

    async def _describe(self, loan_id: str) -> WorkflowExecutionDescription:
        handle = self._client.get_workflow_handle(ids.case_workflow_id(loan_id))
        async with asyncio.timeout(DESCRIBE_TIMEOUT.total_seconds()):
            return await handle.describe(rpc_timeout=DESCRIBE_TIMEOUT)


def _refused(status: RPCStatusCode, loan_id: str | None) -> TemporalCallError:
    subject = ids.case_workflow_id(loan_id) if loan_id is not None else "a call on no case"
    log.warning("Temporal refused %s: %s", subject, status.name)
    return TemporalCallError(status.name)


def _rejection(error: WorkflowUpdateFailedError, loan_id: str) -> ArrearsError:
    """The case's validator or handler refused the command."""
    cause = error.cause
    if isinstance(cause, ApplicationError):
        return refusal(cause.type, cause.message, cause.details, loan_id)
    return InvalidCommandError(str(cause) if cause else "the case rejected the command")


def refusal(kind: str | None, message: str, details: tuple | list, loan_id: str) -> ArrearsError:
    """Our error for a refusal of the case's rules: `kind` and `details` as a
    `CommandRejected` has them (or the `ApplicationError` a validator raised for it)."""
    if kind == "CaseClosed":
        return CaseClosedError(loan_id)
    if kind == "IdReused":
        fields = details[0] if details else []
        return IdReusedError(message, fields=[str(field) for field in fields])
    if kind == "ReversalWindowOver":
        return ReversalWindowOverError(message)
    return InvalidCommandError(message, code=error_code(kind))


def error_code(kind: str | None) -> str | None:
    """The error code for a rejection kind: the workflow's CamelCase name in snake_case
    (`PromiseDateOutOfRange` → `promise_date_out_of_range`), so codes stay as stable as
    the kinds themselves. None when the kind is not such a name."""
    if kind is None or not _KIND.fullmatch(kind):
        return None
    return _WORD_START.sub("_", kind).lower()
