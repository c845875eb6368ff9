"""The one error hierarchy. The API maps each class to an HTTP status in one place."""


class ArrearsError(Exception):
    """Base of every expected failure; `detail` is safe to show to the caller."""

    code = "error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class CaseNotFoundError(ArrearsError):
    code = "case_not_found"

    def __init__(self, loan_id: str) -> None:
        super().__init__(f"no case for loan {loan_id}")
        self.loan_id = loan_id


class CaseClosedError(ArrearsError):
    code = "case_closed"

    def __init__(self, loan_id: str, reason: str | None = None) -> None:
        why = f" ({reason})" if reason else ""
        super().__init__(f"case for loan {loan_id} is closed{why}")
        self.loan_id = loan_id


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


class CaseServiceUnavailableError(ArrearsError):
    """Temporal, or every worker for the case, did not answer in time. Safe to retry."""

    code = "unavailable"
