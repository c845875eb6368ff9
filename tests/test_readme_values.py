"""The README's "Accepted values" lists every value of every enumerated field of the API:
each named there exactly as the code's Literal types have it, and no enumeration of the
OpenAPI document left out."""

import re
from pathlib import Path
from typing import Any, get_args

import pytest

from arrears.api.main import create_app
from arrears.case_audit import Verdict
from arrears.commands import (
    AdjustBalance,
    AdjustmentReason,
    AgreePlan,
    ContactResult,
    DelinquencyReason,
    HardshipReason,
    OpenDispute,
    ResolveDispute,
    ReversalReason,
    StartBreathingSpace,
    VulnerabilityKind,
)
from arrears.contracts import (
    CaseStatus,
    Channel,
    CloseCase,
    ClosedReason,
    ContactRelation,
    Jurisdiction,
    Plan,
    Promise,
    RiskTier,
    Stage,
)
from arrears.customers import FactName
from arrears.settings import Role, Settings
from arrears.strategy.model import ReasonPath
from tests.factories import TEST_API_KEYS, TEST_ENCRYPTION_KEYS

README = Path(__file__).resolve().parents[1] / "README.md"


def _values(literal: Any) -> set[str]:
    return set(get_args(literal))


# Each row of the section (by the words before its parenthesis) and the Literal it lists.
ROWS: dict[str, set[str]] = {
    "role": _values(Role),
    "jurisdiction": _values(Jurisdiction),
    "case status": _values(CaseStatus),
    "stage": _values(Stage),
    "closed reason": _values(ClosedReason),
    "recall reason": _values(CloseCase.model_fields["reason"].annotation),
    "risk tier": _values(RiskTier),
    "channel": _values(Channel),
    "channels to cease": _values(Channel) | {"all"},
    "hardship reason": _values(HardshipReason),
    "plan kind": _values(AgreePlan.model_fields["kind"].annotation),
    "plan status": _values(Plan.model_fields["status"].annotation),
    "promise status": _values(Promise.model_fields["status"].annotation),
    "dispute reason": _values(OpenDispute.model_fields["reason"].annotation),
    "dispute outcome": _values(ResolveDispute.model_fields["outcome"].annotation),
    "contact outcome": _values(ContactResult),
    "delinquency reason": _values(DelinquencyReason),
    "vulnerability kind": _values(VulnerabilityKind),
    "Breathing Space kind": _values(StartBreathingSpace.model_fields["kind"].annotation),
    "reason path": _values(ReasonPath),
    "customer fact": _values(FactName),
    "contact person relation": _values(ContactRelation),
    "`Idempotent-Replayed`": {"true"},
    "adjustment component": _values(AdjustBalance.model_fields["component"].annotation),
    "adjustment direction": _values(AdjustBalance.model_fields["direction"].annotation),
    "adjustment reason": _values(AdjustmentReason),
    "reversal reason": _values(ReversalReason),
    "audit verdict": _values(Verdict),
}


def readme_rows() -> dict[str, set[str]]:
    """The section's table: row name (the words before its parenthesis) → its values."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Accepted values", 1)[1]
    section = re.split(r"\n#{2,3} ", section, maxsplit=1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 2 or cells[0] in {"field", "---"}:
            continue
        name = cells[0].split("(")[0].strip()
        rows[name] = set(re.findall(r"`([^`]+)`", cells[1]))
    return rows


@pytest.mark.parametrize("name", sorted(ROWS))
def test_the_readme_lists_exactly_the_values_the_code_accepts(name: str):
    rows = readme_rows()
    assert name in rows, f"README: no row {name!r} in 'Accepted values'"
    assert rows[name] == ROWS[name], name


def _enumerations(node: Any, where: str = "") -> list[tuple[str, set[str]]]:
    """Every `enum` (and single-value `const`) in an OpenAPI document, with its location."""
    found = []
    if isinstance(node, dict):
        if "enum" in node:
            found.append((where, {str(value) for value in node["enum"]}))
        if "const" in node:
            found.append((where, {str(node["const"])}))
        for key, child in node.items():
            found += _enumerations(child, f"{where}/{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _enumerations(child, f"{where}/{index}")
    return found


def test_every_enumeration_of_the_api_is_in_the_readme():
    keys = ",".join(f"{key}={role}" for role, key in TEST_API_KEYS.items())
    app = create_app(Settings(arrears_api_keys=keys, arrears_encryption_keys=TEST_ENCRYPTION_KEYS))
    enumerations = _enumerations(app.openapi())
    assert enumerations, "the document has no enumeration: the walk is broken"
    rows = readme_rows().values()
    missing = [
        (where, sorted(values))
        for where, values in enumerations
        if not any(values <= row for row in rows)
    ]
    assert not missing, f"README 'Accepted values' lacks: {missing}"
