"""The agent's script for a contact person (`contact_person_call`, EN and zh-CN): it asks
the person to pass on a request to call back and names the institution, and it never tells
them of the debt, an amount or a due date (GB/T 45251-2025: a contact person is contacted
only to restore contact and is not told of the debt)."""

import re
from datetime import date
from pathlib import Path

import pytest

from arrears.activities.messages import render

TEMPLATES = Path(__file__).parents[2] / "arrears" / "templates"
DEBT_WORDS = {
    "en": re.compile(
        r"\b(debts?|owe[sd]?|owing|amounts?|due|overdue|arrears|loans?|pay|payments?|repay\w*"
        r"|balance|collect\w*|credit|bills?|instalments?|late)\b",
        re.IGNORECASE,
    ),
    "zh-CN": re.compile(r"欠|债|贷|还款|金额|到期|逾期|催收|元|账|分期|利息|本金|信用"),
}
AMOUNT = 512_000
DUE = date(2026, 11, 20)


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_the_script_says_nothing_of_the_debt(language: str):
    text = (TEMPLATES / f"contact_person_call.{language}.txt.j2").read_text(encoding="utf-8")
    plain = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", text)

    assert not DEBT_WORDS[language].findall(plain)
    assert not re.search(r"\{\{\s*(amount|due_date|currency|name|period_ends)", text)
    assert re.search(r"\{\{\s*institution\s*\}\}", text)


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_the_rendered_script_asks_for_a_call_back_and_states_no_amount_or_date(language: str):
    body = render(
        "contact_person_call",
        language,
        name="张三",
        amount=AMOUNT,
        currency="CNY",
        due_date=DUE,
        institution="示例银行",
    )

    assert "示例银行" in body and "张三" not in body
    assert not re.search(r"\d", body)
    assert ("回电" if language == "zh-CN" else "call") in body
    assert ("退订" if language == "zh-CN" else "opt out") in body
