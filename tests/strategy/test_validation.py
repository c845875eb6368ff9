"""Each validation rule refuses a strategy with the exact field path and what is wrong."""

from collections.abc import Callable
from typing import Any

import pytest

from arrears.strategy import StrategyError, from_data
from tests.strategy.builders import default_data

Change = Callable[[dict[str, Any]], object]


def _parent(data: dict[str, Any], path: str) -> tuple[Any, Any]:
    """The container holding `path` (dots; integers index lists) and the last key."""
    *parents, last = [int(part) if part.isdigit() else part for part in path.split(".")]
    target: Any = data
    for part in parents:
        target = target[part]
    return target, last


def _set(path: str, value: object) -> Change:
    def change(data: dict[str, Any]) -> None:
        target, last = _parent(data, path)
        target[last] = value

    return change


def _drop(path: str) -> Change:
    def change(data: dict[str, Any]) -> None:
        target, last = _parent(data, path)
        del target[last]

    return change


CASES = [
    # Stages cover DPD from 0, contiguously, in increasing order, with unique names.
    pytest.param(
        _set("stages.2.from_dpd", 3),
        "stages[2].from_dpd: stages must be in increasing DPD order",
        id="increasing",
    ),
    pytest.param(
        _set("stages.0.from_dpd", 1),
        "stages[0].from_dpd: the first stage must start at DPD 0",
        id="from zero",
    ),
    pytest.param(
        _set("stages.0.requires_refusal", True),
        "stages[0].requires_refusal: the first stage cannot require a refusal",
        id="first needs nothing",
    ),
    pytest.param(
        _set("stages.3.name", "early"),
        "stages[3].name: stage 'early' is defined twice",
        id="unique names",
    ),
    pytest.param(
        lambda d: d["stages"].insert(4, d["stages"].pop(2)),
        "stages[4].name: stages run in the order reminder, early, mid, late, legal, write_off",
        id="canonical order",
    ),
    pytest.param(
        lambda d: d["stages"].pop(0),
        "stages[0].name: the first stage must be 'reminder', the grace period",
        id="reminder first",
    ),
    pytest.param(
        _set("stages.1.name", "gentle"),
        "stages[1].name: Input should be 'reminder', 'early', 'mid', 'late', 'legal' or "
        "'write_off'",
        id="known name",
    ),
    pytest.param(
        _set("grace_days", 5),
        "grace_days: must equal the reminder stage's last DPD (3)",
        id="grace",
    ),
    # Every tier has a cadence in every contact stage; channels are valid.
    pytest.param(
        _drop("stages.1.cadence.high"),
        "stages[1].cadence.high: required field is missing",
        id="tier cadence",
    ),
    pytest.param(
        _drop("stages.2.cadence"),
        "stages[2].cadence: a stage with contact: true needs one for each tier",
        id="contact cadence",
    ),
    pytest.param(
        lambda d: d["stages"][4].update(cadence=d["stages"][1]["cadence"]),
        "stages[4].cadence: a stage with contact: false needs none",
        id="no contact",
    ),
    pytest.param(
        _set("stages.0.cadence.low.0.channels", ["fax"]),
        "stages[0].cadence.low[0].channels[0]: Input should be 'sms', 'email' or 'call'",
        id="channel",
    ),
    pytest.param(
        _set("stages.0.cadence.low.0.channels", ["sms", "sms"]),
        "stages[0].cadence.low[0].channels: each channel may be listed once",
        id="channel once",
    ),
    pytest.param(
        _set("stages.0.cadence.low.0.channels", []),
        "stages[0].cadence.low[0].channels: List should have at least 1 item after validation, "
        "not 0",
        id="some channel",
    ),
    pytest.param(
        _set("stages.0.cadence.low.0.day", -1),
        "stages[0].cadence.low[0].day: Input should be greater than or equal to 0",
        id="day",
    ),
    pytest.param(
        _set("stages.1.cadence.low.0.every_days", 0),
        "stages[1].cadence.low[0].every_days: Input should be greater than 0",
        id="every",
    ),
    pytest.param(
        _set("stages.0.cadence.low.0.hour", 9),
        "stages[0].cadence.low[0].hour: unknown field",
        id="cadence field",
    ),
    # Percentages in basis points within 0..10000; plan months 1..max for the jurisdiction.
    pytest.param(
        _set("offers.interest_waiver.0.waiver_bp", 10_001),
        "offers.interest_waiver[0].waiver_bp: Input should be less than or equal to 10000",
        id="waiver high",
    ),
    pytest.param(
        _set("offers.interest_waiver.0.waiver_bp", -1),
        "offers.interest_waiver[0].waiver_bp: Input should be greater than or equal to 0",
        id="waiver low",
    ),
    pytest.param(
        _set("offers.interest_waiver.0.waiver_bp", 50.5),
        "offers.interest_waiver[0].waiver_bp: Input should be a valid integer",
        id="waiver float",
    ),
    pytest.param(
        _set("offers.instalment_plan.0.months", [0, 3]),
        "offers.instalment_plan[0].months[0]: Input should be greater than 0",
        id="plan months",
    ),
    pytest.param(
        _set("offers.instalment_plan.0.months", [6, 3]),
        "offers.instalment_plan[0].months: list each term once, in increasing order",
        id="plan order",
    ),
    pytest.param(
        _set("offers.instalment_plan.0.months", [3, 72]),
        "offers.instalment_plan[0].months[1]: longer than any plan_max_months",
        id="plan beyond max",
    ),
    pytest.param(
        _set("plan_max_months.CN", 61),
        "plan_max_months.CN: exceeds the legal maximum of 60 months",
        id="CN ceiling",
    ),
    pytest.param(
        _set("plan_max_months.XX", 12),
        "plan_max_months.XX: Input should be 'CN', 'US', 'UK' or 'EU'",
        id="jurisdiction",
    ),
    pytest.param(
        _set("plan_max_months", {}),
        "plan_max_months: Dictionary should have at least 1 item after validation, not 0",
        id="some plan limit",
    ),
    pytest.param(
        _set("offers.cashback", []),
        "offers.cashback: unknown field",
        id="offer kind",
    ),
    pytest.param(
        lambda d: d["offers"]["extension"][0].update(stages=["legal"]) or d["stages"].pop(4),
        "offers.extension[0].stages[0]: 'legal' is not a stage of this strategy",
        id="offer stage",
    ),
    pytest.param(
        _set("offers.extension.0.tiers", ["vip"]),
        "offers.extension[0].tiers[0]: Input should be 'low', 'medium' or 'high'",
        id="offer tier",
    ),
    pytest.param(
        _drop("offers.interest_waiver.0.waiver_bp"),
        "offers.interest_waiver[0].waiver_bp: required field is missing",
        id="waiver needed",
    ),
    # Escalation DPDs increase in the legal order, for every tier.
    pytest.param(
        _set("escalations.bureau_report.dpd.high", 60),
        "escalations.bureau_report.dpd.high: bureau_report must come after bureau_pre_notice",
        id="bureau order",
    ),
    pytest.param(
        _set("escalations.litigation_referral.dpd.medium", 70),
        "escalations.litigation_referral.dpd.medium: litigation_referral must come after "
        "lawyer_letter",
        id="legal order",
    ),
    pytest.param(
        _set("escalations.write_off.dpd.low", 100),
        "escalations.write_off.dpd.low: write_off must come after litigation_referral",
        id="write-off last",
    ),
    pytest.param(
        _set("escalations.bureau_report.after.wait_days", 30),
        "escalations.bureau_report.dpd.high: must be at least 91 (bureau_pre_notice plus the wait)",
        id="bureau wait",
    ),
    pytest.param(
        _drop("escalations.bureau_report.after"),
        "escalations.bureau_report.after: a bureau report must wait after the pre-notice",
        id="bureau notice",
    ),
    pytest.param(
        _drop("escalations.bureau_pre_notice"),
        "escalations.bureau_report.after.step: must name another escalation of this strategy",
        id="missing notice",
    ),
    pytest.param(
        _set("escalations.lawyer_letter.requires_refusal", False),
        "escalations.lawyer_letter.requires_refusal: the legal track is only for refusers",
        id="refusers only",
    ),
    pytest.param(
        _set("escalations.litigation_referral.blocked_by", ["hardship"]),
        "escalations.litigation_referral.blocked_by: every escalation must be held back by "
        "['dispute', 'plan', 'promise']",
        id="legal blockers",
    ),
    pytest.param(
        _set("escalations.write_off.blocked_by", []),
        "escalations.write_off.blocked_by: every escalation must be held back by "
        "['dispute', 'hardship', 'plan', 'promise']",
        id="write-off held back by agreements",
    ),
    pytest.param(
        _drop("escalations.write_off.dpd.medium"),
        "escalations.write_off.dpd.medium: required field is missing",
        id="tier dpd",
    ),
    pytest.param(
        _set("escalations.arrest", {"dpd": {"low": 1, "medium": 1, "high": 1}}),
        "escalations.arrest: Input should be 'bureau_pre_notice', 'bureau_report', "
        "'lawyer_letter', 'litigation_referral' or 'write_off'",
        id="step name",
    ),
    pytest.param(
        _set("escalations.write_off.blocked_by", ["weather"]),
        "escalations.write_off.blocked_by[0]: Input should be 'promise', 'plan', 'dispute' or "
        "'hardship'",
        id="blocker name",
    ),
    # Horizon and tolerance positive; numbers are never read from text or booleans.
    pytest.param(
        _set("promise_max_horizon_days", 0),
        "promise_max_horizon_days: Input should be greater than 0",
        id="horizon",
    ),
    pytest.param(
        _set("promise_tolerance_days", -2),
        "promise_tolerance_days: Input should be greater than 0",
        id="tolerance",
    ),
    pytest.param(
        _set("hardship_cooling_off_days", 0),
        "hardship_cooling_off_days: Input should be greater than 0",
        id="cooling-off",
    ),
    pytest.param(
        _set("stages.1.from_dpd", "4"),
        "stages[1].from_dpd: Input should be a valid integer",
        id="text number",
    ),
    pytest.param(
        _set("grace_days", True),
        "grace_days: Input should be a valid integer",
        id="boolean number",
    ),
    pytest.param(
        _drop("version"),
        "version: required field is missing",
        id="version",
    ),
    pytest.param(
        _set("version", "2026 November"),
        "version: String should match pattern '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$'",
        id="version text",
    ),
    pytest.param(
        _set("colour", "red"),
        "colour: unknown field",
        id="unknown",
    ),
]


@pytest.mark.parametrize(("change", "line"), CASES)
def test_each_rule_names_the_field_path_and_the_problem(change: Change, line: str) -> None:
    data = default_data()
    change(data)

    with pytest.raises(StrategyError) as caught:
        from_data(data, source="default.yaml")

    assert f"default.yaml: {line}" in str(caught.value).splitlines()


def test_the_default_data_itself_passes_every_rule() -> None:
    assert from_data(default_data(), source="default.yaml").version == "2026.12-1"
