"""A simulation scenario: a portfolio of cases and what happens to each of them, as JSON.

```
{"start": "2026-01-05T00:00:00Z", "days": 120,
 "cases": [{"case": <body of POST /v1/cases>,
            "events": [{"day": 3.5, "type": "payment", "payment_id": "P1", "amount": 10000},
                       {"at": "2026-01-12T03:00:00Z", "type": "promise", "amount": 50000,
                        "due_date": "2026-01-20"}],
            "late_because": "forgot", "told_on_day": 2.5}]}
```

An event is one command of the HTTP API with the same fields, a `type`, and its instant:
`day` (days after `start`, fractions allowed) or `at`; a promise without a `promise_id`
gets `<loan_id>-PR-<index>`. The simulator works to the minute, so `start` and every instant
are taken down to their minute. Files are read and checked by `loading`.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from arrears.commands import (
    AgreePlan,
    CeaseContact,
    DelinquencyReason,
    OpenDispute,
    PromiseToPay,
    RecordContactOutcome,
    ReportHardship,
    ResolveDispute,
)
from arrears.contracts import CaseOpening, CloseCase, Contract, Payment
from arrears.fields import OpaqueRef, UtcDatetime

COMMANDS: dict[str, type[Contract]] = {
    "payment": Payment,
    "promise": PromiseToPay,
    "hardship": ReportHardship,
    "plan": AgreePlan,
    "dispute": OpenDispute,
    "dispute_resolved": ResolveDispute,
    "cease_contact": CeaseContact,
    "contact_outcome": RecordContactOutcome,
    "close": CloseCase,
}
"""The command each event type carries, by `type`."""


def to_minute(instant: datetime) -> datetime:
    """`instant` taken down to its minute: the simulator's resolution."""
    return instant.replace(second=0, microsecond=0)


class _Timed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str
    day: float | None = Field(default=None, ge=0, le=3660, description="Days after the start.")
    at: UtcDatetime | None = None

    @model_validator(mode="after")
    def _one_instant(self) -> "_Timed":
        if (self.day is None) == (self.at is None):
            raise ValueError("give the event's instant as either `day` or `at`")
        return self


class PaymentEvent(_Timed, Payment):
    type: Literal["payment"]


class PromiseEvent(_Timed, PromiseToPay):
    type: Literal["promise"]
    promise_id: OpaqueRef | None = None  # type: ignore[assignment]


class HardshipEvent(_Timed, ReportHardship):
    type: Literal["hardship"]


class PlanEvent(_Timed, AgreePlan):
    type: Literal["plan"]


class DisputeEvent(_Timed, OpenDispute):
    type: Literal["dispute"]


class DisputeResolvedEvent(_Timed, ResolveDispute):
    type: Literal["dispute_resolved"]


class CeaseContactEvent(_Timed, CeaseContact):
    type: Literal["cease_contact"]


class ContactOutcomeEvent(_Timed, RecordContactOutcome):
    type: Literal["contact_outcome"]


class CloseEvent(_Timed, CloseCase):
    type: Literal["close"]


ScenarioEvent = Annotated[
    PaymentEvent
    | PromiseEvent
    | HardshipEvent
    | PlanEvent
    | DisputeEvent
    | DisputeResolvedEvent
    | CeaseContactEvent
    | ContactOutcomeEvent
    | CloseEvent,
    Field(discriminator="type"),
]


class ScenarioCase(BaseModel):
    """A case and what happens to it. `late_because`: why the customer is late, as an agent
    learns it in a call on day `told_on_day`: a `contact_outcome` event with that reason (a
    `conversation`; for `lost_contact`, a `wrong_number`), after the case's own events."""

    model_config = ConfigDict(extra="forbid")

    case: CaseOpening
    events: list[ScenarioEvent] = Field(default_factory=list)
    late_because: DelinquencyReason | None = None
    told_on_day: float = Field(default=1.5, ge=0, le=3660)

    def all_events(self) -> list["_Timed"]:
        """`events`, then the call in which the agent learns why the customer is late."""
        if self.late_because is None:
            return list(self.events)
        outcome = "wrong_number" if self.late_because == "lost_contact" else "conversation"
        told = ContactOutcomeEvent(
            type="contact_outcome",
            day=self.told_on_day,
            outcome=outcome,
            reason=self.late_because,
        )
        return [*self.events, told]


class Scenario(BaseModel):
    """Cases open at `start` and run for `days`; every instant is a whole minute."""

    model_config = ConfigDict(extra="forbid")

    start: Annotated[UtcDatetime, AfterValidator(to_minute)]
    days: int = Field(gt=0, le=3660)
    cases: list[ScenarioCase] = Field(min_length=1)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=self.days)

    def instant(self, event: _Timed) -> datetime:
        """When `event` happens, down to its minute."""
        at = self.start + timedelta(days=event.day) if event.day is not None else event.at
        assert at is not None
        return to_minute(at)

    def commands(self) -> list["PlannedCommand"]:
        """Every event as the command it carries, case by case, in the order given."""
        return [
            plan_command(self, case.case.loan_id, index, event)
            for case in self.cases
            for index, event in enumerate(case.all_events())
        ]


@dataclass(frozen=True)
class PlannedCommand:
    """An event ready to send: the command, the case, and when (scenario time)."""

    loan_id: str
    index: int
    """The event's position in its case's `events`."""
    type: str
    at: datetime
    command: Contract


def plan_command(scenario: Scenario, loan_id: str, index: int, event: _Timed) -> PlannedCommand:
    """The command `event` carries; raises pydantic's `ValidationError` if it is not one."""
    fields = event.model_dump(exclude={"type", "day", "at"})
    if event.type == "promise" and fields["promise_id"] is None:
        fields["promise_id"] = f"{loan_id}-PR-{index}"
    command = COMMANDS[event.type].model_validate(fields)
    return PlannedCommand(loan_id, index, event.type, scenario.instant(event), command)
