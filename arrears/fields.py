"""Constrained values shared by every contract: money, currencies, opaque references.

Pure: no I/O, no Temporal import. `api/`, `activities/` and `workflows/` all import it.
"""

import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator, Field, StrictInt, ValidationInfo

from arrears.currencies import check_currency
from arrears.languages import check_language
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
"""Names in the tz database that are no place's time, nor a zone of their own: a customer's
zone is never one."""


def check_timezone(value: str) -> str:
    """A zone of the IANA database that this machine can load, not `Factory`, `localtime`
    or the database's copies (`posix/…`, `right/…`); else ValueError. Applied on every read,
    as it always was: a zone a case was opened with must still load."""
    if value.split("/")[0] in _NOT_A_PLACE:
        raise ValueError(f"{value!r} is not the time zone of a place")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown IANA time zone {value!r}") from error
    return value


_NO_PLACE_ZONES = {
    "CET": "Europe/Paris",
    "EET": "Europe/Athens",
    "MET": "Europe/Paris",
    "WET": "Europe/Lisbon",
    "EST": "America/New_York",
    "MST": "America/Phoenix",
    "HST": "Pacific/Honolulu",
    "EST5EDT": "America/New_York",
    "CST6CDT": "America/Chicago",
    "MST7MDT": "America/Denver",
    "PST8PDT": "America/Los_Angeles",
}
"""The database's POSIX-style zones, an offset and perhaps a US or European rule of summer
time but no place's history, with the zone of a place that keeps their time today."""
_UTC_ALIASES = {"GMT", "GMT+0", "GMT-0", "GMT0", "Greenwich", "UCT", "Universal", "Zulu"}
"""Other names of UTC: a customer's zone is a place's, or `UTC` itself."""
_UTC = {"UTC", "Etc/UTC"}


def check_place_timezone(value: str) -> str:
    """A zone of a place (`Asia/Shanghai`, `America/New_York`, `Europe/London`), or `UTC`
    (`Etc/UTC`) for a customer whose place is unknown; else ValueError suggesting one.

    Refused, besides what `check_timezone` refuses: the POSIX-style zones (`EST5EDT`,
    `PST8PDT`, `EST`, `CET`, …), which follow no place's history; the fixed offsets of
    `Etc/` (`Etc/GMT-14`: POSIX signs, the opposite of ISO 8601's); and UTC's other names
    (`GMT`, `Zulu`, `UCT`, `Universal`, …). A customer's contact window is their local
    hours, so their zone must be a place's."""
    if value in _UTC:
        return value
    if value in _NO_PLACE_ZONES:
        raise ValueError(
            f"{value!r} is not the time zone of a place; use the customer's place's, "
            f"e.g. {_NO_PLACE_ZONES[value]!r}"
        )
    if value in _UTC_ALIASES or value.startswith("Etc/"):
        raise ValueError(
            f"{value!r} is not the time zone of a place; use the customer's place's "
            "(e.g. 'America/New_York'), or 'UTC'"
        )
    return value


_CONTROL = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufdd0-\ufdef]"
)
"""Control characters and line or paragraph separators, the bidirectional overrides that make
text read otherwise, lone surrogates (`"\\ud800"` in JSON), which no database or message can
encode, and the noncharacters of the Arabic block (the others: `_is_noncharacter`)."""
_FILLERS = "\u115f\u1160\u3164\uffa0"
"""Hangul fillers: letters to Unicode (category Lo) that show nothing."""
_INVISIBLE = re.compile(rf"[\s\u200b-\u200d\u2060\ufeff{_FILLERS}]")
_NAME_FORMAT_CHARACTERS = frozenset("\u200c\u200d\u200e\u200f\u061c")
"""The only invisible format characters (Unicode category Cf) a name may hold: the
zero-width non-joiner and joiner that Persian and Indic scripts spell with, and the
direction marks of names written right to left."""


def _is_noncharacter(char: str) -> bool:
    """U+FFFE and U+FFFF of every plane: never text, whatever a database stores."""
    return ord(char) & 0xFFFE == 0xFFFE


def check_printable(value: str) -> str:
    """Text a person could have written: no control characters, line separators, direction
    overrides or noncharacters, and something visible."""
    if _CONTROL.search(value) or any(_is_noncharacter(char) for char in value):
        raise ValueError("must not contain control characters")
    if not _INVISIBLE.sub("", value):
        raise ValueError("must not be blank")
    return value


PrintableText = Annotated[str, AfterValidator(at_the_edge(check_printable))]
"""Free text shown to people: printable, not blank."""


def check_name(value: str) -> str:
    """A person's name: printable (`check_printable`), with no invisible format character
    but the joiners and direction marks scripts spell names with (`_NAME_FORMAT_CHARACTERS`:
    `Jo\\u200bhn` would read as `John` and differ from it), and with at least one letter of
    some script that shows (Unicode category L but the Hangul fillers: `Ann`, `张三`,
    `Zoë`), so `...`, `123`, `--` or `\\u3164` is no name."""
    check_printable(value)
    if any(
        unicodedata.category(char) == "Cf" and char not in _NAME_FORMAT_CHARACTERS for char in value
    ):
        raise ValueError("must not contain invisible characters (zero-width spaces and the like)")
    if not any(
        unicodedata.category(char).startswith("L") and char not in _FILLERS for char in value
    ):
        raise ValueError("must contain a letter")
    return value


PersonName = Annotated[str, AfterValidator(at_the_edge(check_name))]
"""A person's name as it is written to them: printable, with a letter."""


TimeZoneName = Annotated[
    str,
    Field(min_length=1, max_length=64, examples=["Asia/Shanghai"]),
    AfterValidator(check_timezone),
    AfterValidator(at_the_edge(check_place_timezone)),
]
"""An IANA time zone that loads (always) and, where input enters, is a place's or `UTC`."""

LanguageTag = Annotated[
    str,
    Field(pattern=r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$", examples=["zh-CN"]),
    AfterValidator(at_the_edge(check_language)),
]
"""A BCP 47 language, perhaps a script, perhaps a region of two letters or three digits
(`zh-CN`, `en`, `es-419`, `zh-Hans`, `zh-Hant-TW`, `sr-Latn`), and, where input enters, one
CLDR knows (`languages.KNOWN_LANGUAGES`). A wider pattern than before: every tag accepted
once still matches."""


_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
"""The start of an ISO 8601 (RFC 3339) date-time: a date, then a time of day."""


def check_iso_datetime(value: object) -> object:
    """A `datetime`, or text that is an ISO 8601 date-time (`2026-11-20T09:30:00Z`); else
    ValueError. Before pydantic's own parsing, which would read `0`, `1.5`, `"100"` as
    seconds since the epoch, and `"2026-11-20"` as a midnight."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        return value
    raise ValueError("must be an ISO 8601 date-time with a UTC offset, e.g. 2026-11-20T09:30:00Z")


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
"""A calendar date as ISO 8601 writes it, and nothing else: `2026-11-20`."""


def check_iso_date(value: object) -> object:
    """A `date` (not a `datetime`), or text that is exactly an ISO 8601 calendar date
    (`2026-11-20`); else ValueError. Before pydantic's own parsing, which would read
    `1763596800` as seconds since the epoch and `2026-11-20T00:00:00Z` as its day."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise ValueError("must be an ISO 8601 calendar date, e.g. 2026-11-20")


IsoDate = Annotated[date, BeforeValidator(at_the_edge(check_iso_date))]
"""A calendar date: where input enters, written `YYYY-MM-DD` (a number or a date-time is no
date)."""


def check_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must carry a UTC offset")
    try:
        return value.astimezone(UTC)
    except OverflowError as error:  # 0001-01-01T00:00+05:00 is before year 1 in UTC
        raise ValueError("is out of range") from error


UtcDatetime = Annotated[
    datetime, BeforeValidator(at_the_edge(check_iso_datetime)), AfterValidator(check_utc)
]
"""An aware instant, normalised to UTC: where input enters, an ISO 8601 date-time with an
offset (`check_iso_datetime`; a number is no time). Naive datetimes are rejected."""

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
