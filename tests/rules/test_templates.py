"""Every message the workflow can send renders in each shipped language, names the amount,
and never uses wording that impersonates a court or the police or threatens family."""

from datetime import date

import pytest
from jinja2 import UndefinedError

from arrears.activities.messages import render

TEMPLATES = ["reminder", "collection_notice", "bureau_pre_notice", "lawyer_letter"]
FORBIDDEN = ["法院", "公安", "警察", "拘留", "家人", "单位", "court", "police", "arrest", "family"]


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_template_renders_with_the_amount_and_no_forbidden_wording(template: str, language: str):
    text = render(
        template, language, name="张三", amount=512_000, currency="CNY", due_date=date(2026, 11, 20)
    )
    assert "5,120.00 CNY" in text
    assert "2026-11-20" in text
    assert not [word for word in FORBIDDEN if word.lower() in text.lower()]


def test_the_us_validation_notice_states_the_debt_the_period_and_the_opt_out():
    """12 CFR 1006.34(c): the amount, the end of the validation period and how to dispute;
    1006.6(e): how to opt out of electronic messages."""
    text = render(
        "validation_notice",
        "en-US",
        name="Jane Roe",
        amount=512_000,
        currency="USD",
        due_date=date(2026, 5, 20),
        period_ends=date(2026, 8, 9),
    )
    assert "5,120.00 USD" in text
    assert text.count("2026-08-09") == 2
    assert "dispute" in text and "Reply STOP to opt out" in text
    assert not [word for word in FORBIDDEN if word.lower() in text.lower()]


def test_the_validation_notice_does_not_render_without_its_period():
    with pytest.raises(UndefinedError):
        render(
            "validation_notice",
            "en",
            name="Jane Roe",
            amount=1,
            currency="USD",
            due_date=date(2026, 5, 20),
        )
