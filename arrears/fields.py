"""Constrained values shared by every contract: money, currencies, opaque references.

Pure: no I/O, no Temporal import. `api/`, `activities/` and `workflows/` all import it.
"""

import re
from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, StrictInt

MAX_MINOR_UNITS = 10**15
"""The largest amount any one field may carry: 10 trillion in a two-decimal currency, far
beyond any consumer loan, and small enough that every sum the case keeps fits PostgreSQL's
bigint (about 9.2 × 10^18) with room to spare."""

MinorUnits = Annotated[
    StrictInt,
    Field(gt=0, le=MAX_MINOR_UNITS, description="A positive amount in minor units."),
]
"""A positive amount of money in minor units (fen, cents), at most `MAX_MINOR_UNITS`."""

NonNegativeMinorUnits = Annotated[StrictInt, Field(ge=0, le=MAX_MINOR_UNITS)]

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


_NOT_A_PLACE = {"Factory", "localtime", "posixrules", "posix", "right"}
"""Names in the tz database that are no place's time: a customer's zone is never one."""


def check_timezone(value: str) -> str:
    """An IANA zone of a place (`Asia/Shanghai`) or `UTC`; `Factory`, `localtime` and the
    database's own aliases are refused."""
    if value.split("/")[0] in _NOT_A_PLACE:
        raise ValueError(f"{value!r} is not the time zone of a place")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown IANA time zone {value!r}") from error
    return value


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Control characters, and the bidirectional overrides that make text read otherwise."""
_INVISIBLE = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]")


def check_printable(value: str) -> str:
    """Text a person could have written: no control characters or direction overrides,
    and something visible."""
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    if not _INVISIBLE.sub("", value):
        raise ValueError("must not be blank")
    return value


PrintableText = Annotated[str, AfterValidator(check_printable)]
"""Free text shown to people (a name): printable, not blank."""


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
