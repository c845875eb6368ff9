"""Listing cases from visibility: filters, the query they make, and the page returned."""

import base64
import binascii
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from pydantic import Field, model_validator
from temporalio.client import Client, WorkflowExecution
from temporalio.service import RPCError, RPCStatusCode

from arrears import ids
from arrears.contracts import CaseStatus, Contract, Jurisdiction, Stage
from arrears.errors import InvalidCommandError

MAX_DPD = 20 * 366 + 1
"""No case is more days past due than a due date may be old (`calendar.OLDEST_DUE_YEARS`)."""


class CaseSearch(Contract):
    """Filters of `GET /v1/cases`. Only typed values reach the visibility query."""

    status: CaseStatus | None = None
    stage: Stage | None = None
    jurisdiction: Jurisdiction | None = None
    dpd_min: int | None = Field(default=None, ge=0, le=MAX_DPD)
    dpd_max: int | None = Field(default=None, ge=0, le=MAX_DPD)
    page_size: int = Field(default=50, ge=1, le=500)
    page_token: str | None = Field(default=None, max_length=4096)

    @model_validator(mode="after")
    def _range_in_order(self) -> "CaseSearch":
        if self.dpd_min is not None and self.dpd_max is not None and self.dpd_min > self.dpd_max:
            raise ValueError("dpd_min must not exceed dpd_max")
        return self

    def listing(self) -> bytes:
        """What a page token belongs to: these filters (not the page size), canonically."""
        filters = (self.status, self.stage, self.jurisdiction, self.dpd_min, self.dpd_max)
        return "|".join("" if value is None else str(value) for value in filters).encode()

    def visibility_query(self, now: datetime) -> str:
        """The visibility query for these filters at `now`.

        An open case sleeps until something is due, so its DPD is read from when it became
        overdue (`ArrearsOverdueSince`: DPD n from n - 1 days after it); a closed case, or
        one opened before that attribute, by its last DPD (`ArrearsDpd`). Counting in
        24-hour days is exact wherever clocks do not change; in zones with daylight-saving
        time a case may fall into its next day's range up to an hour early or late.
        """
        clauses = ['WorkflowType = "CollectionCase"']
        for key, value in (
            (ids.STATUS, self.status),
            (ids.STAGE, self.stage),
            (ids.JURISDICTION, self.jurisdiction),
        ):
            if value is not None:
                clauses.append(f'{key.name} = "{value}"')
        if self.dpd_min:
            since = now - timedelta(days=self.dpd_min - 1)
            clauses.append(_dpd_clause(f"<= {_instant(since)}", f">= {int(self.dpd_min)}"))
        if self.dpd_max is not None:
            since = now - timedelta(days=self.dpd_max)
            clauses.append(_dpd_clause(f"> {_instant(since)}", f"<= {int(self.dpd_max)}"))
        return " AND ".join(clauses)


def _dpd_clause(overdue_since: str, dpd: str) -> str:
    open_case = f'{ids.STATUS.name} = "open" AND {ids.OVERDUE_SINCE.name} {overdue_since}'
    by_last_dpd = f'{ids.STATUS.name} = "closed" OR {ids.OVERDUE_SINCE.name} IS NULL'
    return f"(({open_case}) OR (({by_last_dpd}) AND {ids.DPD.name} {dpd}))"


def _instant(moment: datetime) -> str:
    return f'"{moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}"'


def dpd_at(now: datetime, overdue_since: datetime) -> int:
    """DPD at `now` of an open case overdue since `overdue_since`, in 24-hour days."""
    if now < overdue_since:
        return 0
    return (now - overdue_since) // timedelta(days=1) + 1


class CaseSummary(Contract):
    """One run of a loan's case, as visibility lists it: every case the loan has had
    (episodes), and each run a long case continued as new into, is listed by its run."""

    loan_id: str
    run_id: str
    status: str | None
    stage: str | None
    dpd: int | None
    jurisdiction: str | None
    opened_at: datetime
    closed_at: datetime | None


class CasePage(Contract):
    cases: list[CaseSummary]
    next_page_token: str | None = None


async def list_page(
    client: Client, search: CaseSearch, *, rpc_timeout: timedelta | None = None
) -> CasePage:
    """One page of cases from visibility (eventually consistent), in its default order.

    The page token handed out is opaque to callers: Temporal's token with a checksum over
    it and the filters it was handed out for, URL-safe base64. A token this API did not hand
    out, or handed out for other filters, is an `InvalidCommandError`, not a call Temporal
    fails on or a page of another listing: one cut, mistyped or carried to other filters
    fails the checksum, and one made up with a matching checksum is refused when Temporal
    cannot read it. `rpc_timeout` bounds the call to Temporal.
    """
    listing = search.listing()
    token = _decode_token(search.page_token, listing) if search.page_token else None
    now = datetime.now(UTC)
    pages = client.list_workflows(
        search.visibility_query(now),
        page_size=search.page_size,
        next_page_token=token,
        rpc_timeout=rpc_timeout,
    )
    try:
        await pages.fetch_next_page()
    except RPCError as error:
        if token is None or error.status not in _UNREADABLE_TOKEN:
            raise
        raise InvalidCommandError(
            "page_token is not a token this API handed out", code="invalid_page_token"
        ) from error
    cases = [_summary(execution, now) for execution in pages.current_page or []]
    next_token = pages.next_page_token
    return CasePage(
        cases=cases, next_page_token=_encode_token(next_token, listing) if next_token else None
    )


_CHECKSUM_BYTES = 8
_UNREADABLE_TOKEN = (RPCStatusCode.INVALID_ARGUMENT, RPCStatusCode.UNKNOWN)
"""How Temporal answers a page token it cannot read (it fails to unmarshal it)."""


def _checksum(token: bytes, listing: bytes) -> bytes:
    return hashlib.blake2b(token, digest_size=_CHECKSUM_BYTES, key=listing[:64]).digest()


def _encode_token(token: bytes, listing: bytes) -> str:
    return base64.urlsafe_b64encode(token + _checksum(token, listing)).decode()


def _decode_token(token: str, listing: bytes) -> bytes:
    """Temporal's token back from one this API handed out for `listing`. The checksum
    catches a token cut, mistyped, made up (which Temporal would fail on as an internal
    error) or carried over to other filters."""
    try:
        raw = base64.urlsafe_b64decode(token.encode())
    except (binascii.Error, ValueError) as error:
        raise InvalidCommandError(
            "page_token is not a token this API handed out", code="invalid_page_token"
        ) from error
    inner, checksum = raw[:-_CHECKSUM_BYTES], raw[-_CHECKSUM_BYTES:]
    if not inner or not hmac.compare_digest(checksum, _checksum(inner, listing)):
        raise InvalidCommandError(
            "page_token is not a token this API handed out", code="invalid_page_token"
        )
    return inner


def _summary(execution: WorkflowExecution, now: datetime) -> CaseSummary:
    attributes = execution.typed_search_attributes
    status = attributes.get(ids.STATUS)
    overdue_since = attributes.get(ids.OVERDUE_SINCE)
    dpd = attributes.get(ids.DPD)
    if status == "open" and overdue_since is not None:
        dpd = dpd_at(now, overdue_since)
    return CaseSummary(
        loan_id=execution.id.removeprefix(ids.CASE_ID_PREFIX),
        run_id=execution.run_id,
        status=status,
        stage=attributes.get(ids.STAGE),
        dpd=dpd,
        jurisdiction=attributes.get(ids.JURISDICTION),
        opened_at=execution.start_time,
        closed_at=execution.close_time,
    )
