"""Commands and queries on cases through Temporal, with its errors mapped to ours."""

from datetime import UTC, datetime, timedelta

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from arrears import ids
from arrears.contracts import CaseOpening, CaseStart, CaseView, Payment, PaymentOutcome
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

    async def record_payment(self, loan_id: str, payment: Payment) -> PaymentOutcome:
        handle = self._client.get_workflow_handle(ids.case_workflow_id(loan_id))
        try:
            return await handle.execute_update(
                CollectionCase.record_payment, payment, rpc_timeout=ANSWER_TIMEOUT
            )
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
