"""Shared builders for the tests."""

import uuid
from datetime import date
from typing import Any

from temporalio.converter import DataConverter

from arrears.codec import KeyRing
from arrears.contracts import CaseOpening
from arrears.temporal import data_converter

# A fixed key for tests only, so stored histories stay readable by the replay test.
TEST_ENCRYPTION_KEYS = "test1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
TEST_KEY_RING = KeyRing.parse(TEST_ENCRYPTION_KEYS)
TEST_API_KEYS = {"bank": "k-bank", "agent": "k-agent", "auditor": "k-auditor", "admin": "k-admin"}


def make_converter() -> DataConverter:
    return data_converter(TEST_KEY_RING)


def new_loan_id(prefix: str = "L") -> str:
    # A letter first: ten random hex digits are, now and then, a phone number written
    # nationally (`0175641460`), which a reference may not be.
    return f"{prefix}-x{uuid.uuid4().hex[:9]}"


def case_body(
    *,
    loan_id: str | None = None,
    customer_id: str = "C-77",
    due_date: date | str = "2026-11-20",
    principal: int = 500_000,
    interest: int = 12_000,
    fees: int = 0,
    phone: str | None = "+8613800138000",
    email: str | None = "zhang.san@example.cn",
    timezone: str = "Asia/Shanghai",
    jurisdiction: str = "CN",
    currency: str = "CNY",
    contact_persons: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A `POST /v1/cases` body; also the workflow's input once validated."""
    return {
        "loan_id": loan_id or new_loan_id(),
        "customer": {
            "customer_id": customer_id,
            "name": "张三",
            "phone": phone,
            "email": email,
            "timezone": timezone,
            "language": "zh-CN",
            **({"contact_persons": contact_persons} if contact_persons is not None else {}),
        },
        "jurisdiction": jurisdiction,
        "currency": currency,
        "due": {"principal": principal, "interest": interest, "fees": fees},
        "due_date": str(due_date),
    }


def opening(**overrides: Any) -> CaseOpening:
    return CaseOpening.model_validate(case_body(**overrides))
