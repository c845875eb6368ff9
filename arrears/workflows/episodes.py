"""When an opening starts a loan's next case: the rule for episodes.

Pure: no Temporal import. A loan has one case at a time, the workflow `case-<loan_id>`;
once a case has closed, the same workflow id may run again as the loan's next case (an
episode), numbered from 1.
"""

from arrears.contracts import CaseOpening, CaseView


def next_episode(closed: CaseView, opening: CaseOpening) -> int | None:
    """The episode `opening` starts after the loan's `closed` case, or None when it starts
    none (the caller then returns that case for a repeat of its opening, else refuses it).

    A loan that cured and fell behind again is overdue on a later instalment: its due date
    is later than the closed case's. An opening with the same or an earlier due date is no
    new delinquency: starting a case for it would collect one that already ended. It is the
    closed case's own opening sent again (a retry, a batch resent), or it conflicts with it.
    A loan written off was charged off: it keeps that case, which takes recoveries.
    """
    if closed.status != "closed" or opening.due_date <= closed.due_date:
        return None
    if closed.closed_reason == "written_off":
        return None  # charged off: the loan keeps that case, which takes recoveries
    return closed.episode + 1
