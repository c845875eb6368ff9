"""The loader: shipped profiles, and every problem of a bad file named with its path."""

import json
from pathlib import Path
from typing import get_args

import pytest

from arrears.compliance import ProfileError, check_file, jurisdiction_profile, load
from arrears.compliance.loader import loads
from arrears.contracts import Jurisdiction
from tests.compliance.builders import HOUSE_FILE, PROFILES


@pytest.mark.parametrize("code", get_args(Jurisdiction))
def test_every_jurisdiction_ships_a_profile_with_sourced_rules(code: str) -> None:
    profile = jurisdiction_profile(code)
    assert profile.name == code
    assert profile.window is not None
    assert profile.window.source and profile.window.effective


def test_unknown_jurisdiction_is_refused() -> None:
    with pytest.raises(ProfileError, match="no profile ships for jurisdiction 'XX'"):
        jurisdiction_profile("XX")


def test_shipped_files_check_clean() -> None:
    for file in sorted(PROFILES.glob("*.yaml")):
        assert check_file(file) == [], file


def test_problems_name_source_path_and_what_is_wrong(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: X\n"
        "version: 1.0\n"
        "window:\n"
        "  source: ''\n"
        "  effective: 2026-01-01\n"
        "  opens: 8:00\n"
        "  closes: '07:00'\n"
        "contacts_per_week:\n"
        "  source: s\n"
        "  effective: 2026-01-01\n"
        "  limit: 0\n"
        "  extra: 1\n",
        encoding="utf-8",
    )
    problems = check_file(bad)
    assert f"{bad}: version: must be a string (quote it)" in problems
    assert f"{bad}: window.opens: write a clock time as a quoted 'HH:MM' string" in problems
    assert any(p.startswith(f"{bad}: window.source:") for p in problems)
    assert any(p.startswith(f"{bad}: contacts_per_week.limit:") for p in problems)
    assert f"{bad}: contacts_per_week.extra: unknown field" in problems


def test_coherence_problems_are_reported_together() -> None:
    text = json.dumps(
        {
            "name": "X",
            "version": "1",
            "window": {
                "source": " ",
                "effective": "2026-01-01",
                "opens": "21:00",
                "closes": "08:00",
            },
            "vulnerability": {
                "source": "s",
                "effective": "2026-01-01",
                "mode": "pause",
                "contacts_per_week": 2,
            },
        }
    )
    with pytest.raises(ProfileError) as raised:
        loads(text, source="x.json")
    assert str(raised.value).splitlines() == [
        "x.json: window.source: name the regulation and article",
        "x.json: window.closes: the window must close after it opens, the same day",
        "x.json: vulnerability.contacts_per_week: only mode 'soften' has a weekly cap",
    ]


def test_duplicate_keys_and_wrong_suffix_are_refused(tmp_path: Path) -> None:
    dup = tmp_path / "dup.yaml"
    dup.write_text("name: X\nname: Y\nversion: '1'\n", encoding="utf-8")
    assert "duplicate key 'name'" in check_file(dup)[0]
    txt = tmp_path / "p.txt"
    txt.write_text("{}", encoding="utf-8")
    assert check_file(txt) == [f"{txt}: a profile file ends in .yaml, .yml or .json"]


def test_version_with_layer_marks_is_refused_in_a_file() -> None:
    with pytest.raises(ProfileError, match="version: letters, digits"):
        loads("name: X\nversion: 'a@1'\n")


def test_layer_cannot_be_set_in_a_file() -> None:
    text = "name: X\nversion: '1'\nopt_out: {source: s, effective: 2026-01-01, layer: CN}\n"
    with pytest.raises(ProfileError, match=r"opt_out\.layer: set from the profile's name"):
        loads(text)


def test_load_reads_the_house_example() -> None:
    house = load(HOUSE_FILE)
    assert house.contacts_per_week is not None and house.contacts_per_week.limit == 5
