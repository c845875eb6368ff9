"""Listing cases from visibility: filters, the query they make, and the page returned."""

from datetime import datetime

from pydantic import Field, model_validator

from arrears import ids
from arrears.contracts import CaseStatus, Contract, Jurisdiction, Stage


class CaseSearch(Contract):
    """Filters of `GET /v1/cases`. Only typed values reach the visibility query."""

    status: CaseStatus | None = None
    stage: Stage | None = None
    jurisdiction: Jurisdiction | None = None
    dpd_min: int | None = Field(default=None, ge=0)
    dpd_max: int | None = Field(default=None, ge=0)
    page_size: int = Field(default=50, ge=1, le=500)
    page_token: str | None = Field(default=None, max_length=4096)

    @model_validator(mode="after")
    def _range_in_order(self) -> "CaseSearch":
        if self.dpd_min is not None and self.dpd_max is not None and self.dpd_min > self.dpd_max:
            raise ValueError("dpd_min must not exceed dpd_max")
        return self

    def visibility_query(self) -> str:
        clauses = ['WorkflowType = "CollectionCase"']
        for key, value in (
            (ids.STATUS, self.status),
            (ids.STAGE, self.stage),
            (ids.JURISDICTION, self.jurisdiction),
        ):
            if value is not None:
                clauses.append(f'{key.name} = "{value}"')
        if self.dpd_min is not None:
            clauses.append(f"{ids.DPD.name} >= {int(self.dpd_min)}")
        if self.dpd_max is not None:
            clauses.append(f"{ids.DPD.name} <= {int(self.dpd_max)}")
        return " AND ".join(clauses)


class CaseSummary(Contract):
    loan_id: str
    status: str | None
    stage: str | None
    dpd: int | None
    jurisdiction: str | None
    opened_at: datetime
    closed_at: datetime | None


class CasePage(Contract):
    cases: list[CaseSummary]
    next_page_token: str | None = None
