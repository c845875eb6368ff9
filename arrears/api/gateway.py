"""Commands and queries on cases through Temporal, with its errors mapped to ours."""

import asyncio
import re
from datetime import UTC, datetime, timedelta

from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from arrears import ids
from arrears.api.search import CasePage, CaseSearch, list_page
from arrears.commands import (
    AgreePlan,
    CeaseContact,
    CommandOutcome,
    MigrateStrategy,
    OpenDispute,
    PromiseToPay,
    RecordContactOutcome,
    ReportHardship,
    ResolveDispute,
    StrategyMigration,
)
from arrears.contracts import (
    CaseOpening,
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
from arrears.strategy import Strategy
from arrears.workflows.calendar import days_past_due, overdue_since
from arrears.workflows.case import CollectionCase
from arrears.workflows.case_state import CaseStart, CaseState

# A query or update waits for a worker; past this the caller gets a 503 and may retry.
ANSWER_TIMEOUT = timedelta(seconds=15)

_UNAVAILABLE = {RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.UNAVAILABLE}
_KIND = re.compile(r"[A-Z][A-Za-z0-9]*")
_WORD_START = re.compile(r"(?<!^)(?=[A-Z])")


class CaseGateway:
    def __init__(self, client: Client, strategy: Strategy) -> None:
        self._client = client
        self._strategy = strategy

    async def open_case(self, opening: CaseOpening) -> tuple[bool, CaseView]:
        """Start the loan's case, or find the one it has. Returns (created, view).

        A new case answers at once with its opening state, computed by the same code the
        workflow runs, so opening never waits for a worker.
        """
        start = CaseStart(opening=opening, received_at=datetime.now(UTC), strategy=self._strategy)
        initial = CaseState.open(opening, start.received_at, self._strategy)
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
                        SearchAttributePair(
                            ids.OVERDUE_SINCE,
                            overdue_since(opening.due_date, opening.customer.timezone),
                        ),
                        SearchAttributePair(ids.STRATEGY, self._strategy.version),
                    ]
                ),
            )
        except WorkflowAlreadyStartedError:
            return False, await self.get_view(opening.loan_id)
        view = initial.view()
        return True, view

    async def get_view(self, loan_id: str) -> CaseView:
        """The case as it is now. A case sleeps until something is due, so an open case's
        DPD is counted here, on the customer's calendar, rather than taken from its last
        wake."""
        handle = self._client.get_workflow_handle(ids.case_workflow_id(loan_id))
        try:
            view = await handle.query(CollectionCase.view, rpc_timeout=ANSWER_TIMEOUT)
        except RPCError as error:
            raise self._map_rpc_error(error, loan_id) from error
        if view.status == "open" and view.timezone is not None and not view.dpd_frozen:
            dpd = days_past_due(
                view.due_date, datetime.now(UTC), view.timezone, held_days=view.dpd_held_days
            )
            view = view.model_copy(update={"dpd": dpd})
        return view

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

    async def promise_to_pay(self, loan_id: str, command: PromiseToPay) -> CommandOutcome:
        return await self._update(loan_id, CollectionCase.promise_to_pay, command)

    async def report_hardship(self, loan_id: str, command: ReportHardship) -> CommandOutcome:
        return await self._update(loan_id, CollectionCase.report_hardship, command)

    async def agree_plan(self, loan_id: str, command: AgreePlan) -> CommandOutcome:
        return await self._update(loan_id, CollectionCase.agree_plan, command)

    async def open_dispute(self, loan_id: str, command: OpenDispute) -> CommandOutcome:
        return await self._update(loan_id, CollectionCase.open_dispute, command)

    async def resolve_dispute(self, loan_id: str, command: ResolveDispute) -> CommandOutcome:
        return await self._update(loan_id, CollectionCase.resolve_dispute, command)

    async def cease_contact(self, loan_id: str, command: CeaseContact) -> CommandOutcome:
        return await self._update(loan_id, CollectionCase.cease_contact, command)

    async def record_contact_outcome(
        self, loan_id: str, command: RecordContactOutcome
    ) -> CommandOutcome:
        return await self._update(loan_id, CollectionCase.record_contact_outcome, command)

    async def migrate_strategy(self, loan_id: str, command: MigrateStrategy) -> CommandOutcome:
        """Move the case to the strategy this service runs, which `command` must name."""
        served = self._strategy.version
        if command.to_version != served:
            raise InvalidCommandError(
                f"to_version: this service runs strategy {served}, not {command.to_version}",
                code="strategy_not_served",
            )
        migration = StrategyMigration(strategy=self._strategy, change_ref=command.change_ref)
        return await self._update(loan_id, CollectionCase.migrate_strategy, migration)

    async def list_cases(self, search: CaseSearch) -> CasePage:
        """One page of cases from visibility (eventually consistent), in its default order."""
        return await list_page(self._client, search)

    async def _update(self, loan_id: str, update, argument):
        """Run `update` on the case and answer with its result, within `ANSWER_TIMEOUT` in
        all: the SDK bounds each call but retries without end while an update is not yet
        taken (a case that is continuing as new, say). A 503 leaves it open whether the
        case took the command; payments and promises are applied once per id."""
        handle = self._client.get_workflow_handle(ids.case_workflow_id(loan_id))
        try:
            async with asyncio.timeout(ANSWER_TIMEOUT.total_seconds()):
                return await handle.execute_update(update, argument, rpc_timeout=ANSWER_TIMEOUT)
        except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError) as error:
            raise CaseServiceUnavailableError(
                "the case did not answer in time; a payment or promise is safe to send again"
            ) from error
        except WorkflowUpdateFailedError as error:
            raise self._map_rejection(error, loan_id) from error
        except RPCError as error:
            raise await self._map_missing(error, loan_id) from error

    async def post_payment(self, loan_id: str, payment: Payment) -> None:
        """Signal a payment: accepted by Temporal even while no worker runs."""
        await self._signal(loan_id, CollectionCase.payment_received, payment)

    async def post_promise(self, loan_id: str, command: PromiseToPay) -> None:
        """Signal a promise: accepted by Temporal even while no worker runs. The case makes
        it once per `promise_id`, or records in its timeline why it could not."""
        await self._signal(loan_id, CollectionCase.promise_received, command)

    async def _signal(self, loan_id: str, signal, argument) -> None:
        handle = self._client.get_workflow_handle(ids.case_workflow_id(loan_id))
        try:
            await handle.signal(signal, argument)
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
            return InvalidCommandError(cause.message, code=_error_code(cause.type))
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


def _error_code(kind: str | None) -> str | None:
    """The error code for a rejection kind: the workflow's CamelCase name in snake_case
    (`PromiseDateOutOfRange` → `promise_date_out_of_range`), so codes stay as stable as
    the kinds themselves. None when the kind is not such a name."""
    if kind is None or not _KIND.fullmatch(kind):
        return None
    return _WORD_START.sub("_", kind).lower()
