"""The contact-compliance gate: jurisdiction profiles as data and the pure rules that decide
whether a proposed contact may go now.

Pure: no Temporal or database import. The gate activity (`arrears.activities.gate`) reads
the customer's contact ledger and facts, asks `decide`, and reserves the slot in the same
transaction.
"""

from arrears.compliance.facts import (
    ContactPoint,
    CustomerFacts,
    LedgerEntry,
    ProposedContact,
)
from arrears.compliance.gate import decide
from arrears.compliance.verdicts import Verdict

__all__ = [
    "ContactPoint",
    "CustomerFacts",
    "LedgerEntry",
    "ProposedContact",
    "Verdict",
    "decide",
]
