"""Risk scoring of a case from the loan and the customer's history."""

import asyncpg
from temporalio import activity

from arrears import scorecard
from arrears.contracts import RiskScore, ScoreRequest
from arrears.records import cases


class Scoring:
    """Scores a case with the points scorecard; reads the customer's history from Postgres."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name="score_risk")
    async def score_risk(self, request: ScoreRequest) -> RiskScore:
        async with self._pool.acquire() as conn:
            history = await cases.get_customer_history(
                conn, customer_id=request.customer_id, excluding_loan_id=request.loan_id
            )
            customer = await cases.get_customer(conn, customer_id=request.customer_id)
        facts = scorecard.ScoreFacts(
            total_due=request.due.total,
            dpd=request.dpd,
            other_open_cases=history.other_open_cases,
            past_cases=history.past_cases,
            past_written_off=history.past_written_off,
            has_phone=bool(customer and customer.phone),
            has_email=bool(customer and customer.email),
        )
        return scorecard.score(facts)
