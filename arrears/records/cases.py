"""Customers and cases."""

from dataclasses import dataclass

import asyncpg

from arrears.contracts import CaseView, Customer
from arrears.records.customers import stored


async def get_customer(conn: asyncpg.Connection, *, customer_id: str) -> Customer | None:
    """The customer's stored facts, read as recorded (`customers.stored`): a row written
    under looser rules (a name without a letter) still reads, or every message to its
    customer would fail for ever. None if absent."""
    row = await conn.fetchrow(
        "SELECT customer_id, name, phone, email, timezone, language, contact_persons"
        " FROM customers WHERE customer_id = $1",
        customer_id,
    )
    return stored(row) if row else None


async def upsert_case(
    conn: asyncpg.Connection, *, view: CaseView, customer_id: str, jurisdiction: str
) -> None:
    """Write the case row from the workflow's view of it (the workflow is the truth). The
    row is the loan's latest episode: an earlier episode's late sync leaves it alone."""
    risk = view.risk
    await conn.execute(
        """
        INSERT INTO cases (loan_id, customer_id, jurisdiction, currency, due_date, status, stage,
                           dpd, principal_due, interest_due, fees_due, paid, excess, risk_score,
                           risk_tier, closed_reason, opened_at, recovered, episode, vulnerable,
                           invalid_points, opted_out)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                $18, $19, $20, $21, $22)
        ON CONFLICT (loan_id) DO UPDATE SET
            status = EXCLUDED.status, stage = EXCLUDED.stage, dpd = EXCLUDED.dpd,
            principal_due = EXCLUDED.principal_due, interest_due = EXCLUDED.interest_due,
            fees_due = EXCLUDED.fees_due, paid = EXCLUDED.paid, excess = EXCLUDED.excess,
            risk_score = EXCLUDED.risk_score, risk_tier = EXCLUDED.risk_tier,
            closed_reason = EXCLUDED.closed_reason, recovered = EXCLUDED.recovered,
            due_date = EXCLUDED.due_date, opened_at = EXCLUDED.opened_at,
            episode = EXCLUDED.episode, vulnerable = EXCLUDED.vulnerable,
            invalid_points = EXCLUDED.invalid_points, opted_out = EXCLUDED.opted_out,
            updated_at = now()
        WHERE cases.episode <= EXCLUDED.episode
        """,
        view.loan_id,
        customer_id,
        jurisdiction,
        view.currency,
        view.due_date,
        view.status,
        view.stage,
        view.dpd,
        view.balance.principal,
        view.balance.interest,
        view.balance.fees,
        view.paid,
        view.excess,
        risk.score if risk else None,
        risk.tier if risk else None,
        view.closed_reason,
        view.opened_at,
        view.recovered,
        view.episode,
        view.vulnerability is not None,
        sorted(view.invalid_contact_points),
        sorted(view.ceased_channels),
    )


@dataclass(frozen=True)
class Protections:
    """What protects the customer on their other open cases, as those last synced."""

    vulnerable: bool
    invalid_points: frozenset[str]
    opted_out: frozenset[str]


async def protections_elsewhere(
    conn: asyncpg.Connection, *, customer_id: str, loan_id: str
) -> Protections:
    """Vulnerability, invalid contact points and stopped channels recorded on the customer's
    other open cases: they are the person's, not the loan's."""
    row = await conn.fetchrow(
        """
        SELECT coalesce(bool_or(vulnerable), false) AS vulnerable,
               coalesce(array_agg(DISTINCT point) FILTER (WHERE point IS NOT NULL), '{}')
                   AS invalid_points,
               coalesce(array_agg(DISTINCT channel) FILTER (WHERE channel IS NOT NULL), '{}')
                   AS opted_out
        FROM cases
        LEFT JOIN LATERAL unnest(invalid_points) AS point ON true
        LEFT JOIN LATERAL unnest(opted_out) AS channel ON true
        WHERE customer_id = $1 AND loan_id <> $2 AND status = 'open'
        """,
        customer_id,
        loan_id,
    )
    return Protections(
        vulnerable=row["vulnerable"],
        invalid_points=frozenset(row["invalid_points"]),
        opted_out=frozenset(row["opted_out"]),
    )


@dataclass(frozen=True)
class CustomerHistory:
    other_open_cases: int
    past_cases: int
    past_written_off: int


async def get_customer_history(
    conn: asyncpg.Connection, *, customer_id: str, excluding_loan_id: str
) -> CustomerHistory:
    row = await conn.fetchrow(
        """
        SELECT count(*) FILTER (WHERE status = 'open') AS other_open_cases,
               count(*) FILTER (WHERE status = 'closed') AS past_cases,
               count(*) FILTER (WHERE closed_reason = 'written_off') AS past_written_off
        FROM cases WHERE customer_id = $1 AND loan_id <> $2
        """,
        customer_id,
        excluding_loan_id,
    )
    return CustomerHistory(**dict(row))
