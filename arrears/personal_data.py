"""Does a reference look like personal data? Phone numbers, identity numbers, cards, e-mail.

Loan and customer references end up in workflow ids and search attributes, which are stored
unencrypted, so a bank that sends a customer's phone number as `customer_id` would publish
it. Pure: no I/O after import, no Temporal import. Phone numbers are judged by
libphonenumber's metadata (`phonenumbers`), loaded at import so a check never imports.

What is refused:

- a reference that is, as a whole, a phone number of a supported jurisdiction (CN, US, UK,
  the 27 EU member states): digits, with single `-`, `.`, `_`, `:` or spaces between groups
  and nothing else, that are a valid number with its country code in 11 digits or more
  (`447911123456`, `8613800138000`, `12345678901`, `1-202-555-0143`), or after the `00`
  international prefix in 10 or more (`00447911123456`, `004520240001`); or written
  nationally with its trunk prefix, where the country has one, in 10 digits or more
  (`07911123456`, `07911 123456`, `0123456789` (UK), `01012345678` (CN), `0612345678`
  (FR)), up to 13 digits; or a US or Canadian number grouped 3-3-4 (`202-555-0143`, `202.555.0143`,
  `202_555_0143`, `202:555:0143`);
- anything starting `+` (a phone number);
- a mainland-China mobile (valid by libphonenumber), wherever it stands, even glued to
  letters, plain or grouped 3-4-4, with or without 86 or 0086 before it: `13800138000`,
  `L-13800138000`, `C13800138000`, `138-0013-8000`, `L-138-0013-8000`, `C-138 0013 8000`,
  `86-138-0013-8000`;
- a mainland-China resident identity number: 18 characters with a valid birth date and
  the GB 11643-1999 check character, wherever it stands (`11010519491231002X`,
  `ID-11010519491231002X`). The first-generation 15-digit form, withdrawn by 2013, has no
  check digit: 15 digits are far more often a bank's own number (a US ACH trace number)
  and are left alone;
- a payment card number: a Luhn-valid run in a range card schemes issue from (`_is_card`:
  Visa, Mastercard, Maestro, UnionPay, American Express, Diners Club, JCB, Discover) that
  is either 13–19 digits with no digit either side
  (`4111111111111111`, `L-4111111111111111-01`), or grouped as cards are printed: 4-4-4-4
  (`4111-1111-1111-1111`, `4111 1111 1111 1111`, also before a suffix:
  `4111-1111-1111-1111-01`), 4-4-4-4-3 (19 digits), 4-6-5 (`3782-822463-10005`, American
  Express) or 4-6-4 (Diners Club);
- anything with an `@` (an e-mail address).

Left alone, on purpose: digits inside a reference with letters are not read as a phone
number, other than a mainland-China mobile (`L-447911123456`, `ACC-864290671701`,
`LN-43178124-8433`, `LN-01234567890`, `CASE-0800123456`, `L-202-555-0143`): with a
country code or without, an account or loan number is a valid phone number somewhere
often enough (3% of `ACC-` and 12 random digits; 7% of `LN-` and 11, besides the
mainland-China mobiles among them) that refusing them refused ordinary references, and a
bank that spells out a customer's number inside a reference is rare next to them. Ten
digits without `00` are left alone even as the whole reference (`2024000123` is a valid
North American number, and so is nearly every US loan number of ten digits; `4912345678`
a German one with its country code), and so are eight (`20240001`, a Danish number).
Digits grouped otherwise than cards are (`LN-20261129-00009`, a date stamp and a sequence
number: 10% of such references are Luhn-valid), a run of 20 digits or more (an IBAN's,
`DE80890815072715194732`: 9% of German IBANs hold a Luhn-valid run of 19), and a UUID in
its canonical form, whatever digits it holds, are no card.

A random reference can still be refused by chance; `tests/rules/test_personal_data.py`
measures it on 10,000 of each shape: none of `LN-` with a date and a five-digit sequence
number (`LN-20261129-00009`), German IBANs, `ACC-` and 12 random digits, `L-` and ten
hexadecimal characters, or UUIDs; but about 5% of `LN-` and 11 random digits, which are a
valid mainland-China mobile that often (eleven digits from 13–19). Such a reference is
refused and another must be used.
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
_LONGEST_NATIONAL = 13
"""Most digits of a national number with its trunk prefix counted here (German numbers
run to 13); a longer run is some other number (a 15-digit ACH trace number, `0210000212
34567`, reads as a German number otherwise)."""

_SEPARATOR = r"[-. _:]"
_WHOLE_NUMBER = re.compile(r"\d+(?:[-._: ]\d+)*")
"""A reference that is nothing but a number: digits, single separators between groups."""
_NANP_GROUPED = re.compile(rf"[2-9]\d{{2}}{_SEPARATOR}[2-9]\d{{2}}{_SEPARATOR}\d{{4}}")
_CN_MOBILE = re.compile(
    rf"(?<!\d)(?:(?:00)?86{_SEPARATOR}?)?"
    rf"(1[3-9]\d){_SEPARATOR}?(\d{{4}}){_SEPARATOR}?(\d{{4}})(?!\d)"
)
"""A mainland-China mobile's shape: 11 digits from 13–19, plain or grouped 3-4-4, perhaps
after 86 or 0086; whether it is one is libphonenumber's call (`_is_cn_mobile`)."""

_CARD_RUN = re.compile(r"(?<!\d)[1-9]\d{12,18}(?!\d)")
"""13–19 digits, no more, the first 1–9: ISO/IEC 7812's major industry identifier 0 is no
payment card's, and 13–19 digits inside a longer run (an IBAN's 20) are no card."""
_CARD_GROUPINGS = tuple(
    re.compile(rf"(?<!\d)(?=([1-9]\d{{3}}{grouping})(?!\d))")
    for grouping in (
        rf"(?:{_SEPARATOR}\d{{4}}){{3}}",  # 4-4-4-4
        rf"(?:{_SEPARATOR}\d{{4}}){{3}}{_SEPARATOR}\d{{3}}",  # 4-4-4-4-3, 19 digits
        rf"{_SEPARATOR}\d{{6}}{_SEPARATOR}\d{{5}}",  # 4-6-5, American Express
        rf"{_SEPARATOR}\d{{6}}{_SEPARATOR}\d{{4}}",  # 4-6-4, Diners Club
    )
)
"""A card number grouped as cards print it, each grouping found wherever it starts (so the
4-4-4-4 of `4111-1111-1111-1111-01` is found). Other groupings are no card's: a date stamp
and a sequence number (`20261129-00009`) are no card, whatever Luhn says of them."""

_UUID = re.compile(
    r"(?<![0-9A-Za-z])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"(?![0-9A-Za-z])"
)
"""A UUID in its canonical form: generated, not written; what digits it holds by chance are
no card or phone number (about 1 in 400 would pass for one otherwise)."""
_CN_IDENTITY = re.compile(r"(?<![0-9A-Za-z])(\d{17}[0-9Xx])(?![0-9A-Za-z])")
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
    if any(_is_cn_mobile("".join(match.groups())) for match in _CN_MOBILE.finditer(value)):
        return "a phone number"
    if _WHOLE_NUMBER.fullmatch(value) and _is_phone_number(value):
        return "a phone number"
    if any(_is_cn_identity(match.group(1)) for match in _CN_IDENTITY.finditer(value)):
        return "a resident identity number"
    cards = _CARD_RUN.findall(value) + [
        match.group(1) for grouping in _CARD_GROUPINGS for match in grouping.finditer(value)
    ]
    if any(_is_card(re.sub(r"\D", "", card)) for card in cards):
        return "a payment card number"
    return None


def _is_phone_number(whole: str) -> bool:
    """Whether `whole`, digits with single separators between groups, is a phone number:
    grouped as in North America, national with its trunk prefix, or with its country code
    (after `00` or not)."""
    digits = re.sub(r"\D", "", whole)
    return bool(
        _NANP_GROUPED.fullmatch(whole)
        or _is_national_number(digits)
        or _is_international_number(digits)
    )


def _is_cn_mobile(digits: str) -> bool:
    """Whether 11 digits are a valid mainland-China mobile number (libphonenumber)."""
    return _valid("+86" + digits, None)


def _is_national_number(digits: str) -> bool:
    """A valid number of a supported region with its trunk prefix, in 10 digits or more.
    `00` is the international prefix (`_is_international_number`): parsed nationally, it
    would load another country's metadata."""
    if digits.startswith("00"):
        return False
    return _SHORTEST_NATIONAL <= len(digits) <= _LONGEST_NATIONAL and any(
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


def _is_card(digits: str) -> bool:
    """A Luhn-valid number in a range card schemes issue from (ISO/IEC 7812 IINs): Visa 4,
    Mastercard 51–55 and 2221–2720, Maestro 50 and 56–69, Discover, UnionPay and RuPay 6,
    American Express 34 and 37, Diners Club 300–305 and 36–39, JCB 3528–3589. A date
    stamp (`2026…`) or a bank's trace number (`1210…`) is none of them."""
    return _issued(digits) and _luhn_valid(digits)


def _issued(digits: str) -> bool:
    first, two, four = digits[:1], digits[:2], digits[:4]
    if first in ("4", "5", "6"):
        return True
    if first == "3":
        return (
            two in ("34", "36", "37", "38", "39")
            or "300" <= digits[:3] <= "305"
            or ("3528" <= four <= "3589")
        )
    return first == "2" and "2221" <= four <= "2720"


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0
