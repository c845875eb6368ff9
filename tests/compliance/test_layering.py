"""Layering: the strictest rule wins, the winning layer's source is kept, the version names
every layer."""

from datetime import time

import pytest

from arrears.compliance import ProfileError, layer, profile_for
from tests.compliance.builders import cn, house, profile, uk, us


def test_layered_version_joins_the_layers() -> None:
    layered = profile_for("CN", house())
    assert layered.version == "CN@2026.1+house@3"
    assert layered.name == "CN"
    assert profile_for("US").version == "US@2026.1"


def test_layering_a_layered_profile_keeps_its_layers() -> None:
    extra = profile(name="desk", version="7", contacts_per_week={"limit": 9})
    assert layer(profile_for("CN", house()), extra).version == "CN@2026.1+house@3+desk@7"


def test_caps_take_the_minimum_and_keep_the_winners_source() -> None:
    lenient = profile(name="A", connected_calls_per_customer_per_day={"limit": 5})
    layered = layer(cn(), lenient)
    rule = layered.connected_calls_per_customer_per_day
    assert rule is not None and rule.limit == 3 and rule.layer == "CN"
    strict = profile(name="B", connected_calls_per_customer_per_day={"limit": 2, "source": "B 1"})
    rule = layer(cn(), strict).connected_calls_per_customer_per_day
    assert rule is not None and (rule.limit, rule.layer, rule.source) == (2, "B", "B 1")


def test_windows_intersect() -> None:
    narrow = profile(name="late", window={"opens": "09:30", "closes": "23:00"})
    window = layer(cn(), narrow).window
    assert window is not None
    assert (window.opens, window.closes) == (time(9, 30), time(22))
    assert window.layer == "late"
    assert "GB/T 45251-2025" in window.source and "test rule" in window.source
    assert window.agreed_window_allowed is False


def test_windows_that_do_not_overlap_cannot_be_layered() -> None:
    night = profile(name="night", window={"opens": "22:00", "closes": "23:00"})
    with pytest.raises(ProfileError, match="do not overlap"):
        profile_for("CN", night)


def test_quiet_days_take_the_maximum() -> None:
    longer = profile(name="H", quiet_days_after_conversation={"days": 10})
    rule = layer(us(), longer).quiet_days_after_conversation
    assert rule is not None and (rule.days, rule.layer) == (10, "H")


def test_vulnerability_pause_beats_soften_either_way() -> None:
    for layered in (layer(uk(), house()), layer(house(), uk())):
        assert layered.vulnerability is not None
        assert (layered.vulnerability.mode, layered.vulnerability.layer) == ("pause", "house")


def test_rules_of_either_layer_are_kept() -> None:
    layered = layer(cn(), us())
    assert layered.call_attempts_per_debt_rolling_7_days is not None
    assert layered.contact_persons is not None
    assert layered.window is not None and layered.window.closes == time(21)
    templates = layered.templates
    assert templates is not None and templates.opt_out_wording is not None
    assert templates.prohibited_wording is not None
    assert "borrow_elsewhere" in templates.prohibited_wording.categories
