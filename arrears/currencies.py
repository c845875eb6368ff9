"""Currencies a loan may be in, their minor units, and amounts written for people.

Pure: no I/O after import, no Temporal import. The facts come from CLDR through Babel
(`babel.numbers`), a maintained copy of the Unicode consortium's data, never from a table
of our own: how many digits a currency's minor unit has (0 for JPY, KRW, UGX, IQD, XOF;
2 for CNY, USD; 3 for KWD, BHD, TND; 4 for CLF), and how a language groups digits.

Which codes are money for a loan: the ISO 4217 codes CLDR knows as the currency of some
country or territory, now or in the past (a debt may be up to twenty years old, so a
currency since replaced, like HRK, can still be owed), including units of account that
loans are written in (CLF, Chile's Unidad de Fomento; MXV, Mexico's UDI; UYI). Refused:
codes CLDR does not know (`XXY`), and those it lists for no territory (its region `ZZ`):
no currency (`XXX`), testing (`XTS`), precious metals (`XAU`, `XAG`, `XPT`, `XPD`) and
supranational units and funds (`XDR`, `XSU`, `XUA`, `XBA`–`XBD`, `XAD`). The whole table is
read once, at import, so checking a code is a lookup that gives the same answer on every
replay of a workflow.
"""

from decimal import Decimal, localcontext

from babel.core import get_global
from babel.numbers import format_currency, get_currency_precision, list_currencies

_NO_TERRITORY = "ZZ"
"""CLDR's unknown region, under which it lists codes that are no country's money."""
_NO_CURRENCY = "XXX"
"""ISO 4217's "no currency": CLDR gives it to places that have none (Antarctica)."""


def _loan_currencies() -> dict[str, int]:
    territorial = {
        entry[0]
        for territory, entries in get_global("territory_currencies").items()
        if territory != _NO_TERRITORY
        for entry in entries
    } - {_NO_CURRENCY}
    return {
        code: get_currency_precision(code)
        for code in sorted(set(list_currencies()) & territorial)
        if len(code) == 3 and code.isascii() and code.isupper()
    }


LOAN_CURRENCIES: dict[str, int] = _loan_currencies()
"""Every currency a case may be in, with the digits of its minor unit (CLDR)."""


class UnknownCurrencyError(ValueError):
    """A code that is not a currency a loan may be in."""


def check_currency(code: str) -> str:
    """`code` if it is a currency a loan may be in (see the module), else
    `UnknownCurrencyError` saying why."""
    if code in LOAN_CURRENCIES:
        return code
    if code in set(list_currencies()):
        raise UnknownCurrencyError(f"{code} is not money a loan can be in (no country's currency)")
    raise UnknownCurrencyError(f"{code} is not an ISO 4217 currency code known to CLDR")


def minor_unit_exponent(code: str) -> int:
    """Digits of `code`'s minor unit: 1 unit of the currency is 10**exponent minor units.
    `UnknownCurrencyError` for a code that is not a loan currency."""
    return LOAN_CURRENCIES[check_currency(code)]


_PATTERN = "#,##0.00 ¤¤"
"""The amount then the ISO code (`1,234.56 CNY`): a code is unambiguous where a symbol is
not (¥ is both CNY and JPY). The pattern's two decimals are replaced by the currency's own
(`currency_digits`)."""


def format_amount(minor_units: int, code: str, locale: str = "en") -> str:
    """`123456, "CNY"` → `"1,234.56 CNY"`; `123456, "JPY"` → `"123,456 JPY"`;
    `123456, "CLF"` → `"12.3456 CLF"`; with `locale="de"`, `"1.234,56 EUR"`.

    Exact: the integer is scaled as a decimal, never through a float, however large.
    `locale` is a CLDR locale (`zh_CN`, `en`, or a language tag like `zh-CN`) and sets
    the grouping and decimal signs only. Never fails on the code: one that is no loan
    currency (a case opened before they were checked) is written with CLDR's default two
    decimals, so a message about it can still be sent.
    """
    exponent = get_currency_precision(code)
    with localcontext() as context:
        context.prec = max(28, len(str(abs(minor_units))) + exponent + 2)
        amount = Decimal(minor_units).scaleb(-exponent)
        return format_currency(
            amount, code, format=_PATTERN, locale=locale.replace("-", "_"), currency_digits=True
        )
