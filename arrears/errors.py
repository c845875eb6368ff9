"""The one error hierarchy. The API maps each class to an HTTP status in one place."""

from pydantic import TypeAdapter, ValidationError

from arrears.fields import OpaqueRef

_LOAN_ID = TypeAdapter(OpaqueRef)


class ArrearsError(Exception):
    """Base of every expected failure; `detail` is safe to show to the caller."""

    code = "error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def facts(self) -> dict[str, str | int]:
        """Fields the error body carries beside `detail` and `error`; none by default.
        Never personal data."""
        return {}


class CaseNotFoundError(ArrearsError):
    code = "case_not_found"

    def __init__(self, loan_id: str) -> None:
        # Echoed only when it could be a loan_id at all: a path may carry anything, a phone
        # number or an e-mail address too, which an answer must not repeat.
        shown = loan_id if could_be_a_loan_id(loan_id) else "(not a loan_id)"
        super().__init__(f"no case for loan {shown}")
        self.loan_id = loan_id


def could_be_a_loan_id(value: str) -> bool:
    """Whether `value` passes the checks of an opening's `loan_id` (`fields.OpaqueRef`)."""
    try:
        _LOAN_ID.validate_python(value)
    except ValidationError:
        return False
    return True


class CaseClosedError(ArrearsError):
    code = "case_closed"

    def __init__(self, loan_id: str, reason: str | None = None) -> None:
        why = f" ({reason})" if reason else ""
        super().__init__(f"case for loan {loan_id} is closed{why}")
        self.loan_id = loan_id


class ReversalWindowOverError(ArrearsError):
    """The reversal of a payment of a case that closed `paid` or `settled` came later than
    the window in which it reopens the case (a 409)."""

    code = "reversal_window_over"


class InvalidCommandError(ArrearsError):
    """The case refused a command that was well-formed but wrong for it.

    `code` names why, stably (`promise_active`, `plan_not_allowed`, ...), when the case
    said; otherwise it is `invalid_command`.
    """

    code = "invalid_command"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        if code is not None:
            self.code = code


class IdReusedError(ArrearsError):
    """An id (`loan_id`, `payment_id`, `promise_id`) sent again with another body: an id
    means one thing. `fields` names the fields that differ (a 409)."""

    code = "id_reused"

    def __init__(self, detail: str, *, fields: list[str]) -> None:
        super().__init__(detail)
        self.fields = fields

    def facts(self) -> dict[str, str | int | list[str]]:  # type: ignore[override]
        return {"fields": self.fields}


class InvalidIdempotencyKeyError(ArrearsError):
    """An `Idempotency-Key` header that is no key: 1 to 255 printable ASCII characters,
    bare or as a structured-field string, given once (a 400)."""

    code = "invalid_idempotency_key"

    def __init__(self) -> None:
        super().__init__(
            'Idempotency-Key: a key is 1 to 255 printable ASCII characters, bare or quoted ("...")'
        )


class CaseServiceUnavailableError(ArrearsError):
    """Temporal, or every worker for the case, did not answer in time. Safe to retry
    after `retry_after` seconds."""

    code = "unavailable"
    retry_after = 5


class CaseStuckError(CaseServiceUnavailableError):
    """The case's workflow task keeps failing (a bug in the workflow code, or code that
    cannot replay the case's history): no read or command reaches the case until operators
    deploy a fix. Nothing sent is lost; retry later."""

    code = "case_stuck"
    retry_after = 60

    def __init__(self, workflow_id: str, attempt: int | None, detail: str | None = None) -> None:
        super().__init__(
            detail or "the case's workflow task is failing; operators have been alerted"
        )
        self.workflow_id = workflow_id
        self.attempt = attempt

    def facts(self) -> dict[str, str | int]:
        facts: dict[str, str | int] = {"workflow_id": self.workflow_id}
        if self.attempt is not None:
            facts["workflow_task_attempt"] = self.attempt
        return facts


class TemporalCallError(CaseServiceUnavailableError):
    """Temporal refused a call for a reason other than a missing case or a timeout
    (`status` names the gRPC status, e.g. `RESOURCE_EXHAUSTED`). Safe to retry."""

    code = "temporal_error"

    def __init__(self, status: str) -> None:
        super().__init__(f"Temporal refused the call ({status}); retry shortly")
        self.status = status


class CustomerNotFoundError(ArrearsError):
    code = "customer_not_found"

    def __init__(self, customer_id: str) -> None:
        super().__init__(f"no customer {customer_id}")
        self.customer_id = customer_id


class CustomerConflictError(ArrearsError):
    """An opening's customer facts differ from the stored ones and it did not say to update
    them. `fields` names the facts that differ, never their values."""

    code = "customer_conflict"

    def __init__(self, customer_id: str, fields: list[str]) -> None:
        super().__init__(
            f"customer {customer_id} is on file with other {', '.join(fields)}; send the "
            "opening with update_customer: true to update them (every open case of the "
            "customer follows), or PUT /v1/customers/{customer_id} first"
        )
        self.customer_id = customer_id
        self.fields = fields

    def facts(self) -> dict[str, str | int | list[str]]:
        return {"fields": list(self.fields)}


class CustomerRecordsUnavailableError(CaseServiceUnavailableError):
    """The customer records (Postgres) did not answer. Safe to retry."""

    code = "customer_records_unavailable"


class ContactLedgerUnavailableError(CaseServiceUnavailableError):
    """The contact ledger (Postgres) did not answer, or none is configured. Safe to retry."""

    code = "contact_ledger_unavailable"


class AuditRecordsUnavailableError(CaseServiceUnavailableError):
    """The audit records (Postgres) did not answer, or none are configured. Safe to retry."""

    code = "audit_records_unavailable"
