"""Scoring against a real PostgreSQL: the customer's other cases change the score."""

from datetime import UTC, datetime

import asyncpg
from temporalio.testing import ActivityEnvironment

from arrears.activities.scoring import Scoring
from arrears.activities.store import CaseStore
from arrears.contracts import CaseSync, ScoreRequest
from arrears.workflows.case_state import CaseState
from tests.factories import new_loan_id, opening

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


async def store_case(pool: asyncpg.Pool, customer_id: str, *, closed_reason: str | None = None):
    state = CaseState.open(opening(customer_id=customer_id), NOW)
    if closed_reason:
        state.close(NOW, closed_reason)
    sync = CaseSync(
        view=state.view(),
        customer_id=customer_id,
        jurisdiction="CN",
        customer=state.opening.customer,
    )
    await ActivityEnvironment().run(CaseStore(pool).sync_case, sync)
    return state


def request_for(state: CaseState) -> ScoreRequest:
    return ScoreRequest(
        loan_id=state.loan_id,
        customer_id=state.opening.customer.customer_id,
        currency="CNY",
        due=state.opening.due,
        dpd=2,
    )


async def test_other_cases_of_the_customer_count_against_them(pool: asyncpg.Pool):
    customer_id = new_loan_id("C")
    scoring = Scoring(pool)
    env = ActivityEnvironment()
    first = await store_case(pool, customer_id)
    alone = await env.run(scoring.score_risk, request_for(first))
    assert any(r.startswith("R23") for r in alone.reasons)

    await store_case(pool, customer_id)
    await store_case(pool, customer_id, closed_reason="written_off")
    crowded = await env.run(scoring.score_risk, request_for(first))
    codes = {r.split()[0] for r in crowded.reasons}
    assert {"R20", "R21"} <= codes
    assert crowded.score < alone.score
    assert crowded.tier == "high"
