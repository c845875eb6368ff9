"""Names that running cases depend on: task queue, workflow ids, search attribute keys."""

from temporalio.common import SearchAttributeKey

TASK_QUEUE = "arrears-cases"

CASE_ID_PREFIX = "case-"


def case_workflow_id(loan_id: str) -> str:
    """The workflow id of a loan's case: `case-<loan_id>`. One case per loan."""
    return f"{CASE_ID_PREFIX}{loan_id}"


STATUS = SearchAttributeKey.for_keyword("ArrearsStatus")
STAGE = SearchAttributeKey.for_keyword("ArrearsStage")
DPD = SearchAttributeKey.for_int("ArrearsDpd")
JURISDICTION = SearchAttributeKey.for_keyword("ArrearsJurisdiction")
OVERDUE_SINCE = SearchAttributeKey.for_datetime("ArrearsOverdueSince")
"""When DPD 1 began (UTC): a case's DPD today follows from it without waking the case.
`ArrearsDpd` is the DPD at the case's last step, and final once the case is closed."""

STRATEGY = SearchAttributeKey.for_keyword("ArrearsStrategy")
"""The version of the strategy the case follows (absent for cases without one)."""

SEARCH_ATTRIBUTES = (STATUS, STAGE, DPD, JURISDICTION, OVERDUE_SINCE, STRATEGY)
"""Every custom search attribute, registered on the server by `arrears dev` and the tests."""


CUSTOMER_UPDATE_PREFIX = "customer-"


def customer_update_workflow_id(customer_id: str) -> str:
    """The workflow id of a customer's facts update: `customer-<customer_id>`, one running
    at a time. `customer_id` is an opaque reference, checked not to be personal data."""
    return f"{CUSTOMER_UPDATE_PREFIX}{customer_id}"
