"""Template lint: refused wording (EN and ZH), opt-out wording, the institution named."""

import pytest

from arrears.compliance import lint, lint_directory
from arrears.compliance.loader import jurisdiction_profile
from tests.compliance.builders import TEMPLATES, cn, uk, us


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Pay now or the police will visit.", "CN.impersonation"),
        ("We hold a court order against you.", "CN.impersonation"),
        ("You face ARREST today.", "CN.impersonation"),
        ("A warrant has been issued.", "CN.impersonation"),
        ("请立即还款，否则公安机关将上门。", "CN.impersonation"),
        ("您将收到法院传票。", "CN.impersonation"),
        ("逾期将被逮捕。", "CN.impersonation"),
        ("已移交检察院处理。", "CN.impersonation"),
        ("We will call your employer.", "CN.threat_to_third_parties"),
        ("We will tell your family.", "CN.threat_to_third_parties"),
        ("我们将联系您的家人。", "CN.threat_to_third_parties"),
        ("我们将致电您的单位。", "CN.threat_to_third_parties"),
        ("我们将通知你的朋友。", "CN.threat_to_third_parties"),
        ("We will publish your name.", "CN.shaming"),
        ("不还款将被曝光。", "CN.shaming"),
        ("我们将联系您通讯录中的人。", "CN.shaming"),
        ("You can borrow from a friend to pay.", "CN.borrow_elsewhere"),
        ("可以以贷养贷。", "CN.borrow_elsewhere"),
        ("找朋友借钱还款。", "CN.borrow_elsewhere"),
    ],
)
def test_refused_wording_is_found(text: str, rule: str) -> None:
    problems = lint("t", text + " {{ institution }}", "sms", cn())
    assert [p.rule for p in problems] == [rule]
    assert problems[0].template == "t"


@pytest.mark.parametrize(
    "text",
    [
        "Our policies allow a payment plan.",
        "Your arrears are {{ amount }}; the warranty on your phone is unaffected.",
        "Hello {{ name }}, please pay {{ amount }} by {{ due_date }}.",
        "【还款提醒】{{ name }}您好，请尽快还款。",
    ],
)
def test_ordinary_wording_passes(text: str) -> None:
    assert lint("t", text + " {{ institution }}", "sms", cn()) == []


def test_jinja_expressions_are_not_wording() -> None:
    assert lint("t", "Hello {{ your_family_name }} {{ institution }}", "sms", cn()) == []


def test_us_messages_must_say_how_to_opt_out() -> None:
    [problem] = lint("reminder.en", "Please pay.", "sms", us())
    assert problem.rule == "US.opt_out_wording"
    assert "opt out" in problem.message
    assert lint("reminder.en", "Please pay. Reply STOP to opt out.", "sms", us()) == []
    assert lint("reminder.en", "Please pay.", "call", us()) == []
    assert [p.rule for p in lint("x", "Please pay.", None, us())] == ["US.opt_out_wording"]


def test_cn_templates_must_name_the_institution() -> None:
    [problem] = lint("reminder.zh-CN", "请尽快还款。", "sms", cn())
    assert problem.rule == "CN.identify_institution"
    assert "{{ institution }}" in problem.message


def test_uk_refuses_wording_but_asks_no_opt_out_line() -> None:
    assert [p.rule for p in lint("t", "The police will call.", "sms", uk())] == ["UK.impersonation"]


def test_shipped_templates_pass_every_shipped_profile() -> None:
    """The shipped templates threaten no one, name the institution collecting and say how
    to opt out, so a worker starts whatever jurisdiction its cases are in."""
    for profile in (cn(), us(), uk(), jurisdiction_profile("EU")):
        assert lint_directory(TEMPLATES, profile) == [], profile.name
