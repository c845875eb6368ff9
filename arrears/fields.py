"""Constrained values shared by every contract: money, currencies, opaque references.

Pure: no I/O, no Temporal import. `api/`, `activities/` and `workflows/` all import it.
"""

import re
from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, StrictInt

MinorUnits = Annotated[StrictInt, Field(gt=0, description="A positive amount in minor units.")]
"""A positive amount of money in minor units (fen, cents). Never a float."""

NonNegativeMinorUnits = Annotated[StrictInt, Field(ge=0)]

CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. CNY.")]

# 13–19 digits, plain or grouped by single separators ("4111-1111-1111-1111").
_CARD_LIKE = (
    re.compile(r"\d{13,19}"),
    re.compile(r"(?<!\d)\d(?:[-. _:]?\d){12,18}(?!\d)"),
)
# A mainland-China mobile, with or without the 86 country code.
_CN_MOBILE_LIKE = re.compile(r"(?<!\d)(?:86[-. ]?)?1[3-9]\d{9}(?!\d)")


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def check_opaque_reference(value: str) -> str:
    """Reject references that look like personal data.

    Loan and customer references end up in workflow ids and search attributes, which are
    stored unencrypted. A run of 13–19 digits (single separators allowed between them)
    that passes the Luhn check, or a mainland-China mobile number with or without its
    country code, is refused.
    """
    runs = [run for pattern in _CARD_LIKE for run in pattern.findall(value)]
    for run in runs:
        if _luhn_valid(re.sub(r"\D", "", run)):
            raise ValueError("looks like a payment card number; use an opaque reference")
    if _CN_MOBILE_LIKE.search(value):
        raise ValueError("looks like a phone number; use an opaque reference")
    return value


OpaqueRef = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
        description="An opaque reference: letters, digits and . _ : - only, no personal data.",
    ),
    AfterValidator(check_opaque_reference),
]


def check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown IANA time zone {value!r}") from error
    return value


TimeZoneName = Annotated[
    str,
    Field(min_length=1, max_length=64, examples=["Asia/Shanghai"]),
    AfterValidator(check_timezone),
]


def check_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must carry a UTC offset")
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(check_utc)]
"""An aware instant, normalised to UTC. Naive datetimes are rejected."""
