"""Every message the workflow can send renders in each shipped language, names the amount,
and never uses wording that impersonates a court or the police or threatens family."""

from datetime import date

import pytest

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
