"""How scenario commands reach their cases: payments by the `payment_received` signal,
everything else by the workflow's updates, so that a refusal comes back with its reason."""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from arrears.simulation.scenario import PlannedCommand
from arrears.simulation.timeshift import shift_command, unshift_text
from arrears.workflows.case import CollectionCase

UPDATES: dict[str, Any] = {
    "promise": CollectionCase.promise_to_pay,
    "hardship": CollectionCase.report_hardship,
    "plan": CollectionCase.agree_plan,
    "dispute": CollectionCase.open_dispute,
    "dispute_resolved": CollectionCase.resolve_dispute,
    "cease_contact": CollectionCase.cease_contact,
    "contact_outcome": CollectionCase.record_contact_outcome,
    "close": CollectionCase.close,
}


@dataclass(frozen=True)
class Rejection:
    """A command the case refused, in scenario time."""

    loan_id: str
    index: int
    type: str
    at: datetime
    reason: str


def rounds(commands: Iterable[PlannedCommand]) -> list[tuple[datetime, list[PlannedCommand]]]:
    """Commands grouped for sending: by instant, and within it by rank among the case's
    commands at that instant, so a case gets one command per group, in scenario order."""
    groups: dict[tuple[datetime, int], list[PlannedCommand]] = defaultdict(list)
    rank: Counter[tuple[str, datetime]] = Counter()
    for command in sorted(commands, key=lambda c: (c.at, c.loan_id, c.index)):
        groups[(command.at, rank[(command.loan_id, command.at)])].append(command)
        rank[(command.loan_id, command.at)] += 1
    return [(at, group) for (at, _), group in sorted(groups.items(), key=lambda kv: kv[0])]


async def send(
    handle: WorkflowHandle[Any, Any], planned: PlannedCommand, offset: timedelta
) -> Rejection | None:
    """Send `planned` to its case (the server's time is `offset` ahead of the scenario's);
    return why the case refused it, if it did."""
    command = shift_command(planned.command, offset)
    try:
        if planned.type == "payment":
            await handle.signal(CollectionCase.payment_received, command)
        else:
            await handle.execute_update(
                UPDATES[planned.type], command, id=f"{planned.loan_id}:{planned.index}"
            )
        return None
    except WorkflowUpdateFailedError as error:
        reason = str(error.cause)  # an ApplicationError: "<kind>: <why>"
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise
        reason = "CaseClosed: the case is closed"
    return Rejection(
        loan_id=planned.loan_id,
        index=planned.index,
        type=planned.type,
        at=planned.at,
        reason=unshift_text(reason, offset),
    )
