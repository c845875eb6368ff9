"""What the gate decides on: the proposed contact, the customer's facts, the ledger.

Pure data, no personal data: contact points are named by kind (`phone`, `email`,
`person:<ref>` for a contact person), never by their address.
"""

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Literal

Channel = Literal["sms", "email", "call"]
Purpose = Literal["collection", "notice", "restore_contact"]
"""`collection`: a reminder, demand or call about the debt; `notice`: a notice the law
requires (validation notice, bureau pre-notice), which a pause of collection does not stop;
`restore_contact`: a call or message to a contact person, only to restore contact with
the debtor, never telling them of the debt."""
Outcome = Literal["connected", "unanswered", "wrong_number", "refused"]
ContactPoint = str
"""`phone`, `email` or `person:<ref>`."""


def point_of(channel: Channel) -> ContactPoint:
    """The debtor's contact point a channel reaches: SMS and calls the phone."""
    return "email" if channel == "email" else "phone"


@dataclass(frozen=True)
class ProposedContact:
    """A contact a case wants to make now."""

    loan_id: str
    channel: Channel
    contact_point: ContactPoint
    purpose: Purpose = "collection"


@dataclass(frozen=True)
class CustomerFacts:
    """What is known about the customer that bears on contact.

    `timezones`: the zone on record first, then any other the customer may be in (a US
    phone number's area code), all of whose hours must agree (Regulation F §1006.6(b)(1)(i)).
    `agreed_window`: customer-local hours the customer agreed to, replacing the profile's
    window where the profile allows it. `vulnerability`: the kind flagged by an agent, or
    None. `breathing_space_until`: the end (UTC) of a Breathing Space moratorium.
    `opted_out`: channels the customer stopped. `invalid_points`: contact points known not
    to reach the customer (a wrong number)."""

    timezones: tuple[str, ...]
    jurisdiction: str = "CN"
    agreed_window: tuple[time, time] | None = None
    vulnerability: str | None = None
    breathing_space_until: datetime | None = None
    opted_out: frozenset[Channel] = field(default_factory=frozenset)
    invalid_points: frozenset[ContactPoint] = field(default_factory=frozenset)


@dataclass(frozen=True)
class LedgerEntry:
    """One contact in the customer's ledger, on any of their loans.

    `kind`: `message` (SMS or e-mail handed over) or `call` (a call attempt: an agent's call
    task). `outcome`: for calls, what the agent recorded (`connected` for a conversation),
    or None while unknown."""

    at: datetime
    loan_id: str
    channel: Channel
    contact_point: ContactPoint
    kind: Literal["message", "call"]
    outcome: Outcome | None = None
