"""Customers' contact facts: created once by their first case, changed only on purpose."""

import asyncpg

from arrears.contracts import Customer
from arrears.fields import RECORDED

_COLUMNS = "customer_id, name, phone, email, timezone, language, contact_persons"


async def create_customer_if_absent(conn: asyncpg.Connection, *, customer: Customer) -> bool:
    """Insert the customer unless a row exists; an existing row is never overwritten here
    (facts change through `update_customer` only). Returns whether a row was inserted."""
    status = await conn.execute(
        f"""
        INSERT INTO customers ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (customer_id) DO NOTHING
        """,
        *_values(customer),
    )
    return status.endswith(" 1")


async def get_customer_for_update(conn: asyncpg.Connection, *, customer_id: str) -> Customer | None:
    """The customer's row, locked until the caller's transaction ends; None if absent."""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM customers WHERE customer_id = $1 FOR UPDATE", customer_id
    )
    return stored(row) if row else None


async def get_customer_for_share(conn: asyncpg.Connection, *, customer_id: str) -> Customer | None:
    """The customer's row, share-locked until the caller's transaction ends (an update waits
    for it, and it for an update); None if absent."""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM customers WHERE customer_id = $1 FOR SHARE", customer_id
    )
    return stored(row) if row else None


async def update_customer(conn: asyncpg.Connection, *, customer: Customer) -> None:
    """Replace the stored contact facts of `customer.customer_id` (the row must exist)."""
    await conn.execute(
        """
        UPDATE customers SET name = $2, phone = $3, email = $4, timezone = $5, language = $6,
                             contact_persons = $7, updated_at = now()
        WHERE customer_id = $1
        """,
        *_values(customer),
    )


async def list_open_loans(conn: asyncpg.Connection, *, customer_id: str) -> list[str]:
    """The loan ids of the customer's cases the records hold as open, in loan order."""
    rows = await conn.fetch(
        "SELECT loan_id FROM cases WHERE customer_id = $1 AND status = 'open' ORDER BY loan_id",
        customer_id,
    )
    return [row["loan_id"] for row in rows]


async def claim_customer(conn: asyncpg.Connection, *, customer: Customer) -> tuple[bool, Customer]:
    """The customer's stored facts, storing `customer`'s first if no row exists. Returns
    (whether this inserted the row, the facts now stored).

    One statement, one round trip (it runs on every opening): an insert racing another for
    the same new customer waits for it, then inserts nothing and reads the facts the other
    stored, so exactly one of two openings with different facts finds its own. The row the
    other stored after this statement began is not in its snapshot; it is read by a second
    statement then. The row read is not validated again: one written under looser rules
    must still be readable (`stored`)."""
    row = await conn.fetchrow(
        _CLAIM,
        *_values(customer),
    )
    if row is None:  # inserted by another transaction since this statement's snapshot
        row = await conn.fetchrow(
            f"SELECT false AS inserted, {_COLUMNS} FROM customers WHERE customer_id = $1",
            customer.customer_id,
        )
    facts = dict(row)
    inserted = facts.pop("inserted")
    return inserted, stored(facts)


def _values(customer: Customer) -> tuple:
    """The customer's facts in `_COLUMNS` order."""
    return (
        customer.customer_id,
        customer.name,
        customer.phone,
        customer.email,
        customer.timezone,
        customer.language,
        [person.model_dump() for person in customer.contact_persons],
    )


def stored(row: asyncpg.Record | dict) -> Customer:
    """A stored row as a `Customer`, read as recorded: the shape is checked, the input
    policies (`fields.at_the_edge`) are not, so a row written under looser rules than
    today's still reads, and no activity that reads it fails for ever."""
    return Customer.model_validate(dict(row), context=RECORDED)


_CLAIM = f"""
    WITH inserted AS (
        INSERT INTO customers ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (customer_id) DO NOTHING
        RETURNING {_COLUMNS}
    )
    SELECT true AS inserted, {_COLUMNS} FROM inserted
    UNION ALL
    SELECT false AS inserted, {_COLUMNS} FROM customers WHERE customer_id = $1
"""
