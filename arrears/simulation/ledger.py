"""The contact ledger of a simulation: per customer, across all of their loans, in memory.

What `contact_attempts` is in PostgreSQL, for the simulated send: every contact reserved is
an entry; an agent's call outcome (a `contact_outcome` event the case synced) lands on the
newest call of that loan and contact point that has none, or is an entry of its own (a call
the agent made outside a task). Reserving is synchronous, so two cases of one customer in
one simulation cannot both take the last slot. Which of them gets it, when both ask in the
same minute, may differ from run to run.
"""

from collections import defaultdict
from datetime import datetime

from arrears.compliance import LedgerEntry
from arrears.compliance.facts import Channel
from arrears.contact_gate import LEDGER_OUTCOMES
from arrears.simulation.scenario import to_minute


class SimulatedLedger:
    def __init__(self) -> None:
        self._entries: dict[str, list[LedgerEntry]] = defaultdict(list)

    def entries(self, customer_id: str) -> list[LedgerEntry]:
        """The customer's contacts on every loan, oldest first."""
        return list(self._entries[customer_id])

    def reserve(
        self, customer_id: str, loan_id: str, channel: Channel, point: str, at: datetime
    ) -> None:
        """A contact sent at `at`, kept to its minute (the simulator's resolution): a
        deferral counted from it then names a whole minute on every run."""
        kind = "call" if channel == "call" else "message"
        entry = LedgerEntry(to_minute(at), loan_id, channel, point, kind)
        self._entries[customer_id].append(entry)

    def record_outcome(
        self, customer_id: str, loan_id: str, outcome: str, point: str, at: datetime
    ) -> None:
        """An agent's call outcome at `at`: on the newest open call of the loan and contact
        point reserved by then (dated `at` from now on), or a call entry of its own."""
        entries = self._entries[customer_id]
        at = to_minute(at)
        result = LEDGER_OUTCOMES.get(outcome)
        if result is None:
            return
        for index in range(len(entries) - 1, -1, -1):
            entry = entries[index]
            if (
                entry.kind == "call"
                and entry.loan_id == loan_id
                and entry.contact_point == point
                and entry.outcome is None
                and entry.at <= at
            ):
                # The call happened when its outcome says, not when its task was made.
                entries[index] = LedgerEntry(at, loan_id, entry.channel, point, "call", result)
                entries.sort(key=lambda e: e.at)
                return
        entries.append(LedgerEntry(at, loan_id, "call", point, "call", outcome=result))
        entries.sort(key=lambda e: e.at)
