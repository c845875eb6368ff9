"""Customer messages: exact money formatting and language fallback."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.activities.messages import format_amount, render
from arrears.languages import fallbacks

DUE = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("minor_units", "currency", "text"),
    [
        (123456, "CNY", "1,234.56 CNY"),
        (0, "CNY", "0.00 CNY"),
        (5, "CNY", "0.05 CNY"),
        (100, "USD", "1.00 USD"),
        (123456789, "EUR", "1,234,567.89 EUR"),
        (123456, "JPY", "123,456 JPY"),
        (7, "KRW", "7 KRW"),
        (123456, "KWD", "123.456 KWD"),
        (5, "BHD", "0.005 BHD"),
        (1_000_000, "KWD", "1,000.000 KWD"),
    ],
)
def test_format_amount_uses_the_currency_exponent(
    minor_units: int, currency: str, text: str
) -> None:
    assert format_amount(minor_units, currency) == text


def test_format_amount_stays_exact_beyond_float_precision() -> None:
    assert format_amount(10**20 + 1, "CNY") == "1,000,000,000,000,000,000.01 CNY"


@given(
    minor_units=st.integers(min_value=0, max_value=10**30),
    currency=st.sampled_from(["CNY", "USD", "JPY", "KWD", "GBP", "VND", "OMR"]),
)
def test_format_amount_reads_back_to_the_same_minor_units(minor_units: int, currency: str) -> None:
    text = format_amount(minor_units, currency)

    number, code = text.split(" ")
    assert code == currency
    assert int(number.replace(",", "").replace(".", "")) == minor_units


@pytest.mark.parametrize(("minor_units", "text"), [(-5, "-0.05 CNY"), (-123456, "-1,234.56 CNY")])
def test_format_amount_of_a_negative_amount_keeps_its_magnitude(
    minor_units: int, text: str
) -> None:
    assert format_amount(minor_units, "CNY") == text


def test_render_in_zh_cn_uses_the_chinese_template() -> None:
    text = render("reminder", "zh-CN", name="张三", amount=123456, currency="CNY", due_date=DUE)

    assert text.startswith("【还款提醒】张三您好")
    assert "1,234.56 CNY" in text
    assert "2026-11-20" in text


@pytest.mark.parametrize("language", ["fr", "de-DE", "zh-TW", "en", "en-GB"])
def test_render_falls_back_to_english_without_a_template_for_the_language(
    language: str,
) -> None:
    text = render("reminder", language, name="Ann Lee", amount=5_000, currency="USD", due_date=DUE)

    assert text.startswith("Hello Ann Lee, your loan payment was due on 2026-11-20.")
    assert "50.00 USD" in text


def test_rendered_text_has_no_surrounding_whitespace() -> None:
    text = render("reminder", "en", name="A", amount=1, currency="JPY", due_date=DUE)

    assert text == text.strip()
    assert "1 JPY" in text


def test_render_of_an_unknown_template_fails_with_lookup_error() -> None:
    with pytest.raises(LookupError, match="no template 'final_demand'"):
        render("final_demand", "zh-CN", name="张三", amount=1, currency="CNY", due_date=DUE)


@pytest.mark.parametrize("language", ["zh-Hans", "zh-Hans-CN", "zh-CN"])
def test_render_in_simplified_chinese_uses_the_chinese_template(language: str) -> None:
    text = render("reminder", language, name="张三", amount=123456, currency="CNY", due_date=DUE)

    assert text.startswith("【还款提醒】张三您好")
    assert "1,234.56 CNY" in text


@pytest.mark.parametrize(
    "language", ["zh-Hant-TW", "zh-Hant", "zh-Hant-HK", "sr-Latn", "es-419", "en-001", "zh-Latn"]
)
def test_render_with_a_script_or_area_and_no_template_falls_back_to_english(
    language: str,
) -> None:
    """Traditional Chinese is not given the Simplified template, as `zh-TW` is not."""
    text = render("reminder", language, name="Ann Lee", amount=5_000, currency="USD", due_date=DUE)

    assert text.startswith("Hello Ann Lee, your loan payment was due on 2026-11-20.")


@pytest.mark.parametrize(
    ("language", "tags"),
    [
        ("zh-CN", ["zh-CN", "zh"]),
        ("es-419", ["es-419", "es"]),
        ("en", ["en"]),
        ("zh-Hans", ["zh-Hans", "zh-CN", "zh"]),
        ("zh-Hans-CN", ["zh-Hans-CN", "zh-CN", "zh"]),
        ("zh-Hans-SG", ["zh-Hans-SG", "zh-SG", "zh"]),
        ("zh-Hant-TW", ["zh-Hant-TW", "zh-TW"]),  # `zh` is written in Simplified characters
        ("zh-Hant", ["zh-Hant", "zh-TW"]),
        ("sr-Latn", ["sr-Latn"]),  # Serbian, without a script, is Cyrillic
        ("sr-Cyrl", ["sr-Cyrl", "sr-RS", "sr"]),
    ],
)
def test_a_language_falls_back_to_tags_written_in_its_script(language: str, tags: list[str]):
    assert fallbacks(language) == tags
