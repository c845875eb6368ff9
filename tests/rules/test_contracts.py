"""Constrained fields as enforced by the boundary models: opaque ids, zones, money."""

import copy
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from arrears.contracts import DEFAULT_LANGUAGES, CaseOpening, Payment
from arrears.customers import CustomerFacts
from arrears.fields import RECORDED
from arrears.languages import KNOWN_LANGUAGES

BODY: dict[str, Any] = {
    "loan_id": "L-1001",
    "customer": {
        "customer_id": "C-77",
        "name": "张三",
        "phone": "+8613800138000",
        "email": "zhang.san@example.cn",
        "timezone": "Asia/Shanghai",
        "language": "zh-CN",
    },
    "jurisdiction": "CN",
    "currency": "CNY",
    "due": {"principal": 500_000, "interest": 12_000, "fees": 0},
    "due_date": "2026-11-20",
}


def body(**changes: Any) -> dict[str, Any]:
    result = copy.deepcopy(BODY)
    result.update(changes)
    return result


def with_customer(**changes: Any) -> dict[str, Any]:
    result = body()
    result["customer"].update(changes)
    return result


def luhn_check_digit(digits: str) -> str:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return str(-total % 10)


def rejected_fields(error: ValidationError) -> set[tuple[Any, ...]]:
    return {tuple(item["loc"]) for item in error.errors()}


def test_case_opening_accepts_an_opaque_loan_id() -> None:
    opening = CaseOpening.model_validate(body())

    assert opening.loan_id == "L-1001"
    assert opening.due.total == 512_000


@pytest.mark.parametrize(
    "loan_id",
    ["4111111111111111", "L-4111111111111111", "loan.5500005555555559.x", "378282246310005"],
)
def test_case_opening_rejects_a_loan_id_that_looks_like_a_card_number(loan_id: str) -> None:
    with pytest.raises(ValidationError, match="payment card") as caught:
        CaseOpening.model_validate(body(loan_id=loan_id))

    assert rejected_fields(caught.value) == {("loan_id",)}


@pytest.mark.parametrize("loan_id", ["13800138000", "L-13800138000", "L-19912345678-2"])
def test_case_opening_rejects_a_loan_id_that_looks_like_a_cn_mobile(loan_id: str) -> None:
    with pytest.raises(ValidationError, match="phone number"):
        CaseOpening.model_validate(body(loan_id=loan_id))


@pytest.mark.parametrize(
    "loan_id", ["L-4111111111111112", "L-12800138000", "L-138001380001", "2026-11-20.0042"]
)
def test_digit_runs_that_are_neither_cards_nor_mobiles_are_accepted(loan_id: str) -> None:
    assert CaseOpening.model_validate(body(loan_id=loan_id)).loan_id == loan_id


@given(
    prefix=st.sampled_from(["", "L-", "loan.", "B:"]),
    first=st.sampled_from(["4", "51", "55", "2221", "2720", "34", "37", "36", "3530", "62"]),
    digits=st.text(alphabet="0123456789", min_size=14, max_size=14),
    suffix=st.sampled_from(["", "-1", ".x"]),
)
def test_any_luhn_valid_sixteen_digit_run_of_a_card_range_is_refused(
    prefix: str, first: str, digits: str, suffix: str
) -> None:
    """A payment card's number is in a range a scheme issues from (Visa, Mastercard,
    American Express, Diners Club, JCB, UnionPay...)."""
    number = (first + digits)[:15]
    card = number + luhn_check_digit(number)

    with pytest.raises(ValidationError):
        CaseOpening.model_validate(body(loan_id=f"{prefix}{card}{suffix}"))


def test_a_card_number_in_dashed_groups_is_refused() -> None:
    with pytest.raises(ValidationError):
        CaseOpening.model_validate(body(loan_id="4111-1111-1111-1111"))


def test_a_cn_mobile_with_country_code_is_refused() -> None:
    with pytest.raises(ValidationError):
        CaseOpening.model_validate(body(loan_id="8613800138000"))


@pytest.mark.parametrize("loan_id", ["", "-L1", "L 1001", "L/1001", "L" * 65])
def test_case_opening_rejects_a_loan_id_outside_the_opaque_alphabet(loan_id: str) -> None:
    with pytest.raises(ValidationError):
        CaseOpening.model_validate(body(loan_id=loan_id))


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus_Mons", "Asia", "asia/shanghai", "../etc/passwd", "/etc/localtime", ""]
)
def test_case_opening_rejects_an_unknown_time_zone(zone: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CaseOpening.model_validate(with_customer(timezone=zone))

    assert rejected_fields(caught.value) == {("customer", "timezone")}


@pytest.mark.parametrize(
    "zone", ["Asia/Shanghai", "America/New_York", "Europe/London", "UTC", "Etc/UTC", "US/Eastern"]
)
def test_case_opening_accepts_iana_time_zones(zone: str) -> None:
    assert CaseOpening.model_validate(with_customer(timezone=zone)).customer.timezone == zone


@pytest.mark.parametrize(
    ("zone", "suggested"),
    [
        ("EST5EDT", "America/New_York"),
        ("PST8PDT", "America/Los_Angeles"),
        ("CST6CDT", "America/Chicago"),
        ("MST7MDT", "America/Denver"),
        ("EST", "America/New_York"),
        ("MST", "America/Phoenix"),
        ("HST", "Pacific/Honolulu"),
        ("CET", "Europe/Paris"),
        ("Etc/GMT-14", "UTC"),
        ("Etc/GMT+12", "UTC"),
        ("Etc/Zulu", "UTC"),
        ("Zulu", "UTC"),
        ("UCT", "UTC"),
        ("Universal", "UTC"),
        ("GMT", "UTC"),
        ("Greenwich", "UTC"),
        ("GMT+0", "UTC"),
        ("Factory", "a place"),
        ("localtime", "a place"),
    ],
)
def test_case_opening_refuses_a_time_zone_that_is_no_places(zone: str, suggested: str) -> None:
    with pytest.raises(ValidationError, match="not the time zone of a place") as caught:
        CaseOpening.model_validate(with_customer(timezone=zone))

    assert rejected_fields(caught.value) == {("customer", "timezone")}
    assert suggested in str(caught.value)


@pytest.mark.parametrize("zone", ["EST5EDT", "Etc/GMT-14", "Zulu", "GMT"])
def test_a_recorded_time_zone_that_is_no_places_still_reads_back(zone: str) -> None:
    """The policy applies where input enters; a case opened under an older one replays."""
    opening = CaseOpening.model_validate(with_customer(timezone=zone), context=RECORDED)

    assert opening.customer.timezone == zone


def test_a_recorded_time_zone_must_still_load() -> None:
    with pytest.raises(ValidationError, match="unknown IANA time zone"):
        CaseOpening.model_validate(with_customer(timezone="Mars/Olympus_Mons"), context=RECORDED)


@pytest.mark.parametrize(
    "language",
    [
        *("zh-CN", "en", "en-US", "en-GB", "fr-FR", "yue", "zh-HK"),
        # BCP 47 with a script, or a region of three digits (UN M.49), as CLDR names them.
        *("es-419", "en-001", "zh-Hans", "zh-Hant-TW", "sr-Latn", "zh-Hans-CN", "yue-Hant-HK"),
    ],
)
def test_case_opening_accepts_a_language_cldr_knows(language: str) -> None:
    opening = CaseOpening.model_validate(with_customer(language=language))

    assert opening.customer.language == language
    assert language in KNOWN_LANGUAGES
    assert (
        CustomerFacts.model_validate(
            {"name": "张三", "timezone": "Asia/Shanghai", "language": language}
        ).language
        == language
    )


@pytest.mark.parametrize(
    "language",
    ["zh-hans", "zh-HANT-TW", "zh-Hant-tw", "en-01", "en-1234", "zh_CN", "zh-Hans-Hant", "ZH"],
)
def test_case_opening_refuses_a_language_that_is_no_bcp_47_tag_of_that_form(language: str) -> None:
    with pytest.raises(ValidationError, match="pattern") as caught:
        CaseOpening.model_validate(with_customer(language=language))

    assert rejected_fields(caught.value) == {("customer", "language")}


@pytest.mark.parametrize(
    "language", ["xx-XX", "zz", "en-XX", "und", "en-ZZ", "de-CN", "zh-Cyrl", "zh-Hans-TW", "en-999"]
)
def test_case_opening_refuses_a_language_cldr_does_not_know(language: str) -> None:
    with pytest.raises(ValidationError, match="not a language CLDR knows") as caught:
        CaseOpening.model_validate(with_customer(language=language))

    assert rejected_fields(caught.value) == {("customer", "language")}
    assert (
        CaseOpening.model_validate(
            with_customer(language=language), context=RECORDED
        ).customer.language
        == language
    )


def test_every_default_language_is_one_cldr_knows() -> None:
    assert set(DEFAULT_LANGUAGES.values()) <= KNOWN_LANGUAGES


@pytest.mark.parametrize(
    "paid_at", [0, 1.5, "100", "1.5", 1_700_000_000, "1700000000", True, "2026-11-21", "now"]
)
def test_payment_refuses_a_paid_at_that_is_no_iso_date_time(paid_at: Any) -> None:
    with pytest.raises(ValidationError, match="ISO 8601 date-time") as caught:
        Payment.model_validate({"payment_id": "P-1", "amount": 100, "paid_at": paid_at})

    assert rejected_fields(caught.value) == {("paid_at",)}


@pytest.mark.parametrize("paid_at", ["0", "1.5", '"100"', '"1.5"'])
def test_payment_json_refuses_a_paid_at_in_seconds(paid_at: str) -> None:
    with pytest.raises(ValidationError, match="ISO 8601 date-time"):
        Payment.model_validate_json(f'{{"payment_id": "P-1", "amount": 1, "paid_at": {paid_at}}}')


@pytest.mark.parametrize(
    "paid_at", ["2026-11-21T09:30:00+08:00", "2026-11-21 01:30:00Z", "2026-11-21T01:30Z"]
)
def test_payment_accepts_a_paid_at_in_iso_8601(paid_at: str) -> None:
    payment = Payment.model_validate({"payment_id": "P-1", "amount": 100, "paid_at": paid_at})

    assert payment.paid_at == datetime(2026, 11, 21, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize("currency", ["cny", "Cny", "CN", "CNYY", "12A", ""])
def test_case_opening_rejects_a_currency_that_is_not_three_capitals(currency: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CaseOpening.model_validate(body(currency=currency))

    assert rejected_fields(caught.value) == {("currency",)}


def test_case_opening_rejects_unknown_fields_at_any_level() -> None:
    with pytest.raises(ValidationError, match="extra"):
        CaseOpening.model_validate(body(priority="high"))
    with pytest.raises(ValidationError, match="extra"):
        CaseOpening.model_validate(with_customer(id_card="110101199003077777"))
    with pytest.raises(ValidationError, match="extra"):
        CaseOpening.model_validate(body(due={"principal": 1, "penalty": 5}))


def test_case_opening_rejects_a_due_total_of_zero() -> None:
    with pytest.raises(ValidationError, match="nothing is owed"):
        CaseOpening.model_validate(body(due={"principal": 0, "interest": 0, "fees": 0}))


def test_case_opening_accepts_a_due_of_fees_only() -> None:
    opening = CaseOpening.model_validate(body(due={"principal": 0, "fees": 1}))

    assert opening.due.total == 1


@pytest.mark.parametrize("principal", [-1, 1.5, "100", True, None])
def test_due_components_must_be_non_negative_integers(principal: Any) -> None:
    with pytest.raises(ValidationError):
        CaseOpening.model_validate(body(due={"principal": principal}))


def test_payment_accepts_a_positive_integer_amount_and_an_aware_time() -> None:
    payment = Payment.model_validate(
        {"payment_id": "P-1", "amount": 100, "paid_at": "2026-11-21T09:30:00+08:00"}
    )

    assert payment.amount == 100
    assert payment.paid_at == datetime(2026, 11, 21, 1, 30, tzinfo=UTC)
    assert payment.paid_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize("amount", [1.5, 0, -1, "100", True, 100.0, None])
def test_payment_rejects_an_amount_that_is_not_a_positive_integer(amount: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        Payment.model_validate({"payment_id": "P-1", "amount": amount})

    assert rejected_fields(caught.value) == {("amount",)}


@pytest.mark.parametrize("amount", ['"100"', "1.5", "0", "-1"])
def test_payment_json_rejects_an_amount_that_is_not_a_positive_integer(amount: str) -> None:
    with pytest.raises(ValidationError):
        Payment.model_validate_json(f'{{"payment_id": "P-1", "amount": {amount}}}')


@pytest.mark.parametrize("paid_at", ["2026-11-21T09:30:00", datetime(2026, 11, 21, 9, 30)])
def test_payment_rejects_a_naive_paid_at(paid_at: Any) -> None:
    with pytest.raises(ValidationError, match="UTC offset") as caught:
        Payment.model_validate({"payment_id": "P-1", "amount": 100, "paid_at": paid_at})

    assert rejected_fields(caught.value) == {("paid_at",)}


def test_payment_normalises_any_offset_to_utc() -> None:
    seoul = timezone(timedelta(hours=9))
    payment = Payment(payment_id="P-1", amount=1, paid_at=datetime(2026, 1, 1, 9, tzinfo=seoul))

    assert payment.paid_at == datetime(2026, 1, 1, 0, tzinfo=UTC)
    assert payment.paid_at.tzinfo == UTC


def test_payment_rejects_a_lowercase_currency_and_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        Payment.model_validate({"payment_id": "P-1", "amount": 1, "currency": "cny"})
    with pytest.raises(ValidationError, match="extra"):
        Payment.model_validate({"payment_id": "P-1", "amount": 1, "card": "4111"})


def test_payment_id_must_not_look_like_a_card_number() -> None:
    with pytest.raises(ValidationError, match="payment card"):
        Payment.model_validate({"payment_id": "4111111111111111", "amount": 1})


@pytest.mark.parametrize(
    ("field", "value"), [("language", "xx-XX"), ("timezone", "EST5EDT"), ("timezone", "Etc/GMT+12")]
)
def test_new_contact_facts_are_held_to_the_opening_s_policies(field: str, value: str) -> None:
    """`PUT /v1/customers/{id}` refuses what an opening refuses, before anything moves."""
    facts = {"name": "张三", "timezone": "Asia/Shanghai", "language": "zh-CN", field: value}

    with pytest.raises(ValidationError) as caught:
        CustomerFacts.model_validate(facts)

    assert rejected_fields(caught.value) == {(field,)}
