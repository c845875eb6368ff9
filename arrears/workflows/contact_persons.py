"""Contact persons (CN): the search for a lost debtor through someone they named.

Pure: no Temporal import, no clock of its own. The workflow asks `patched(PATCH)` before
any of this does something (only a CN case that is lost and has a contact person left).

- A wrong number on the debtor's phone counts them lost (`contact_lost`, rule
  `contact.wrong_number`) and takes the path of `lost_contact`, as three unanswered calls do.
- While the debtor is lost (`CaseState.contact_lost`: wrong number, repeated no-answer, a
  reason `lost_contact`), one `restore_contact` agent call a day waits at the door for the
  first contact person who has not declined (`person:<ref>`, template
  `contact_person_call`); e-mail to the debtor goes on as before. The contact gate decides
  at the moment of sending (`compliance.persons`): a block (the debtor not yet lost by its
  count) is recorded, and the next day's call is asked again. One step key per person per
  customer-local day: never two restore calls to one person in a day.
- `declined` on `person:<ref>`: the person is never contacted again
  (`contact_person_declined`); the next one is tried.
- A wrong number on `person:<ref>` makes that point invalid: the next person is tried.
- A conversation with the debtor (not with a contact person) ends the search
  (`contact_restored`); waiting restore calls are taken back. A debtor who ceased calls
  has no restore call made for them either.
"""

from datetime import date, datetime

from arrears.commands import RecordContactOutcome
from arrears.workflows import door
from arrears.workflows.case_state import CaseState, PendingContact
from arrears.workflows.compliance import check_contact_time
from arrears.workflows.outcome_paths import CONVERSATIONS

PATCH = "contact-persons"
"""The `workflow.patched` id of everything here."""

JURISDICTIONS = ("CN",)
"""Where a contact person may be contacted at all (the other profiles allow none)."""

PURPOSE = "restore_contact"
TEMPLATE = "contact_person_call"
STEP = "restore_contact"
PERSON = "person:"
RULE_DECLINED = "contact.contact_person_declined"
RULE_RESTORED = "contact.conversation"


def next_person(state: CaseState) -> str | None:
    """The ref of the contact person a lost CN debtor's case would call now, or None (not
    lost, not CN, closed, or no one left who has not declined)."""
    if not state.contact_lost or "call" in state.ceased_channels:
        return None
    return first_person(state)


def first_person(state: CaseState) -> str | None:
    """The ref of the first contact person of an open CN case who has not declined and
    whose number is not known wrong, lost or not; None without one."""
    if not state.is_open or state.opening.jurisdiction not in JURISDICTIONS:
        return None
    return next(
        (
            person.ref
            for person in state.opening.customer.contact_persons
            if person.ref not in state.declined_persons
            and f"{PERSON}{person.ref}" not in state.invalid_points
        ),
        None,
    )


def queue_restore(state: CaseState, ref: str, now: datetime) -> bool:
    """Queue a restore call to `ref` (from `next_person`), unless collection is paused, one
    is waiting, or one to `ref` went or was decided for the day it would go. It waits for
    the contact window; its step is keyed by that customer-local day. Returns whether one
    was queued."""
    if state.pause_reason(now):
        return False
    if any(p.purpose == PURPOSE for p in state.pending_contacts):
        return False
    window = check_contact_time(now, state.tz, state.opening.jurisdiction)
    not_before = now if window.until is None else window.until
    day = state.today(not_before)
    step_key = f"{STEP}.{ref}.{day.isoformat()}"
    if step_key in state.contacts_done or _sent_on(state, ref, day):
        return False
    state.pending_contacts.append(
        PendingContact(
            step_key=step_key,
            channel="call",
            template=TEMPLATE,
            not_before=not_before,
            contact_point=f"{PERSON}{ref}",
            purpose=PURPOSE,
        )
    )
    return True


def _sent_on(state: CaseState, ref: str, day: date) -> bool:
    """Whether a restore call to `ref` went on customer-local `day` (one queued for an
    earlier day may have gone that day, after a deferral)."""
    prefix = f"{STEP}.{ref}."
    return any(
        event.type == "contact_sent"
        and str((event.model_extra or {}).get("step", "")).startswith(prefix)
        and state.today(event.at) == day
        for event in reversed(state.timeline)
    )


def person_ref(point: str) -> str | None:
    """The ref a `person:<ref>` contact point names, else None."""
    return point.removeprefix(PERSON) if point.startswith(PERSON) else None


def check_point(state: CaseState, command: RecordContactOutcome) -> str | None:
    """Why `command` is refused (a problem naming the field), or None: a `person:<ref>`
    point must be a contact person of the customer, and `declined` is a contact person's
    (`impossible_outcome` says what else cannot have happened)."""
    ref = person_ref(command.point)
    if ref is not None and state.opening.customer.contact_person(ref) is None:
        return "contact_point: the customer has no contact person with this ref"
    if command.outcome == "declined" and ref is None:
        return "outcome: declined is a contact person's; contact_point must be person:<ref>"
    return None


def impossible_outcome(command: RecordContactOutcome) -> str | None:
    """Why `command` cannot have happened (a problem naming the field), or None."""
    ref = person_ref(command.point)
    if ref is not None and command.outcome == "refused_to_pay":
        return "outcome: refused_to_pay is the debtor's; a contact person declines"
    if ref is not None and command.reason is not None:
        return "reason: only the debtor tells why they are late, not a contact person"
    # `refused_to_pay` and a reason are the debtor's; a call reaches an e-mail address only
    # to find it wrong; why the customer is late is learned in a conversation
    # (`lost_contact` also from a failed call).
    if command.point == "email" and command.outcome != "wrong_number":
        return f"contact_point: a call reaches no e-mail address ({command.outcome})"
    if command.reason not in (None, "lost_contact") and command.outcome not in (
        "conversation",
        "refused_to_pay",
    ):
        return f"reason: {command.reason} is learned in a conversation, not from {command.outcome}"
    return None


def follow(state: CaseState, command: RecordContactOutcome, now: datetime, was_lost: bool) -> None:
    """What an outcome (just recorded) does to the search: a person who declined is never
    contacted again; a conversation with the debtor ends the search."""
    ref = person_ref(command.point)
    if command.outcome == "declined" and ref is not None:
        if ref not in state.declined_persons:
            state.declined_persons.add(ref)
            state.record(now, "contact_person_declined", person=ref, rule=RULE_DECLINED)
        _take_back(state, now, RULE_DECLINED, point=command.point)
    elif command.outcome in CONVERSATIONS and ref is None and was_lost:
        state.record(now, "contact_restored", point=command.point, rule=RULE_RESTORED)
        _take_back(state, now, RULE_RESTORED)


def _take_back(state: CaseState, now: datetime, rule: str, *, point: str | None = None) -> None:
    for pending in list(state.pending_contacts):
        if pending.purpose == PURPOSE and (point is None or pending.contact_point == point):
            door.withdraw_one(state, pending, now, rule)
