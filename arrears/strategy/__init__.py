"""Collection strategy as data: a versioned, validated file and the pure rules read from it.

`load_default()` and `load(path)` give a `Strategy`; `stage_for`, `contacts_due`,
`escalations_due`, `offers_for` and the rest answer what it says to do. Only the loader does
I/O; nothing here imports Temporal.
"""

from arrears.strategy.loader import StrategyError, from_data, load, load_default, loads
from arrears.strategy.model import Strategy
from arrears.strategy.offers import Offer, instalments, offers_for, validate_plan
from arrears.strategy.plan import (
    CaseFlags,
    ContactDue,
    EscalationDue,
    cadence_for,
    contacts_due,
    cooling_off_ends,
    escalations_due,
    first_call_day,
    next_contact_day,
    next_escalation_dpd,
    next_stage_dpd,
    promise_deadline,
    promise_horizon_ok,
    stage_for,
    stage_rule,
)

__all__ = [
    "CaseFlags",
    "ContactDue",
    "EscalationDue",
    "Offer",
    "Strategy",
    "StrategyError",
    "cadence_for",
    "contacts_due",
    "cooling_off_ends",
    "escalations_due",
    "first_call_day",
    "from_data",
    "instalments",
    "load",
    "load_default",
    "loads",
    "next_contact_day",
    "next_escalation_dpd",
    "next_stage_dpd",
    "offers_for",
    "promise_deadline",
    "promise_horizon_ok",
    "stage_for",
    "stage_rule",
    "validate_plan",
]
