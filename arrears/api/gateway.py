"""Commands and queries on cases through Temporal; `failures` says what its errors mean.

Every call is bounded by `ANSWER_TIMEOUT`: a case nobody answers for (Temporal down, no
worker polling, a case whose workflow task keeps failing) is a 503 with `Retry-After`,
never a request left hanging or a 500.
"""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from pydantic import BaseModel
from temporalio.client import Client, WorkflowFailureError, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from arrears import idempotency, ids
from arrears.actors import Actor
from arrears.api.failures import TEMPORAL_FAILURES, CaseFailures, refusal
from arrears.api.search import CasePage, CaseSearch, list_page
from arrears.commands import (
    ActedAdjustment,
    ActedPayment,
    ActedPromise,
    ActedReversal,
    AdjustBalance,
    AgreePlan,
    CeaseContact,
    ClearVulnerability,
    CommandOutcome,
    FlagVulnerability,
    MigrateStrategy,
    OpenDispute,
    PromiseToPay,
    RecordContactOutcome,
    ReportHardship,
    ResolveDispute,
    ReversePayment,
    StartBreathingSpace,
    StrategyMigration,
)
from arrears.contracts import (
    CaseContactFacts,
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
    CustomerConflictError,
    IdReusedError,
    InvalidCommandError,
)
from arrears.idempotency import (
    KeyedOutcome,
    Stamped,
    StampedBreathingSpace,
    StampedCease,
    StampedClose,
    StampedDispute,
    StampedHardship,
    StampedMigration,
    StampedOutcome,
    StampedPlan,
    StampedResolution,
    StampedVulnerability,
    StampedVulnerabilityCleared,
)
from arrears.strategy import Strategy
from arrears.workflows.calendar import days_past_due, due_date_problem, overdue_since
from arrears.workflows.case import CollectionCase
from arrears.workflows.case_commands import CommandRejected
from arrears.workflows.case_state import CaseStart, CaseState
from arrears.workflows.episodes import next_episode
from arrears.workflows.reopening import check_reopening, reopen
from arrears.workflows.used_ids import IdReused, OpeningFacts, PriorIds

LOAN_FACTS = ("currency", "jurisdiction", "customer.customer_id")
"""What a loan's next case must open with as its last did: a new delinquency of the same
loan is owed in the same money, under the same law, by the same borrower."""

# A query or update waits for a worker; past this the caller gets a 503 and may retry.
ANSWER_TIMEOUT = timedelta(seconds=15)
JUST_STARTED = timedelta(seconds=3)
"""How long an opening asks again a case that another opening has just started."""
CLAIMED_NOT_STARTED = timedelta(seconds=1)
"""How long an opening whose customer another opening claimed looks for the case that
opening is starting, before its facts are a conflict."""

READ_UNANSWERED = "the case service did not answer in time; retry shortly"
COMMAND_UNANSWERED = (
    "the case did not answer in time; the command may or may not have been taken: a payment,"
    " a promise, and any command sent with an Idempotency-Key are safe to send again"
)

T = TypeVar("T")
A = TypeVar("A", bound=BaseModel)


class CaseGateway:
    def __init__(self, client: Client, strategy: Strategy) -> None:
        self._client = client
        self._strategy = strategy
        self._failures = CaseFailures(client)

    async def open_case(
        self,
        opening: CaseOpening,
        reconcile: Callable[[CaseOpening], Awaitable[CaseOpening]] | None = None,
        actor: Actor | None = None,
    ) -> tuple[bool, CaseView]:
        """Start the loan's case, or find the one it has. Returns (created, view).
        `reconcile`, given, turns the opening into the one to start once the due date has
        passed its check (the customer's facts: `CustomerDesk.reconcile`, which may store
        them, so a refused due date stores nothing).

        A new case answers at once with its opening state, computed by the same code the
        workflow runs, so opening never waits for a worker. While the loan's case runs, an
        opening returns it. Once it has closed, an opening starts the loan's next case (a
        new episode of the same workflow id) only if its `due_date` is later than the
        closed case's and it was not written off: the loan cured and fell behind again
        (`episodes.next_episode`).

        Otherwise the opening must repeat what the case it meets, or one of the loan's
        earlier cases, was opened with (but the customer's contact facts): then it is a retry
        and returns the case; else `IdReusedError` (409 `id_reused`) naming the fields that
        differ. A new episode takes over the ids the loan's earlier cases took (`PriorIds`):
        a payment or keyed command retried across episodes is a repeat, not a new one.
        """
        received_at = datetime.now(UTC)
        problem = due_date_problem(opening.due_date, received_at, opening.customer.timezone)
        if problem is not None:
            raise InvalidCommandError(problem, code="due_date_out_of_range")
        if reconcile is not None:
            try:
                opening = await reconcile(opening)
            except CustomerConflictError:
                # A resent opening of the loan's case is a repeat whatever the customer's
                # facts became since (they belong to the customer, and the case follows).
                repeated = await self._repeated_case(opening)
                if repeated is None:
                    raise
                return False, repeated
        created, view, changed, prior = await self._open_episode(opening, received_at, 1, actor)
        if created:
            return True, view
        episode = next_episode(view, opening)
        kept = [name for name in changed if name in LOAN_FACTS]
        if episode is not None and kept:
            raise IdReusedError(
                f"loan {opening.loan_id} had a case opened with another {', '.join(kept)}; "
                "a loan keeps its currency, jurisdiction and borrower from case to case",
                fields=kept,
            )
        if episode is not None:
            for attempt in range(2):
                created, current, changed, _ = await self._open_episode(
                    opening, received_at, episode, actor, prior
                )
                if created:
                    return True, current
                if current.episode != view.episode or current.status == "open" or attempt:
                    # Another opening started the next case, or a reversal reopened this
                    # one (`_reopen`): this opening must repeat what that case was opened
                    # with. Only a closed run still finishing is worth waiting for.
                    break
                # The closed case's run is finishing its last sync: the next starts after.
                await self._until_completed(opening.loan_id)
            view = current
        if changed:
            raise IdReusedError(
                f"loan {opening.loan_id} has a case opened with another {', '.join(changed)}; "
                "a loan_id means one loan",
                fields=changed,
            )
        return False, view

    async def _open_episode(
        self,
        opening: CaseOpening,
        received_at: datetime,
        episode: int,
        actor: Actor | None,
        prior: PriorIds | None = None,
    ) -> tuple[bool, CaseView, list[str], PriorIds | None]:
        """Start episode `episode` of the loan's case, taking over `prior`: (True, its view,
        [], None). When one runs or, for the first episode, when any ever ran: (False, that
        case, the fields of `opening` that differ from what it was opened with, the ids it
        and the loan's earlier cases took)."""
        start = CaseStart(
            opening=opening,
            received_at=received_at,
            strategy=self._strategy,
            episode=episode,
            prior=prior,
            actor=actor,
        )
        initial = CaseState.open(opening, received_at, self._strategy, episode=episode)
        reuse = (
            WorkflowIDReusePolicy.REJECT_DUPLICATE
            if episode == 1
            else WorkflowIDReusePolicy.ALLOW_DUPLICATE
        )
        try:
            async with asyncio.timeout(ANSWER_TIMEOUT.total_seconds()):
                await self._start(start, initial, reuse)
        except WorkflowAlreadyStartedError:
            return False, *await self._existing_case(opening)
        except TEMPORAL_FAILURES as error:
            # Whether the case started is open; opening again is safe (one case per loan).
            raise await self._failures.explain(error, None, unanswered=READ_UNANSWERED) from error
        return True, initial.view(), [], None

    async def _start(
        self, start: CaseStart, initial: CaseState, reuse: WorkflowIDReusePolicy
    ) -> None:
        """Start a run of the loan's case whose state at its start is `initial`."""
        opening = start.opening
        strategy = initial.strategy or self._strategy
        await self._client.start_workflow(
            CollectionCase.run,
            start,
            id=ids.case_workflow_id(opening.loan_id),
            task_queue=ids.TASK_QUEUE,
            id_reuse_policy=reuse,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(ids.STATUS, initial.status),
                    SearchAttributePair(ids.STAGE, initial.stage),
                    SearchAttributePair(ids.DPD, initial.dpd),
                    SearchAttributePair(ids.JURISDICTION, opening.jurisdiction),
                    SearchAttributePair(
                        ids.OVERDUE_SINCE,
                        overdue_since(initial.counting_due_date, opening.customer.timezone),
                    ),
                    SearchAttributePair(ids.STRATEGY, strategy.version),
                ]
            ),
            rpc_timeout=ANSWER_TIMEOUT,
        )

    async def get_view(self, loan_id: str) -> CaseView:
        """The case as it is now. A case sleeps until something is due, so an open case's
        DPD is counted here, on the customer's calendar, rather than taken from its last
        wake."""
        view = await self._call(
            loan_id,
            lambda handle: handle.query(CollectionCase.view, rpc_timeout=ANSWER_TIMEOUT),
            READ_UNANSWERED,
        )
        if view.status == "open" and view.timezone is not None and not view.dpd_frozen:
            dpd = days_past_due(
                view.due_date, datetime.now(UTC), view.timezone, held_days=view.dpd_held_days
            )
            view = view.model_copy(update={"dpd": dpd})
        return view

    async def get_contact_facts(self, loan_id: str, at: datetime) -> CaseContactFacts:
        """What the case tells the contact check at `at` (UTC)."""
        return await self._call(
            loan_id,
            lambda handle: handle.query(
                CollectionCase.contact_facts, at, rpc_timeout=ANSWER_TIMEOUT
            ),
            READ_UNANSWERED,
        )

    async def get_timeline(self, loan_id: str) -> Timeline:
        """The case's events ordered by `at` (stable), whatever order they were recorded in."""
        timeline = await self._call(
            loan_id,
            lambda handle: handle.query(CollectionCase.timeline, rpc_timeout=ANSWER_TIMEOUT),
            READ_UNANSWERED,
        )
        return timeline.in_time_order()

    async def record_payment(
        self, loan_id: str, payment: Payment, actor: Actor | None = None
    ) -> PaymentOutcome:
        """Apply `payment`. Sent again to a case it closed, or that closed since, it is the
        repeat it is anywhere (`applied: false`; another body, `id_reused`), not a 409."""
        try:
            argument = _acted(ActedPayment, payment, actor)
            return await self._update(loan_id, CollectionCase.record_payment, argument)
        except CaseClosedError:
            view, in_use = await self._case_and_ids(loan_id)
            if payment.payment_id not in in_use.payment_ids:
                raise
            _same_body(in_use.used.check_payment, payment, view.currency)
            return PaymentOutcome(applied=False, case=view)

    async def close_case(
        self, loan_id: str, command: CloseCase, key: str | None = None, actor: Actor | None = None
    ) -> KeyedOutcome:
        """Recall the case. A case already recalled answers `accepted: false`."""
        try:
            update = CollectionCase.close
            return await self._keyed(loan_id, update, StampedClose, command, key, actor=actor)
        except CaseClosedError:
            view = await self.get_view(loan_id)
            if view.closed_reason != "recalled":
                raise
            return KeyedOutcome(accepted=False, case=view)

    async def promise_to_pay(
        self, loan_id: str, command: PromiseToPay, actor: Actor | None = None
    ) -> CommandOutcome:
        argument = _acted(ActedPromise, command, actor)
        return await self._update(loan_id, CollectionCase.promise_to_pay, argument)

    # Commands without an id of their own: each takes an Idempotency-Key (`key`).

    async def report_hardship(
        self,
        loan_id: str,
        command: ReportHardship,
        key: str | None = None,
        actor: Actor | None = None,
    ) -> KeyedOutcome:
        update = CollectionCase.report_hardship
        return await self._keyed(loan_id, update, StampedHardship, command, key, actor=actor)

    async def agree_plan(
        self,
        loan_id: str,
        command: AgreePlan,
        key: str | None = None,
        actor: Actor | None = None,
    ) -> KeyedOutcome:
        return await self._keyed(
            loan_id, CollectionCase.agree_plan, StampedPlan, command, key, actor=actor
        )

    async def open_dispute(
        self,
        loan_id: str,
        command: OpenDispute,
        key: str | None = None,
        actor: Actor | None = None,
    ) -> KeyedOutcome:
        update = CollectionCase.open_dispute
        return await self._keyed(loan_id, update, StampedDispute, command, key, actor=actor)

    async def resolve_dispute(
        self,
        loan_id: str,
        command: ResolveDispute,
        key: str | None = None,
        actor: Actor | None = None,
    ) -> KeyedOutcome:
        """Resolve the open dispute. The upheld resolution that closed the case, sent
        again, answers `accepted: false`, like every repeat."""
        update = CollectionCase.resolve_dispute
        try:
            return await self._keyed(loan_id, update, StampedResolution, command, key, actor=actor)
        except CaseClosedError:
            view = await self.get_view(loan_id)
            if view.closed_reason != "dispute_upheld" or command.outcome != "upheld":
                raise
            return KeyedOutcome(accepted=False, case=view)

    async def cease_contact(
        self,
        loan_id: str,
        command: CeaseContact,
        key: str | None = None,
        actor: Actor | None = None,
    ) -> KeyedOutcome:
        update = CollectionCase.cease_contact
        return await self._keyed(loan_id, update, StampedCease, command, key, actor=actor)

    async def record_contact_outcome(
        self,
        loan_id: str,
        command: RecordContactOutcome,
        key: str | None = None,
        actor: Actor | None = None,
    ) -> KeyedOutcome:
        update = CollectionCase.record_contact_outcome
        return await self._keyed(loan_id, update, StampedOutcome, command, key, actor=actor)

    async def flag_vulnerability(
        self,
        loan_id: str,
        command: FlagVulnerability,
        key: str | None = None,
        actor: Actor | None = None,
    ) -> KeyedOutcome:
        update = CollectionCase.flag_vulnerability
        return await self._keyed(loan_id, update, StampedVulnerability, command, key, actor=actor)

    async def clear_vulnerability(
        self, loan_id: str, key: str | None = None, actor: Actor | None = None
    ) -> KeyedOutcome:
        update = CollectionCase.clear_vulnerability
        command = ClearVulnerability()
        return await self._keyed(
            loan_id, update, StampedVulnerabilityCleared, command, key, actor=actor
        )

    async def start_breathing_space(
        self,
        loan_id: str,
        command: StartBreathingSpace,
        key: str | None = None,
        actor: Actor | None = None,
    ) -> KeyedOutcome:
        update = CollectionCase.start_breathing_space
        return await self._keyed(loan_id, update, StampedBreathingSpace, command, key, actor=actor)

    async def migrate_strategy(
        self,
        loan_id: str,
        command: MigrateStrategy,
        key: str | None = None,
        actor: Actor | None = None,
    ) -> KeyedOutcome:
        """Move the case to the strategy this service runs, which `command` must name. The
        key's request is `command` as sent, not the strategy it names."""
        served = self._strategy.version
        if command.to_version != served:
            raise InvalidCommandError(
                f"to_version: this service runs strategy {served}, not {command.to_version}",
                code="strategy_not_served",
            )
        migration = StrategyMigration(strategy=self._strategy, change_ref=command.change_ref)
        update = CollectionCase.migrate_strategy
        return await self._keyed(
            loan_id, update, StampedMigration, migration, key, command, actor=actor
        )

    async def adjust_balance(
        self, loan_id: str, command: AdjustBalance, actor: Actor | None = None
    ) -> CommandOutcome:
        """Adjust the balance once per `adjustment_id`; sent again to a case it closed, the
        repeat it is anywhere (`accepted: false`; another body, `id_reused`)."""
        try:
            argument = _acted(ActedAdjustment, command, actor)
            return await self._update(loan_id, CollectionCase.adjust_balance, argument)
        except CaseClosedError:
            view, in_use = await self._case_and_ids(loan_id)
            if command.adjustment_id not in in_use.adjustment_ids:
                raise
            _same_body(in_use.used.check_adjustment, command)
            return CommandOutcome(accepted=False, case=view)

    async def _case_and_ids(self, loan_id: str) -> tuple[CaseView, PriorIds]:
        """The case's view and the ids it and the loan's earlier cases took (a completed
        run answers too)."""
        return await asyncio.gather(
            self.get_view(loan_id),
            self._call(
                loan_id,
                lambda handle: handle.query(CollectionCase.ids_in_use, rpc_timeout=ANSWER_TIMEOUT),
                READ_UNANSWERED,
            ),
        )

    async def reverse_payment(
        self, loan_id: str, command: ReversePayment, actor: Actor | None = None
    ) -> CommandOutcome:
        """Reverse a payment of the case. On a case that closed `paid` or `settled`, whose
        run has completed, the reversal reopens the case (`_reopen`)."""
        argument = _acted(ActedReversal, command, actor)
        try:
            return await self._update(loan_id, CollectionCase.reverse_payment, argument)
        except CaseClosedError:
            return await self._reopen(loan_id, argument)

    async def _reopen(self, loan_id: str, command: ActedReversal) -> CommandOutcome:
        """Start a new run of the case carrying its closed run's final state, which applies
        the reversal at once (`reopening`), and answer with the case as it left it,
        computed by the same code. A payment reversed already, for the same reason, is
        `accepted: false`; a case closed other than by money stays closed (409
        `case_closed`); past `REVERSAL_WINDOW`, 409 `reversal_window_over`."""
        await self._until_completed(loan_id)  # the closed run's last sync goes first
        state = await self._call(
            loan_id,
            lambda handle: handle.query(CollectionCase.closed_state, rpc_timeout=ANSWER_TIMEOUT),
            READ_UNANSWERED,
        )
        if state.is_open:  # another reversal reopened it, or the loan has a new case
            return await self._update(loan_id, CollectionCase.reverse_payment, command)
        received_at = datetime.now(UTC)
        try:
            if check_reopening(state, command, received_at):
                return CommandOutcome(accepted=False, case=state.view())
        except CommandRejected as rejected:
            raise refusal(rejected.kind, str(rejected), rejected.details, loan_id) from None
        start = CaseStart.reopening_of(state, command, received_at, command.actor)
        reopened = state.model_copy(deep=True)
        reopen(reopened, command, received_at)
        try:
            async with asyncio.timeout(ANSWER_TIMEOUT.total_seconds()):
                await self._start(start, reopened, WorkflowIDReusePolicy.ALLOW_DUPLICATE)
        except WorkflowAlreadyStartedError:
            # Another reversal reopened it a moment ago: this one is answered there.
            return await self._update(loan_id, CollectionCase.reverse_payment, command)
        except TEMPORAL_FAILURES as error:
            # Whether the case reopened is open; the reversal is safe to send again.
            raise await self._failures.explain(error, None, unanswered=READ_UNANSWERED) from error
        return CommandOutcome(accepted=True, case=reopened.view(received_at))

    async def list_cases(self, search: CaseSearch) -> CasePage:
        """One page of cases from visibility (eventually consistent), in its default order."""
        try:
            async with asyncio.timeout(ANSWER_TIMEOUT.total_seconds()):
                return await list_page(self._client, search, rpc_timeout=ANSWER_TIMEOUT)
        except TEMPORAL_FAILURES as error:
            raise await self._failures.explain(error, None, unanswered=READ_UNANSWERED) from error

    async def _update(self, loan_id: str, update, argument):
        """Run `update` on the case and answer with its result. A 503 leaves it open
        whether the case took the command; payments and promises are applied once per id."""
        return await self._call(
            loan_id,
            lambda handle: handle.execute_update(update, argument, rpc_timeout=ANSWER_TIMEOUT),
            COMMAND_UNANSWERED,
        )

    async def post_payment(
        self, loan_id: str, payment: Payment, actor: Actor | None = None
    ) -> None:
        """Signal a payment: accepted by Temporal even while no worker runs."""
        argument = _acted(ActedPayment, payment, actor)
        await self._signal(loan_id, CollectionCase.payment_received, argument)

    async def post_promise(
        self, loan_id: str, command: PromiseToPay, actor: Actor | None = None
    ) -> None:
        """Signal a promise: accepted by Temporal even while no worker runs. The case makes
        it once per `promise_id`, or records in its timeline why it could not."""
        argument = _acted(ActedPromise, command, actor)
        await self._signal(loan_id, CollectionCase.promise_received, argument)

    async def _signal(self, loan_id: str, signal, argument) -> None:
        """Queue `signal` on a case that can take it. Temporal accepts a signal to a stuck
        case too, where it would wait unapplied until the case is fixed: such a case is
        refused first (503 `case_stuck`), so the caller sends it again later rather than
        believe it applied."""
        await self._failures.require_runnable(loan_id)
        await self._call(
            loan_id,
            lambda handle: handle.signal(signal, argument, rpc_timeout=ANSWER_TIMEOUT),
            COMMAND_UNANSWERED,
        )

    async def _call(
        self,
        loan_id: str,
        call: Callable[[WorkflowHandle], Awaitable[T]],
        unanswered: str,
    ) -> T:
        """`call` on the case's handle, within `ANSWER_TIMEOUT` in all (the SDK bounds each
        attempt but retries without end while an update is not yet taken, a case that is
        continuing as new, say), its failures explained. `unanswered` is the 503's detail
        when nobody answered in time."""
        handle = self._client.get_workflow_handle(ids.case_workflow_id(loan_id))
        try:
            async with asyncio.timeout(ANSWER_TIMEOUT.total_seconds()):
                return await call(handle)
        except TEMPORAL_FAILURES as error:
            raise await self._failures.explain(error, loan_id, unanswered=unanswered) from error

    async def _keyed(
        self,
        loan_id: str,
        update,
        stamped: type[Stamped],
        command: BaseModel,
        key: str | None,
        request: BaseModel | None = None,
        *,
        actor: Actor | None = None,
    ) -> KeyedOutcome:
        """Run a keyed command's `update` with `command` stamped with `key` and `request`
        (the body as sent; `command` by default), and sent by `actor`. A case that has
        closed since it answered the key answers it again, from its history."""
        body = request or command
        stamp = idempotency.stamp(key, stamped.command, body) if key is not None else None
        argument = stamped(**dict(command), idempotency=stamp, actor=actor)
        try:
            return await self._update(loan_id, update, argument)
        except CaseClosedError:
            if stamp is None:
                raise
            lookup = await self._call(
                loan_id,
                lambda handle: handle.query(
                    CollectionCase.key_use, stamp, rpc_timeout=ANSWER_TIMEOUT
                ),
                READ_UNANSWERED,
            )
            if lookup.use is None:
                raise
            if lookup.use.request != stamp.request:
                raise InvalidCommandError(
                    "Idempotency-Key: the key was first used for another request (a "
                    f"{lookup.use.command} command); send a new key for a new request",
                    code="idempotency_key_reused",
                ) from None
            view = await self.get_view(loan_id)
            return KeyedOutcome(accepted=lookup.use.accepted, case=view, replayed=True)

    async def _repeated_case(self, opening: CaseOpening) -> CaseView | None:
        """The loan's case, if `opening` repeats its opening or an earlier case's and would
        start no new one; else None."""
        try:
            # An opening of this very loan may have claimed the customer and not yet
            # started the case: look again, briefly, before calling it a conflict.
            view, changed, _ = await _briefly(
                lambda: self._existing_case(opening), CaseNotFoundError, CLAIMED_NOT_STARTED
            )
        except CaseNotFoundError:
            return None
        if changed or next_episode(view, opening) is not None:
            return None
        return view

    async def _until_completed(self, loan_id: str) -> None:
        """Wait, within `ANSWER_TIMEOUT`, until the loan's closed case's run has ended."""
        try:
            await self._call(
                loan_id,
                lambda handle: handle.result(follow_runs=False, rpc_timeout=ANSWER_TIMEOUT),
                READ_UNANSWERED,
            )
        except WorkflowFailureError:
            pass  # ended otherwise (terminated, say): ended all the same

    async def _existing_case(self, opening: CaseOpening) -> tuple[CaseView, list[str], PriorIds]:
        """The case the loan has; the fields `opening` differs from what it was opened with
        in (but the customer's contact facts), none when it repeats the opening of one of
        the loan's earlier cases; and the ids the case and those earlier cases took."""
        loan_id = opening.loan_id
        # A case another opening started a moment ago may not answer before its first
        # workflow task: ask again, briefly (a real outage takes longer than that).
        view, in_use = await _briefly(
            lambda: self._case_and_ids(loan_id), CaseServiceUnavailableError, JUST_STARTED
        )
        again = OpeningFacts.of(opening)
        changed = in_use.openings[-1].changed_by(again)
        if changed and in_use.repeats_an_opening(again):
            changed = []
        return view, changed, in_use


async def _briefly(
    attempt: Callable[[], Awaitable[T]], retry_on: type[Exception], within: timedelta
) -> T:
    """`attempt()`, again every 0.1 s while it raises `retry_on` and `within` has not passed
    since the first try; then what it raises."""
    give_up = asyncio.get_running_loop().time() + within.total_seconds()
    while True:
        try:
            return await attempt()
        except retry_on:
            if asyncio.get_running_loop().time() > give_up:
                raise
            await asyncio.sleep(0.1)


def _acted(model: type[A], command: BaseModel, actor: Actor | None) -> A:
    """`command` as the case is told it: the `Acted` `model` of it, sent by `actor`."""
    return model(**dict(command), actor=actor)


def _same_body(check: Callable[..., object], *args: object) -> None:
    """Raise `IdReusedError` (409 `id_reused`) where `check`, a `UsedIds` check of a known
    id, finds it first sent with another body. An id taken before the case kept bodies
    compares with nothing: a repeat."""
    try:
        check(*args)
    except IdReused as reused:
        raise IdReusedError(str(reused), fields=reused.fields) from None
