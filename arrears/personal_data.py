"""Does a reference look like personal data? Phone numbers, identity numbers, cards, e-mail.

Loan and customer references end up in workflow ids and search attributes, which are stored
unencrypted, so a bank that sends a customer's phone number as `customer_id` would publish
it. Pure: no I/O after import, no Temporal import. Phone numbers are judged by
libphonenumber's metadata (`phonenumbers`), loaded at import so a check never imports.

What is refused:

- a phone number of a supported jurisdiction (CN, US, UK, the 27 EU member states) written
  with its country code, wherever it stands as a run of digits (single `-`, `.`, `_` or `:`
  allowed between groups of digits, as people write numbers), or any contiguous part of one
  that is not glued to letters (the `0-8870-4507` in `16eaaaf0-8870-4507-…` is part of a
  longer token): E.164 without the `+` in 11 digits or more (`447911123456`,
  `L-447911123456`, `12025550143`, `4915112345678`), or after the `00` international prefix
  in 10 or more (`004520240001`);
- a phone number written nationally, when it is the whole reference (digits, with `-`, `.`,
  `_`, `:` or spaces between groups, and nothing else): 10 digits or more with its trunk
  prefix, where the country has one (`07911123456`, `07911 123456`, `0123456789` (UK),
  `01012345678` (CN), `0612345678` (FR), `015112345678` (DE)), or a US or Canadian number
  grouped as people write it (`202-555-0143`, `202.555.0143`);
- a mainland-China mobile, with or without its country code, even glued to letters:
  `13800138000`, `C13800138000`;
- a mainland-China resident identity number: 18 characters with a valid birth date and
  the GB 11643-1999 check character (`11010519491231002X`), or the old 15-digit form with
  a valid birth date and province;
- 13–19 digits passing the Luhn check and starting 1–9 (a payment card: ISO/IEC 7812's
  major industry identifier 0 is no card issuer's);
- anything with an `@` (an e-mail address), or starting `+` (a phone number).

Left alone, on purpose: a national number inside a reference with letters (`LN-01234567890`,
`CASE-0800123456`, `ACC-0206-555-0100`): written with its trunk prefix and no country code,
a run of digits is more often a zero-padded sequence number than a phone number, and a
reference that spells out a customer's number nationally is rare next to the references it
would refuse. Bare national numbers without a trunk prefix, and ten digits without `00`,
are left alone too. Ten digits are most often a valid North American number (`2024000123`
is one, and so is nearly every US loan number of ten digits), a German or Hungarian one
with its country code (`4912345678`), and eight digits a Danish one (`20240001`): refusing
them would refuse ordinary references like `LN20240001`. A random reference can still be
personal data by chance: none of 10,000 references of `L-` and ten random hexadecimal
characters, but 14 to 30 of 10,000 UUIDs (0.1–0.3%), whose groups of digits may join into
a Luhn-valid run (most of them) or a number with its country code
(`tests/rules/test_personal_data.py` measures it); such a reference is refused and another
must be used.
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
"""Fewest digits of a number with its country code counted here, after `00`; without it,
one more. Shorter runs are too often ordinary sequence numbers: `3524567` is a valid
Luxembourg number, `4912345678` a German one, `4520240001` a Danish one."""
_SHORTEST_NATIONAL = 10
"""Fewest digits of a national number with its trunk prefix counted here (`0612345678`)."""

# 13–19 digits, plain or grouped by single separators ("4111-1111-1111-1111"), the first
# 1–9: ISO/IEC 7812's major industry identifier 0 is no payment card's.
_CARD_LIKE = (
    re.compile(r"(?<!\d)[1-9]\d{12,18}"),
    re.compile(r"(?<!\d)[1-9](?:[-. _:]?\d){12,18}(?!\d)"),
)
_DIGIT_RUN = re.compile(r"\d+(?:[-._:]\d+)*")
_WHOLE_NUMBER = re.compile(r"\d+(?:[-._: ]\d+)*")
"""A reference that is nothing but a number: digits, single separators between groups."""
_NANP_GROUPED = re.compile(r"[2-9]\d{2}[-. ][2-9]\d{2}[-. ]\d{4}")
_UUID = re.compile(
    r"(?<![0-9A-Za-z])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"(?![0-9A-Za-z])"
)
"""A UUID in its canonical form: generated, not written; what digits it holds by chance are
no card or phone number (about 1 in 400 would pass for one otherwise)."""
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
    value = _UUID.sub("~", value)
    if value.startswith("+"):
        return "a phone number"
    if _CN_MOBILE.search(value):
        return "a phone number"
    if _WHOLE_NUMBER.fullmatch(value) and (
        _NANP_GROUPED.fullmatch(value) or _is_national_number(re.sub(r"\D", "", value))
    ):
        return "a phone number"
    if any(_is_cn_identity(match.group(1)) for match in _CN_IDENTITY.finditer(value)):
        return "a resident identity number"
    for match in _DIGIT_RUN.finditer(value):
        groups = re.split(r"[-._:]", match.group())
        glued_before = match.start() > 0 and value[match.start() - 1].isalpha()
        glued_after = match.end() < len(value) and value[match.end()].isalpha()
        for start, end in _spans(len(groups)):
            if (start == 0 and glued_before) or (end == len(groups) and glued_after):
                continue  # part of a longer token (`16eaaaf0-8870`): not written as a number
            if _is_international_number("".join(groups[start:end])):
                return "a phone number"
    cards = [run for pattern in _CARD_LIKE for run in pattern.findall(value)]
    if any(_luhn_valid(re.sub(r"\D", "", run)) for run in cards):
        return "a payment card number"
    return None


def _spans(count: int) -> list[tuple[int, int]]:
    """Every contiguous range of `count` groups, as (start, end) slices."""
    return [(start, end) for start in range(count) for end in range(start + 1, count + 1)]


def _is_national_number(digits: str) -> bool:
    """A valid number of a supported region with its trunk prefix, in 10 digits or more.
    `00` is the international prefix (`_is_international_number`): parsed nationally, it
    would load another country's metadata."""
    if digits.startswith("00"):
        return False
    return len(digits) >= _SHORTEST_NATIONAL and any(
        digits.startswith(prefix) and _valid(digits, region)
        for region, prefix in _TRUNK_PREFIXES.items()
    )


def _is_international_number(digits: str) -> bool:
    """A valid number with a supported country code: after `00` in 10 digits or more, else
    in 11 or more (ten digits are too often a plain number: `4912345678`)."""
    if digits.startswith("00"):
        international = digits[2:]
    else:
        international = digits if len(digits) > _SHORTEST_INTERNATIONAL else ""
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
