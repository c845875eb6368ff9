"""An auditor's reads of a case: its workflow history in clear, and the audit of it."""

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from arrears.api.case_records import CaseAudit, CaseHistory
from arrears.api.deps import AUDITS_CASES, Records
from arrears.fields import OpaqueRef

router = APIRouter(prefix="/cases/{loan_id}", tags=["audit"])

# Not the gateway's: these reads need Temporal, not a worker, and change nothing (no 409).
ANSWERS = {
    404: {"description": "No case for this loan: `case_not_found`."},
    503: {
        "description": "Temporal did not answer in time (`unavailable`, `temporal_error`), "
        "or, for the audit, PostgreSQL (`audit_records_unavailable`); retry after "
        "`Retry-After` seconds."
    },
}


@router.get(
    "/history",
    dependencies=[AUDITS_CASES],
    response_class=StreamingResponse,
    responses={200: {"model": CaseHistory, "description": "Every run's history, decoded."}}
    | ANSWERS,
)
async def get_history(loan_id: OpaqueRef, records: Records) -> StreamingResponse:
    """Every run of the case's workflow history (each episode, each continuation), oldest
    first, as Temporal's proto3 JSON with every payload decrypted: personal data included,
    hence auditors and admins only. Streamed one run at a time; each run's `history` is
    what `arrears audit --history` replays."""
    pieces = await records.history(loan_id)
    return StreamingResponse(pieces, media_type="application/json")


@router.post("/audit", dependencies=[AUDITS_CASES], responses=ANSWERS)
async def audit_case(loan_id: OpaqueRef, records: Records) -> CaseAudit:
    """The three checks of `arrears audit`: the history replays against the code served,
    the audit chain holds, and the two agree. A history that does not replay is `ok: false`
    with the error in `replay.failures`."""
    return CaseAudit.of(await records.audit(loan_id))
