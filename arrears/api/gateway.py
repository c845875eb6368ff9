"""Commands and queries on cases through Temporal, with its errors mapped to ours."""

import base64
import binascii
from datetime import UTC, datetime, timedelta

from temporalio.client import (
    Client,
    WorkflowExecution,
    WorkflowExecutionStatus,
    WorkflowUpdateFailedError,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from arrears import ids
from arrears.api.search import CasePage, CaseSearch, CaseSummary
from arrears.contracts import (
    CaseOpening,
    CaseStart,
    CaseView,
    CloseCase,
    Payment,
    PaymentOutcome,
    Timeline,
)
from arrears.errors import (
    CaseClosedError,
    CaseNotFoundError,
    CaseServiceUnavailableError,
    InvalidCommandError,
)
from arrears.workflows.case import CollectionCase
from arrears.workflows.case_state import CaseState

# A query or update waits for a worker; past this the caller gets a 503 and may retry.
ANSWER_TIMEOUT = timedelta(seconds=15)

_UNAVAILABLE = {RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.UNAVAILABLE}


class CaseGateway:
    def __init__(self, client: Client) -> None:
        self._client = client

    async def open_case(self, opening: CaseOpening) -> tuple[bool, CaseView]:
        """Start the loan's case, or find the one it has. Returns (created, view).

        A new case answers at once with its opening state, computed by the same code the
        workflow runs, so opening never waits for a worker.
        """
        start = CaseStart(opening=opening, received_at=datetime.now(UTC))
        initial = CaseState.open(opening, start.received_at)
        try:
            await self._client.start_workflow(
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
        except WorkflowAlreadyStartedError:
            return False, await self.get_view(opening.loan_id)
        view = initial.view()
        return True, view

    async def get_view(self, loan_id: str) -> CaseView:
        handle = self._client.get_workflow_handle(ids.case_workflow_id(loan_id))
        try:
            return await handle.query(CollectionCase.view, rpc_timeout=ANSWER_TIMEOUT)
        except RPCError as error:
            raise self._map_rpc_error(error, loan_id) from error

    async def get_timeline(self, loan_id: str) -> Timeline:
        handle = self._client.get_workflow_handle(ids.case_workflow_id(loan_id))
        try:
            return await handle.query(CollectionCase.timeline, rpc_timeout=ANSWER_TIMEOUT)
        except RPCError as error:
            raise self._map_rpc_error(error, loan_id) from error

    async def record_payment(self, loan_id: str, payment: Payment) -> PaymentOutcome:
        return await self._update(loan_id, CollectionCase.record_payment, payment)

    async def close_case(self, loan_id: str, command: CloseCase) -> CaseView:
        return await self._update(loan_id, CollectionCase.close, command)

    async def list_cases(self, search: CaseSearch) -> CasePage:
        """One page of cases from visibility (eventually consistent), in its default order."""
        token = _decode_token(search.page_token) if search.page_token else None
        pages = self._client.list_workflows(
            search.visibility_query(), page_size=search.page_size, next_page_token=token
        )
        await pages.fetch_next_page()
        cases = [_summary(execution) for execution in pages.current_page or []]
        next_token = pages.next_page_token
        return CasePage(
            cases=cases, next_page_token=_encode_token(next_token) if next_token else None
        )

    async def _update(self, loan_id: str, update, argument):
        handle = self._client.get_workflow_handle(ids.case_workflow_id(loan_id))
        try:
            return await handle.execute_update(update, argument, rpc_timeout=ANSWER_TIMEOUT)
        except WorkflowUpdateFailedError as error:
            raise self._map_rejection(error, loan_id) from error
        except RPCError as error:
            raise await self._map_missing(error, loan_id) from error

    async def post_payment(self, loan_id: str, payment: Payment) -> None:
        """Signal a payment: accepted by Temporal even while no worker runs."""
        handle = self._client.get_workflow_handle(ids.case_workflow_id(loan_id))
        try:
            await handle.signal(CollectionCase.payment_received, payment)
        except RPCError as error:
            raise await self._map_missing(error, loan_id) from error

    async def _map_missing(self, error: RPCError, loan_id: str) -> Exception:
        """NOT_FOUND on a command means no case, or a case that has already completed."""
        if error.status != RPCStatusCode.NOT_FOUND:
            return self._map_rpc_error(error, loan_id)
        handle = self._client.get_workflow_handle(ids.case_workflow_id(loan_id))
        try:
            description = await handle.describe()
        except RPCError as describe_error:
            return self._map_rpc_error(describe_error, loan_id)
        if description.status != WorkflowExecutionStatus.RUNNING:
            return CaseClosedError(loan_id)
        return CaseServiceUnavailableError("the case did not accept the command; retry")

    @staticmethod
    def _map_rejection(error: WorkflowUpdateFailedError, loan_id: str) -> Exception:
        cause = error.cause
        if isinstance(cause, ApplicationError):
            if cause.type == "CaseClosed":
                return CaseClosedError(loan_id)
            return InvalidCommandError(cause.message)
        return InvalidCommandError(str(cause) if cause else "the case rejected the command")

    @staticmethod
    def _map_rpc_error(error: RPCError, loan_id: str) -> Exception:
        if error.status == RPCStatusCode.NOT_FOUND:
            return CaseNotFoundError(loan_id)
        if error.status in _UNAVAILABLE:
            return CaseServiceUnavailableError(
                "the case service did not answer in time; retry shortly"
            )
        return error


def _encode_token(token: bytes) -> str:
    return base64.urlsafe_b64encode(token).decode()


def _decode_token(token: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(token.encode())
    except (binascii.Error, ValueError) as error:
        raise InvalidCommandError("page_token is not a token this API handed out") from error


def _summary(execution: WorkflowExecution) -> CaseSummary:
    attributes = execution.typed_search_attributes
    return CaseSummary(
        loan_id=execution.id.removeprefix(ids.CASE_ID_PREFIX),
        status=attributes.get(ids.STATUS),
        stage=attributes.get(ids.STAGE),
        dpd=attributes.get(ids.DPD),
        jurisdiction=attributes.get(ids.JURISDICTION),
        opened_at=execution.start_time,
        closed_at=execution.close_time,
    )
