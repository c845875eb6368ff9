"""Does a reference look like personal data? Phone numbers, identity numbers, cards, e-mail.

Loan and customer references end up in workflow ids and search attributes, which are stored
unencrypted, so a bank that sends a customer's phone number as `customer_id` would publish
it. Pure: no I/O after import, no Temporal import. Phone numbers are judged by
libphonenumber's metadata (`phonenumbers`), loaded at import so a check never imports.

What is refused, in a run of digits (single `-`, `.`, `_` or `:` allowed between groups of
digits, as people write numbers), or any contiguous part of one:

- a phone number of a supported jurisdiction (CN, US, UK, the 27 EU member states) written
  with its country code (E.164 without the `+`, or after the `00` international prefix):
  `447911123456`, `12025550143`, `8613800138000`, `4915112345678`;
- one written nationally with its trunk prefix, where the country has one: `07911123456`
  (UK), `01012345678` (CN), `0612345678` (FR), `015112345678` (DE);
- a US or Canadian number grouped as people write it: `202-555-0143`, `202.555.0143`;
- a mainland-China mobile, with or without its country code: `13800138000`;
- a mainland-China resident identity number: 18 characters with a valid birth date and
  the GB 11643-1999 check character (`11010519491231002X`), or the old 15-digit form with
  a valid birth date and province;
- 13–19 digits passing the Luhn check (a payment card);
- anything with an `@` (an e-mail address), or starting `+` (a phone number).

Left alone, on purpose: bare national numbers without a trunk prefix. Ten digits are most
often a valid North American number (`2024000123` is one, and so is nearly every US loan
number of ten digits), and eight digits a Danish one (`20240001`): refusing them would
refuse ordinary references like `LN20240001`. Written with the country code, they are
refused.
"""

import re
from datetime import date

import phonenumbers
from phonenumbers import PhoneMetadata

EU_REGIONS = (
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"
).split()
PHONE_REGIONS = ("CN", "US", "GB", *EU_REGIONS)
"""The regions of the supported jurisdictions (`Jurisdiction`: CN, US, UK, EU)."""

_COUNTRY_CODES = frozenset(phonenumbers.country_code_for_region(r) for r in PHONE_REGIONS)
_TRUNK_PREFIXES = {
    region: prefix
    for region in PHONE_REGIONS
    if (prefix := PhoneMetadata.metadata_for_region(region).national_prefix) and prefix != "1"
}
"""National trunk prefixes ("0"; "06" in Hungary). North America's "1" is its country code
too, so its numbers are caught in international form."""

# Load every region of each supported country code now: the first parse of a number would
# otherwise import metadata modules, which a workflow sandbox must not do.
for _code in _COUNTRY_CODES:
    for _region in phonenumbers.region_codes_for_country_code(_code):
        PhoneMetadata.metadata_for_region(_region)

_SHORTEST_INTERNATIONAL = 10
"""Fewest digits of a number with its country code counted here: shorter runs are too
often ordinary sequence numbers (`3524567` is a valid Luxembourg number)."""

# 13–19 digits, plain or grouped by single separators ("4111-1111-1111-1111").
_CARD_LIKE = (
    re.compile(r"\d{13,19}"),
    re.compile(r"(?<!\d)\d(?:[-. _:]?\d){12,18}(?!\d)"),
)
_DIGIT_RUN = re.compile(r"\d+(?:[-._:]\d+)*")
_NANP_GROUPED = re.compile(r"(?<![\d])[2-9]\d{2}[-.][2-9]\d{2}[-.]\d{4}(?![\d])")
_CN_MOBILE = re.compile(r"(?<!\d)(?:86[-. ]?)?1[3-9]\d{9}(?!\d)")
_CN_IDENTITY = re.compile(r"(?<![0-9A-Za-z])(\d{17}[0-9Xx]|\d{15})(?![0-9A-Za-z])")
_CN_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82".split()
)
_GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_GB11643_CHECK = "10X98765432"


def personal_data_kind(value: str) -> str | None:
    """What personal data `value` looks like (`"an e-mail address"`, `"a phone number"`,
    `"a resident identity number"`, `"a payment card number"`), or None."""
    if "@" in value:
        return "an e-mail address"
    if value.startswith("+"):
        return "a phone number"
    if _CN_MOBILE.search(value) or _NANP_GROUPED.search(value):
        return "a phone number"
    if any(_is_cn_identity(match.group(1)) for match in _CN_IDENTITY.finditer(value)):
        return "a resident identity number"
    for run in _DIGIT_RUN.findall(value):
        groups = re.split(r"[-._:]", run)
        for start, end in _spans(len(groups)):
            digits = "".join(groups[start:end])
            if _is_phone_number(digits):
                return "a phone number"
    cards = [run for pattern in _CARD_LIKE for run in pattern.findall(value)]
    if any(_luhn_valid(re.sub(r"\D", "", run)) for run in cards):
        return "a payment card number"
    return None


def _spans(count: int) -> list[tuple[int, int]]:
    """Every contiguous range of `count` groups, as (start, end) slices."""
    return [(start, end) for start in range(count) for end in range(start + 1, count + 1)]


def _is_phone_number(digits: str) -> bool:
    if digits.startswith("00"):
        international = digits[2:]
    else:
        international = digits
        national = any(
            digits.startswith(prefix) and len(digits) >= 9 and _valid(digits, region)
            for region, prefix in _TRUNK_PREFIXES.items()
        )
        if national:
            return True
    return (
        _SHORTEST_INTERNATIONAL <= len(international) <= 15
        and _has_our_country_code(international)
        and _valid("+" + international, None)
    )


def _has_our_country_code(digits: str) -> bool:
    """Whether `digits` begin with a supported country code (codes are prefix-free).
    Checked before parsing, so that no other country's metadata is ever loaded."""
    return any(int(digits[:length]) in _COUNTRY_CODES for length in (1, 2, 3))


def _valid(number: str, region: str | None) -> bool:
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return False
    return parsed.country_code in _COUNTRY_CODES and phonenumbers.is_valid_number(parsed)


def _is_cn_identity(text: str) -> bool:
    """GB 11643-1999: province, birth date (YYYYMMDD; YYMMDD in the 15-digit form), then the
    ISO 7064 MOD 11-2 check character of the 18-character form."""
    if text[:2] not in _CN_PROVINCES:
        return False
    if len(text) == 15:
        return _is_date("19" + text[6:12])
    if not _is_date(text[6:14]):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(text, _GB11643_WEIGHTS, strict=False))
    return _GB11643_CHECK[total % 11] == text[17].upper()


def _is_date(text: str) -> bool:
    try:
        born = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return False
    return born.year >= 1900


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0
