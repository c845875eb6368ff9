"""The contact-compliance gate: jurisdiction profiles as data and the pure rules that decide
whether a proposed contact may go now.

Pure: no Temporal or database import; only `loader` reads files (the shipped profiles in
`profiles/`, or a house policy). The gate activity (`arrears.contact_gate`) reads the
customer's contact ledger and facts, asks `decide`, and reserves the slot in the same
transaction.
"""

from arrears.compliance.facts import (
    ContactPoint,
    CustomerFacts,
    LedgerEntry,
    ProposedContact,
    point_of,
)
from arrears.compliance.gate import decide
from arrears.compliance.layering import LayeringError, layer
from arrears.compliance.lint import LintProblem, lint, lint_directory
from arrears.compliance.loader import (
    ProfileError,
    check_file,
    jurisdiction_profile,
    load,
    profile_for,
)
from arrears.compliance.profile import Profile
from arrears.compliance.verdicts import Verdict

__all__ = [
    "ContactPoint",
    "CustomerFacts",
    "LayeringError",
    "LedgerEntry",
    "LintProblem",
    "Profile",
    "ProfileError",
    "ProposedContact",
    "Verdict",
    "check_file",
    "decide",
    "jurisdiction_profile",
    "layer",
    "lint",
    "lint_directory",
    "load",
    "point_of",
    "profile_for",
]
