"""A case follows its customer's contact facts when they change (`CustomerUpdate`).

Pure: no Temporal import, no clock of its own. The time zone is the one that matters to
the case: contact windows, DPD, the calendar of stages and escalations are all counted in
it. From the change on the case counts them in the new zone; contacts waiting for the old
zone's window go back to the door, which decides their time again in the new one.
"""

from datetime import datetime

from arrears.contracts import Customer
from arrears.customers import FactName, differing_facts
from arrears.workflows.case_state import CaseState

RULE = "customer.contact_facts"
"""The contact facts belong to the customer; every open case of theirs follows them."""


def follow_customer(state: CaseState, customer: Customer, now: datetime) -> list[FactName]:
    """Take `customer`'s facts as the case's own. Returns the facts that changed (none for
    another customer, a closed case, or facts the case has already).

    Records `customer_updated` with the names of the changed facts, never their values;
    a changed phone or e-mail known invalid is valid again (`contact_point_restored`).
    """
    current = state.opening.customer
    if customer.customer_id != current.customer_id or not state.is_open:
        return []
    changed = differing_facts(current, customer)
    if not changed:
        return []
    followed = customer.model_copy(update={"language": customer.language or current.language})
    state.opening = state.opening.model_copy(update={"customer": followed})
    if "timezone" in changed:
        for pending in state.pending_contacts:
            if pending.not_before > now:
                # Timed by the old zone's window: the door times it again in the new one.
                pending.not_before = now
                pending.deferred = False
    state.record(now, "customer_updated", fields=list(changed), rule=RULE)
    for point in ("phone", "email"):
        if point in changed and point in state.invalid_points:
            # A new number or address: the one known not to reach the customer is gone.
            state.invalid_points.discard(point)
            state.record(now, "contact_point_restored", point=point, rule=RULE)
    return changed
