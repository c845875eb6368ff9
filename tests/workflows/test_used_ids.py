"""The rules behind ids and keys, and the plan offers, on a case's state without Temporal."""

from datetime import UTC, datetime, timedelta

import pytest

from arrears.commands import AgreePlan, ReportHardship
from arrears.contracts import CloseCase, RiskScore
from arrears.idempotency import parse_key, stamp
from arrears.strategy import load_default
from arrears.workflows.case_commands import CommandRejected
from arrears.workflows.case_state import CaseState
from arrears.workflows.used_ids import MAX_KEYS, OpeningFacts, UsedIds
from tests.factories import opening

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, 28 November
TODAY = NOW.date()


def case_at(dpd: int, tier: str = "medium") -> CaseState:
    state = CaseState.open(opening(due_date=TODAY - timedelta(days=dpd)), NOW, load_default())
    state.risk = RiskScore(score=600, tier=tier, reasons=[])
    return state


def rejection(state: CaseState, command: AgreePlan) -> CommandRejected:
    with pytest.raises(CommandRejected) as refused:
        state.check_plan(command, NOW)
    return refused.value


def test_a_case_remembers_its_last_keys_and_forgets_the_oldest():
    used = UsedIds()
    for n in range(MAX_KEYS + 1):
        used.remember_key(stamp(f"K-{n}", "report_hardship", CloseCase()), "close", True)
    assert len(used.keys) == MAX_KEYS
    assert used.key_use(stamp("K-0", "report_hardship", CloseCase())) is None
    assert used.key_use(stamp("K-1", "report_hardship", CloseCase())) is not None
    # The order survives continue-as-new, which carries the state as JSON.
    carried = UsedIds.model_validate_json(used.model_dump_json())
    assert list(carried.keys) == list(used.keys)


def test_a_key_with_another_request_or_command_is_refused():
    used = UsedIds()
    used.remember_key(stamp("K", "report_hardship", ReportHardship(reason="illness")), "r", True)
    for other in (
        stamp("K", "report_hardship", ReportHardship(reason="other")),
        stamp("K", "open_dispute", ReportHardship(reason="illness")),
    ):
        with pytest.raises(CommandRejected) as refused:
            used.key_use(other)
        assert refused.value.kind == "IdempotencyKeyReused"


def test_the_stamp_keeps_no_key_and_reads_the_body_as_its_model_gives_it():
    empty, explicit = (
        stamp("RC-1", "close", CloseCase()),
        stamp("RC-1", "close", CloseCase(reason="recalled")),
    )
    assert empty == explicit
    assert "RC-1" not in empty.model_dump_json()


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("abc-123", "abc-123"),
        ('"8e03978e-40d5-43e8-bc93-6894a57f9324"', "8e03978e-40d5-43e8-bc93-6894a57f9324"),
        ('"a\\"b"', 'a"b'),
        ("x" * 255, "x" * 255),
        ("", None),
        ('""', None),
        ("x" * 256, None),
        ("clé", None),
        ('"open', None),
        ("tab\there", None),
    ],
)
def test_a_key_is_1_to_255_printable_ascii_characters(raw: str, key: str | None):
    assert parse_key(raw) == key


def test_a_second_opening_names_the_facts_it_changes():
    first = OpeningFacts.of(opening(loan_id="L-1"))
    same_but_contact = OpeningFacts.of(opening(loan_id="L-1", phone=None, timezone="UTC"))
    other = OpeningFacts.of(opening(loan_id="L-1", currency="USD", principal=1, customer_id="C-9"))
    assert first.changed_by(same_but_contact) == []
    assert first.changed_by(other) == ["currency", "customer.customer_id", "due.principal"]


def test_an_extension_runs_no_longer_than_the_strategy_offers():
    state = case_at(dpd=10)
    ok = AgreePlan(kind="extension", first_due_date=TODAY + timedelta(days=30))
    state.check_plan(ok, NOW)
    late = rejection(state, ok.model_copy(update={"first_due_date": TODAY + timedelta(days=31)}))
    assert late.kind == "BeyondOfferHorizon"
    assert "at most 30 days" in str(late) and str(TODAY + timedelta(days=30)) in str(late)


def test_no_extension_for_high_risk_nor_in_the_late_stage():
    extension = AgreePlan(kind="extension", first_due_date=TODAY + timedelta(days=10))
    for state in (case_at(dpd=10, tier="high"), case_at(dpd=70)):
        assert rejection(state, extension).kind == "PlanNotOffered"


def test_instalments_only_over_the_offered_terms_of_the_stage():
    plan = AgreePlan(kind="instalments", first_due_date=TODAY + timedelta(days=7), instalments=6)
    early = case_at(dpd=10)
    refused = rejection(early, plan)
    assert refused.kind == "PlanNotOffered" and "stage early" in str(refused)

    mid = case_at(dpd=40)
    mid.check_plan(plan, NOW)
    odd = rejection(mid, plan.model_copy(update={"instalments": 5}))
    assert odd.kind == "PlanNotOffered" and "3, 6, 12, 24 months, not 5" in str(odd)
    longest = plan.model_copy(update={"instalments": 60})
    assert rejection(mid, longest).kind == "PlanNotOffered"


def test_hardship_opens_the_hardship_terms():
    state = case_at(dpd=10)
    state.report_hardship(ReportHardship(reason="illness"), NOW)
    plan = AgreePlan(kind="instalments", first_due_date=TODAY + timedelta(days=7), instalments=36)
    state.check_plan(plan, NOW)


def test_a_plan_years_ahead_is_refused():
    state = case_at(dpd=40)
    for command in (
        AgreePlan(kind="extension", first_due_date=TODAY.replace(year=2029)),
        AgreePlan(kind="instalments", first_due_date=TODAY.replace(year=2031), instalments=6),
    ):
        assert rejection(state, command).kind == "PlanDateTooFar"
