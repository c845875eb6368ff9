"""Constrained values shared by every contract: money, currencies, opaque references.

Pure: no I/O, no Temporal import. `api/`, `activities/` and `workflows/` all import it.
"""

import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator, Field, StrictInt, ValidationInfo

from arrears.currencies import check_currency
from arrears.personal_data import personal_data_kind

T = TypeVar("T")

RECORDED = {"recorded": True}
"""The validation context of a payload read back from a case's history (`payloads`)."""


def at_the_edge(check: Callable[[T], T]) -> Callable[[T, ValidationInfo], T]:
    """`check` as a validator of input where it enters (API, simulator, command line), and
    not of a payload read back as recorded (`RECORDED`): a policy may tighten, and a value
    accepted under the old one must still read back, or its case could never replay."""

    def validate(value: T, info: ValidationInfo) -> T:
        if info.context is not None and info.context.get("recorded"):
            return value
        return check(value)

    validate.__name__ = check.__name__
    return validate


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

CurrencyCode = Annotated[
    str,
    Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. CNY.", examples=["CNY"]),
    AfterValidator(at_the_edge(check_currency)),
]
"""A currency a loan may be in (`currencies.LOAN_CURRENCIES`: CLDR's, less codes that are
no country's money such as XXX, XTS, XAU, XDR)."""


_LONGEST_REFERENCE = 64


def check_opaque_reference(value: str) -> str:
    """Reject references that look like personal data (`personal_data.personal_data_kind`:
    phone numbers of the supported jurisdictions, CN resident identity numbers, payment
    cards, e-mail addresses).

    Loan and customer references end up in workflow ids and search attributes, which are
    stored unencrypted.
    """
    if not isinstance(value, str) or len(value) > _LONGEST_REFERENCE:
        return value  # Not a reference at all: the type and length checks say so.
    kind = personal_data_kind(value)
    if kind is not None:
        raise ValueError(f"looks like {kind}; use an opaque reference")
    return value


OpaqueRef = Annotated[
    str,
    Field(
        min_length=1,
        max_length=_LONGEST_REFERENCE,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
        description="An opaque reference: letters, digits and . _ : - only, no personal data.",
    ),
    # Before the pattern, so that `+44…` or `a@b.c` is refused as what it is.
    BeforeValidator(at_the_edge(check_opaque_reference)),
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


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
"""Control characters, the bidirectional overrides that make text read otherwise, and lone
surrogates (`"\\ud800"` in JSON), which no database or message can encode."""
_INVISIBLE = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]")


def check_printable(value: str) -> str:
    """Text a person could have written: no control characters or direction overrides,
    and something visible."""
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    if not _INVISIBLE.sub("", value):
        raise ValueError("must not be blank")
    return value


PrintableText = Annotated[str, AfterValidator(at_the_edge(check_printable))]
"""Free text shown to people: printable, not blank."""


def check_name(value: str) -> str:
    """A person's name: printable (`check_printable`) and with at least one letter of some
    script (Unicode category L: `Ann`, `张三`, `Zoë`), so `...`, `123` or `--` is no name."""
    check_printable(value)
    if not any(unicodedata.category(char).startswith("L") for char in value):
        raise ValueError("must contain a letter")
    return value


PersonName = Annotated[str, AfterValidator(at_the_edge(check_name))]
"""A person's name as it is written to them: printable, with a letter."""


TimeZoneName = Annotated[
    str,
    Field(min_length=1, max_length=64, examples=["Asia/Shanghai"]),
    AfterValidator(check_timezone),
]


def check_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must carry a UTC offset")
    try:
        return value.astimezone(UTC)
    except OverflowError as error:  # 0001-01-01T00:00+05:00 is before year 1 in UTC
        raise ValueError("is out of range") from error


UtcDatetime = Annotated[datetime, AfterValidator(check_utc)]
"""An aware instant, normalised to UTC. Naive datetimes are rejected."""

EARLIEST_PAID_AT = datetime(1970, 1, 1, tzinfo=UTC)
"""No payment a case takes was made before the Unix epoch: every case's debt fell due
within the last twenty years (`calendar.OLDEST_DUE_YEARS`), and an earlier `paid_at` is a
default or a typo (`0001-01-01`). A fixed instant, not one counted back from today, so a
payment accepted once is read the same way on every replay of the case."""


def check_paid_at(value: datetime) -> datetime:
    if value < EARLIEST_PAID_AT:
        raise ValueError(f"must not be before {EARLIEST_PAID_AT:%Y-%m-%d}")
    return value


PaidAt = Annotated[UtcDatetime, AfterValidator(at_the_edge(check_paid_at))]
"""When a payment was made: an aware instant in UTC, not before `EARLIEST_PAID_AT` (how
far ahead of the case's clock it may lie is the case's check, `PAID_AT_SKEW`)."""


EmailAddress = Annotated[
    str,
    Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    AfterValidator(at_the_edge(check_printable)),
]
"""An e-mail address: one `@`, a dot in the domain, no spaces or control characters."""
