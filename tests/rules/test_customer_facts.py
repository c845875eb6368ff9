"""A customer's contact facts: the language an opening defaults to, which facts differ, and
how a case takes new ones."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from arrears.contracts import CaseOpening
from arrears.customers import CustomerFacts, differing_facts
from arrears.workflows.case_state import CaseState
from arrears.workflows.customer_follow import follow_customer
from tests.factories import case_body, opening

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("jurisdiction", "language"),
    [("CN", "zh-CN"), ("US", "en-US"), ("UK", "en-GB"), ("EU", "en")],
)
def test_an_opening_naming_no_language_takes_the_jurisdictions(jurisdiction, language):
    body = case_body(jurisdiction=jurisdiction)
    del body["customer"]["language"]

    case = CaseOpening.model_validate(body)

    assert case.customer.language == language
    assert case.language_defaulted
    assert not case.update_customer


def test_a_named_language_stands_and_survives_the_round_trip():
    body = case_body(jurisdiction="US")
    body["customer"]["language"] = "es-US"

    case = CaseOpening.model_validate(body)
    again = CaseOpening.model_validate_json(case.model_dump_json())

    assert case.customer.language == again.customer.language == "es-US"
    assert not case.language_defaulted and not again.language_defaulted


def test_differing_facts_names_fields_in_order_and_a_missing_language_differs_in_nothing():
    stored = opening().customer
    given = stored.model_copy(
        update={"timezone": "America/Los_Angeles", "name": "李四", "language": None}
    )

    assert differing_facts(stored, given) == ["name", "timezone"]
    assert differing_facts(stored, stored) == []


def test_customer_facts_are_validated_as_in_an_opening():
    facts = {k: v for k, v in case_body()["customer"].items() if k != "customer_id"}
    with pytest.raises(ValidationError, match="timezone"):
        CustomerFacts.model_validate({**facts, "timezone": "Factory"})
    with pytest.raises(ValidationError, match="phone"):
        CustomerFacts.model_validate({**facts, "phone": "13800138000"})
    with pytest.raises(ValidationError, match="customer_id"):
        CustomerFacts.model_validate({**facts, "customer_id": "C-1"})


def test_a_case_takes_new_facts_once_and_records_only_their_names():
    state = CaseState.open(opening(), NOW)
    moved = state.opening.customer.model_copy(
        update={"timezone": "Europe/London", "phone": "+447700900123", "language": None}
    )

    changed = follow_customer(state, moved, NOW)
    again = follow_customer(state, moved, NOW)

    assert changed == ["phone", "timezone"] and again == []
    assert state.tz == "Europe/London"
    assert state.opening.customer.language == "zh-CN"
    (event,) = [e for e in state.timeline if e.type == "customer_updated"]
    assert event.model_extra == {"fields": ["phone", "timezone"]}
    assert "+447700900123" not in event.model_dump_json()


def test_a_closed_case_keeps_its_facts():
    state = CaseState.open(opening(), NOW)
    state.close(NOW, "recalled")
    moved = state.opening.customer.model_copy(update={"timezone": "Europe/London"})

    assert follow_customer(state, moved, NOW) == []
    assert state.tz == "Asia/Shanghai"
