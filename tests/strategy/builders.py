"""Builders for strategy tests: the default strategy as plain data, ready to be changed."""

from importlib import resources
from typing import Any

import yaml

from arrears.contracts import Balance


def default_data() -> dict[str, Any]:
    """A fresh copy of the default strategy as parsed data, for a test to change."""
    text = resources.files("arrears.strategy").joinpath("default.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def balance(principal: int, interest: int = 0, fees: int = 0) -> Balance:
    return Balance(
        principal=principal, interest=interest, fees=fees, total=principal + interest + fees
    )
