"""References that look like personal data are refused; ordinary references are not."""

import random
import sys
import uuid
from datetime import date, timedelta

import phonenumbers
import pytest
from pydantic import TypeAdapter, ValidationError

from arrears.fields import OpaqueRef
from arrears.personal_data import PHONE_REGIONS, personal_data_kind

REFERENCE = TypeAdapter(OpaqueRef)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        # International form, without the +, or after 00.
        ("447911123456", "a phone number"),
        ("00447911123456", "a phone number"),
        ("12025550143", "a phone number"),
        ("1-202-555-0143", "a phone number"),
        ("8613800138000", "a phone number"),
        ("4915112345678", "a phone number"),
        ("33612345678", "a phone number"),
        ("004520240001", "a phone number"),
        # National form with its trunk prefix.
        ("07911123456", "a phone number"),
        ("07911-123456", "a phone number"),
        ("02079460000", "a phone number"),
        ("01012345678", "a phone number"),
        ("0612345678", "a phone number"),
        ("015112345678", "a phone number"),
        # North American numbers as people write them; CN mobiles.
        ("202-555-0143", "a phone number"),
        ("202.555.0143", "a phone number"),
        ("13800138000", "a phone number"),
        ("C13800138000", "a phone number"),
        # CN resident identity numbers, 18 characters with the check character.
        ("11010519491231002X", "a resident identity number"),
        ("11010519491231002x", "a resident identity number"),
        ("440524198001010013", "a resident identity number"),
        ("ID-11010519491231002X", "a resident identity number"),
        # Cards and e-mail addresses.
        ("4111111111111111", "a payment card number"),
        ("4111-1111-1111-1111", "a payment card number"),
        ("zhang.san@example.cn", "an e-mail address"),
        ("+447911123456", "a phone number"),
    ],
)
def test_personal_data_is_recognised(value: str, kind: str):
    assert personal_data_kind(value) == kind


@pytest.mark.parametrize(
    "value",
    [
        "L-2024-000123",
        "LN20240001",
        "CUST-000042",
        "C-77",
        "L-4f2a9c0d1e",
        "LN2024000123",
        "2024000123",  # ten digits: most are valid NANP numbers, and US loan numbers
        "4912345678",  # a German number with its country code, and a plain number
        "4520240001",  # a Danish one
        "16eaaaf0-8870-4507-b79b-8e3b9a4ae629",  # a UUID whose digits could be a number
        "20240001",  # eight digits: a Danish number nationally, and a sequence number
        "LOAN:2026:11:000001",
        "ACC-0000012345",
        "11010519491231002Y",  # an identity number's shape, with a wrong check character
        "110105194912310021",
        "990105194912310028",  # no such province
        "P-1",
        "2026-11-20",
    ],
)
def test_ordinary_references_are_accepted(value: str):
    assert personal_data_kind(value) is None
    assert REFERENCE.validate_python(value) == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("a@b.cn", "looks like an e-mail address"),
        ("+12025550143", "looks like a phone number"),
        ("447911123456", "looks like a phone number"),
        ("11010519491231002X", "looks like a resident identity number"),
    ],
)
def test_a_reference_that_is_personal_data_is_refused_as_what_it_is(value: str, message: str):
    with pytest.raises(ValidationError, match=message):
        REFERENCE.validate_python(value)


def test_a_check_imports_nothing():
    """Workflows validate references when they read their input, inside the sandbox, which
    must not import: every phone metadata a check needs is loaded with the module."""
    before = set(sys.modules)
    for value in ["LN2024000123", "0020123456789", "00201234567890", "9112345678901", "2" * 15]:
        personal_data_kind(value)
    assert set(sys.modules) - before == set()


@pytest.mark.parametrize(
    "value",
    [
        "LN-01234567890",  # a UK number nationally, inside a reference with letters
        "CASE-0800123456",
        "ACC-0206-555-0100",
        "ACC01234567890",
        "L-0049-123-456789",  # Luhn-valid, but no payment card starts with 0
        "0411111111111111",
        "LN-2024-000123",
        "ACC00012345",
        "L-202-555-0143",  # a North American number grouped, inside a reference
        # With its country code, inside a reference with letters: an account number.
        "L-447911123456",
        "LN-447911123456",
        "ACC-864290671701",
        "LN-43178124-8433",
    ],
)
def test_a_phone_number_inside_a_reference_with_letters_is_accepted(value: str):
    assert personal_data_kind(value) is None
    assert REFERENCE.validate_python(value) == value


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("0123456789", "a phone number"),  # nationally, the whole reference
        ("07911 123456", "a phone number"),
        ("07911.123456", "a phone number"),
        ("12345678901", "a phone number"),  # +1 234 567 8901, the whole reference
        ("447911123456", "a phone number"),
        ("ACC-8613800138000", "a phone number"),  # a CN mobile, anywhere
        ("4111111111111111", "a payment card number"),
        ("L-4111-1111-1111-1111", "a payment card number"),
    ],
)
def test_a_whole_phone_number_a_cn_mobile_anywhere_and_a_card_are_refused(value: str, kind: str):
    assert personal_data_kind(value) == kind
    with pytest.raises(ValidationError, match=f"looks like {kind}"):
        REFERENCE.validate_python(value)


def test_uuid_references_are_accepted():
    """A UUID is generated, not written: the digits it holds by chance are no card or phone."""
    for value in [str(uuid.UUID(int=n * 0x9E3779B97F4A7C15, version=4)) for n in range(1, 50)]:
        assert REFERENCE.validate_python(value) == value
        assert REFERENCE.validate_python(f"L-{value}") == f"L-{value}"
    assert personal_data_kind("16eaaaf0-8870-4507-b79b-8e3b9a4ae629") is None
    # Luhn-valid across its groups (4111-1111-1111-1111 in the middle), still a UUID.
    assert personal_data_kind("00000000-4111-1111-1111-111100000000") is None


def test_random_references_are_seldom_refused():
    """Of 10,000 `L-` and ten random hexadecimal characters, fewer than one in 200 is taken
    for personal data (measured: none), and of 10,000 UUIDs none."""
    rng = random.Random(20261129)
    hexadecimal = [
        "L-" + "".join(rng.choice("0123456789abcdef") for _ in range(10)) for _ in range(10_000)
    ]
    uuids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(10_000)]

    refused = [value for value in hexadecimal if personal_data_kind(value) is not None]
    assert len(refused) < len(hexadecimal) * 0.005, refused[:10]
    assert [value for value in uuids if personal_data_kind(value) is not None] == []


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        # The whole reference a phone number, in any format.
        ("447911123456", "a phone number"),
        ("8613800138000", "a phone number"),
        ("12345678901", "a phone number"),
        ("00447911123456", "a phone number"),
        ("0086-138-0013-8000", "a phone number"),
        ("07911 123456", "a phone number"),
        ("07911_123456", "a phone number"),
        ("07911:123456", "a phone number"),
        ("0123456789", "a phone number"),
        ("202-555-0143", "a phone number"),
        ("202_555_0143", "a phone number"),
        ("202:555:0143", "a phone number"),
        ("202.555.0143", "a phone number"),
        ("202 555 0143", "a phone number"),
        ("44-7911-123456", "a phone number"),
        ("+1", "a phone number"),
        # Mainland-China mobiles anywhere, plain or grouped.
        ("13800138000", "a phone number"),
        ("L-13800138000", "a phone number"),
        ("C13800138000", "a phone number"),
        ("138-0013-8000", "a phone number"),
        ("138.0013.8000", "a phone number"),
        ("L-138-0013-8000", "a phone number"),
        ("L-138_0013_8000", "a phone number"),
        ("C-138 0013 8000", "a phone number"),
        ("86-138-0013-8000", "a phone number"),
        ("LN-19096601325", "a phone number"),  # 190 is a China Telecom mobile prefix
        # Cards: 13–19 digits bounded by non-digits, or grouped as cards are printed.
        ("4111111111111111", "a payment card number"),
        ("L-4111111111111111-01", "a payment card number"),
        ("4111-1111-1111-1111", "a payment card number"),
        ("4111 1111 1111 1111", "a payment card number"),
        ("4111.1111.1111.1111", "a payment card number"),
        ("4111-1111-1111-1111-01", "a payment card number"),
        ("L-4111-1111-1111-1111", "a payment card number"),
        ("6011-1111-1111-1111-110", "a payment card number"),  # 19 digits, 4-4-4-4-3
        ("6011111111111111110", "a payment card number"),
        ("3782-822463-10005", "a payment card number"),  # American Express, 4-6-5
        ("378282246310005", "a payment card number"),
        ("3056-930902-5904", "a payment card number"),  # Diners Club, 4-6-4
        # CN resident identity numbers: 18 characters anywhere.
        ("ID-11010519491231002X", "a resident identity number"),
        ("11010519491231002X-01", "a resident identity number"),
        # Cards of the schemes' ranges: Mastercard's 2-series and 5, JCB, Discover.
        ("2223000048400011", "a payment card number"),
        ("5555555555554444", "a payment card number"),
        ("3530111333300000", "a payment card number"),
        ("6011111111111117", "a payment card number"),
    ],
)
def test_every_listed_personal_data_is_refused(value: str, kind: str):
    assert personal_data_kind(value) == kind
    with pytest.raises(ValidationError, match=f"looks like {kind}"):
        REFERENCE.validate_python(value)


@pytest.mark.parametrize(
    "value",
    [
        "LN-20261129-00009",  # a date stamp and a sequence number, Luhn-valid: no card
        "LN-20261129-00009-01",
        "DE80890815072715194732",  # an IBAN: 20 digits, 19 of them Luhn-valid
        "4111-111111111111",  # grouped as no card is
        "41111-1111-1111-1111",  # a group of five before the fours
        "ID-110105491231002",  # the withdrawn 15-digit identity form
        "ACC-110105491231002",
        "110105491231002",
        "021000021234567",  # US ACH trace numbers: a routing prefix and a sequence
        "091000018970634",
        "121000240712684",
        "2026112993393106",  # a date stamp and a sequence, Luhn-valid: no card range
        "8000000000000003",  # Luhn-valid, but no scheme issues from 8
        "2026-11-29-447911123456",  # a number with its country code, but not the whole
        "L-14012345678",  # a CN mobile's shape, but 140 is no mobile prefix
    ],
)
def test_what_the_rule_leaves_alone_is_accepted(value: str):
    assert personal_data_kind(value) is None
    assert REFERENCE.validate_python(value) == value


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def _loan_with_date(rng: random.Random) -> str:
    day = date(2000, 1, 1) + timedelta(days=rng.randrange(11_323))  # to 2030-12-31
    return f"LN-{day:%Y%m%d}-{_digits(rng, 5)}"


REFERENCE_SHAPES = {
    "LN-YYYYMMDD-NNNNN": _loan_with_date,
    "German IBAN": lambda rng: "DE" + _digits(rng, 20),
    "ACC- and 12 digits": lambda rng: "ACC-" + _digits(rng, 12),
    "L- and 10 hexadecimal": lambda rng: "L-" + "".join(rng.choices("0123456789abcdef", k=10)),
    "UUID": lambda rng: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
}


@pytest.mark.parametrize("shape", REFERENCE_SHAPES)
def test_ordinary_references_of_each_shape_are_seldom_refused(shape: str):
    """Of 10,000 random references of each shape, fewer than one in 200 is taken for personal
    data (measured: none of any shape; before cards had to be grouped as printed and bounded,
    10% of `LN-YYYYMMDD-NNNNN` and 9% of German IBANs were taken for cards, and before digits
    inside a reference were left alone, 3% of `ACC-` and 12 digits for phone numbers)."""
    rng = random.Random(f"20261129 {shape}")
    values = [REFERENCE_SHAPES[shape](rng) for _ in range(10_000)]

    refused = [value for value in values if personal_data_kind(value) is not None]
    assert len(refused) < len(values) * 0.005, refused[:10]


def test_eleven_random_digits_are_refused_only_when_they_are_a_cn_mobile():
    """`LN-` and 11 random digits: a valid mainland-China mobile by chance about one time in
    twenty (11 digits from 13–19, most prefixes a carrier's), and those are refused wherever
    they stand; every other is accepted (before, 7% more were refused as a number with its
    country code: `LN-19828617211` is also +1 982 861 7211)."""
    rng = random.Random("20261129 LN- and 11 digits")
    values = ["LN-" + _digits(rng, 11) for _ in range(10_000)]
    cn_mobiles = {
        value
        for value in values
        if phonenumbers.number_type(phonenumbers.parse("+86" + value[3:]))
        == phonenumbers.PhoneNumberType.MOBILE
        and phonenumbers.is_valid_number(phonenumbers.parse("+86" + value[3:]))
    }

    refused = {value for value in values if personal_data_kind(value) is not None}
    assert refused == cn_mobiles
    assert 0.03 < len(refused) / len(values) < 0.07, len(refused)


def _mobiles_of_every_supported_region() -> list[tuple[str, phonenumbers.PhoneNumber]]:
    found = []
    for region in PHONE_REGIONS:
        number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
        assert number is not None, region
        found.append((region, number))
    return found


@pytest.mark.parametrize(
    ("region", "number"), _mobiles_of_every_supported_region(), ids=lambda v: str(v)
)
def test_a_mobile_of_every_supported_jurisdiction_in_e164_is_refused(
    region: str, number: phonenumbers.PhoneNumber
):
    """libphonenumber's example mobile of each region of CN, US, UK and the EU, written as
    E.164 (`+447400123456`), without its `+` where that leaves 11 digits or more (shorter
    runs are left alone on purpose: the module's docstring says why), after the `00`
    international prefix, and grouped as printed internationally without the `+`."""
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    printed = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    forms = [e164, f"00{e164[1:]}", printed]
    if len(e164) - 1 >= 11:
        forms += [e164[1:], printed[1:], printed[1:].replace(" ", "-")]
    for form in forms:
        assert personal_data_kind(form) == "a phone number", (region, form)
