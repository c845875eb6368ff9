"""What a call outcome sets in motion: the reason decides the path (`reason-decides-path`).

Pure: no Temporal import, no clock of its own. After an agent's call outcome is recorded:

- `wrong_number`: the contact point the call reached is invalid (`contact_point_invalid`,
  rule `contact.wrong_number`); the door sends nothing there any more, waiting SMS and calls
  to the phone are blocked (`gate.point_invalid`) and go by e-mail, until the customer's
  facts change (`customer_follow`).
- `no_answer` three times in a row, with no conversation between: the debtor cannot be
  reached on the phone (`contact_lost`, rule `contact.repeated_no_answer`; GB/T 45251-2025
  counts the debtor lost from three consecutive failed attempts), which takes the path of
  `lost_contact`.
- a `reason`: the strategy's path for it (`Strategy.reasons`), recorded as `reason_path`
  with the rule `strategy.reasons.<reason>`: `remind` changes nothing, `cooling_off` pauses
  collection for the hardship cooling-off and then makes the hardship offers (as a hardship
  report does), `dispute` opens a dispute (collection stops), `find_contact` marks the
  debtor lost until the next conversation.
"""

from datetime import datetime, timedelta

from arrears.commands import RecordContactOutcome
from arrears.contracts import Dispute
from arrears.strategy.model import DelinquencyReason, ReasonPath
from arrears.workflows.case_state import CaseState

UNANSWERED_IN_A_ROW = 3
"""Unanswered calls in a row, with no conversation between, after which the debtor counts
as lost on the phone."""

CONVERSATIONS = ("conversation", "refused_to_pay")
"""Outcomes in which the agent spoke with the debtor."""


def follow_outcome(
    state: CaseState, command: RecordContactOutcome, now: datetime, *, persons: bool = False
) -> None:
    """Set in motion what `command` (just recorded) calls for. With `persons`
    (`contact_persons.PATCH`, a CN case with a contact person to ask), a call that reached a
    contact person is no conversation with the debtor (a wrong number makes its point
    invalid, as any), and a wrong number on the phone counts the debtor lost."""
    if not state.is_open:
        return
    if persons and command.point.startswith("person:") and command.outcome != "wrong_number":
        pass
    elif command.outcome == "wrong_number":
        point_invalid(state, command.point, now)
        if persons and command.point == "phone" and not state.contact_lost:
            # With someone to ask (`contact_persons`): the debtor is lost on the phone.
            state.record(now, "contact_lost", point="phone", rule="contact.wrong_number")
            take_path(state, "lost_contact", now)
    elif command.outcome in CONVERSATIONS:
        state.contact_lost = False
    elif (
        command.point == "phone"
        and not state.contact_lost
        and unanswered_in_a_row(state) >= UNANSWERED_IN_A_ROW
    ):
        state.record(
            now,
            "contact_lost",
            point="phone",
            unanswered=UNANSWERED_IN_A_ROW,
            rule="contact.repeated_no_answer",
        )
        take_path(state, "lost_contact", now)
    if command.reason is not None:
        take_path(state, command.reason, now)


def point_invalid(state: CaseState, point: str, now: datetime) -> None:
    """`point` does not reach the customer: the door sends nothing there any more."""
    if point in state.invalid_points:
        return
    state.invalid_points.add(point)
    state.record(now, "contact_point_invalid", point=point, rule="contact.wrong_number")


def unanswered_in_a_row(state: CaseState) -> int:
    """Unanswered calls to the phone recorded since the last conversation."""
    count = 0
    for event in reversed(state.timeline):
        if event.type != "contact_outcome":
            continue
        extra = event.model_extra or {}
        if extra.get("outcome") in CONVERSATIONS:
            break
        if extra.get("outcome") == "no_answer" and extra.get("contact_point", "phone") == "phone":
            count += 1
    return count


def take_path(state: CaseState, reason: DelinquencyReason, now: datetime) -> ReasonPath:
    """Record and take the strategy's path for `reason`."""
    path: ReasonPath = state.strategy.reasons.of(reason) if state.strategy else "remind"
    rule = f"strategy.reasons.{reason}"
    version = {"strategy": state.strategy.version} if state.strategy else {}
    state.record(now, "reason_path", reason=reason, path=path, rule=rule, **version)
    if path == "cooling_off":
        days = state.strategy.hardship_cooling_off_days if state.strategy else 14
        state.hardship_until = state.today(now) + timedelta(days=days)
        state.record(
            now,
            "hardship_reported",
            reason=reason,
            until=state.hardship_until,
            rule=rule,
            **version,
        )
    elif path == "dispute" and state.dispute is None:
        state.dispute = Dispute(reason="other", opened_at=now)
        state.record(now, "dispute_opened", reason="other", rule=rule)
    elif path == "find_contact":
        state.contact_lost = True
    return path
