"""Currencies from CLDR (Babel): minor units, which codes a loan may be in, amounts written."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.currencies import (
    LOAN_CURRENCIES,
    UnknownCurrencyError,
    check_currency,
    format_amount,
    minor_unit_exponent,
)


@pytest.mark.parametrize(
    ("code", "exponent"),
    [
        ("JPY", 0),
        ("KRW", 0),
        ("UGX", 0),
        ("IQD", 0),
        ("XOF", 0),
        ("XAF", 0),
        ("VND", 0),
        ("CNY", 2),
        ("USD", 2),
        ("EUR", 2),
        ("GBP", 2),
        ("KWD", 3),
        ("BHD", 3),
        ("TND", 3),
        ("CLF", 4),
    ],
)
def test_the_minor_unit_is_cldrs(code: str, exponent: int):
    assert minor_unit_exponent(code) == exponent


@pytest.mark.parametrize(
    "code",
    ["XXX", "XTS", "XAU", "XAG", "XPT", "XPD", "XDR", "XSU", "XUA", "XBA", "XBB", "XBC", "XBD"],
)
def test_codes_that_are_no_countrys_money_are_refused(code: str):
    with pytest.raises(UnknownCurrencyError, match="not money a loan can be in"):
        check_currency(code)


@pytest.mark.parametrize("code", ["XXY", "AAA", "ZZZ", "cny", "CN"])
def test_codes_cldr_does_not_know_are_refused(code: str):
    with pytest.raises(UnknownCurrencyError, match="not an ISO 4217 currency code"):
        check_currency(code)


@pytest.mark.parametrize("code", ["CLF", "MXV", "UYI", "XOF", "XPF", "HRK"])
def test_units_of_account_and_replaced_currencies_are_accepted(code: str):
    assert check_currency(code) == code


@pytest.mark.parametrize(
    ("minor_units", "code", "locale", "text"),
    [
        (123456, "JPY", "en", "123,456 JPY"),
        (123456, "UGX", "en", "123,456 UGX"),
        (123456, "IQD", "en", "123,456 IQD"),
        (123456, "XOF", "en", "123,456 XOF"),
        (123456, "CNY", "zh-CN", "1,234.56 CNY"),
        (123456, "USD", "en", "1,234.56 USD"),
        (123456, "KWD", "en", "123.456 KWD"),
        (123456, "CLF", "en", "12.3456 CLF"),
        (5, "CLF", "en", "0.0005 CLF"),
        (123456, "EUR", "de", "1.234,56 EUR"),
        (-5, "CNY", "en", "-0.05 CNY"),
    ],
)
def test_an_amount_is_written_with_the_currencys_decimals(
    minor_units: int, code: str, locale: str, text: str
):
    assert format_amount(minor_units, code, locale) == text


def test_an_amount_in_a_code_no_loan_has_still_formats():
    """A case opened before codes were checked must still get its messages."""
    assert format_amount(123456, "XXY") == "1,234.56 XXY"


@given(
    minor_units=st.integers(min_value=0, max_value=10**30),
    code=st.sampled_from(sorted(LOAN_CURRENCIES)),
)
def test_every_loan_currency_reads_back_to_the_same_minor_units(minor_units: int, code: str):
    number, written_code = format_amount(minor_units, code).split(" ")

    assert written_code == code
    fraction = number.partition(".")[2]
    assert len(fraction) == LOAN_CURRENCIES[code]
    assert int(number.replace(",", "").replace(".", "")) == minor_units
