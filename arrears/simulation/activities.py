"""The case workflow's activities for a simulation: real names, no outside system.

Deterministic: the same request always gets the same answer, so a scenario gives the same
timeline on every run. Risk is scored with the real scorecard from what the scenario says
about the case; a notification comes out as the real one would (`send`); hand-offs succeed
at once; what a case syncs is kept in memory, as Postgres would keep it.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from temporalio import activity

from arrears import scorecard
from arrears.compliance import CustomerFacts, ProposedContact, Verdict, decide
from arrears.compliance.facts import point_of
from arrears.compliance.profile import Profile
from arrears.contact_gate import FLAGGED_ON_ANOTHER_LOAN, candidate_timezones
from arrears.contracts import (
    CaseOpening,
    CaseSync,
    HandOff,
    NotificationRequest,
    NotificationResult,
    RiskScore,
    ScoreRequest,
    TimelineEvent,
)
from arrears.simulation.ledger import SimulatedLedger
from arrears.simulation.profiles import gate_profile
from arrears.workflows.compliance import check_contact_time


@dataclass(frozen=True)
class CaseFacts:
    """What the scorecard and the channels need beyond the request, which Postgres would
    otherwise give."""

    other_cases: int
    """Other cases of the same customer in the scenario; all of them open at the start."""
    has_phone: bool
    has_email: bool
    phone_zones: tuple[str, ...] = ()
    """The zones of a US phone number's area code (`contact_gate.candidate_timezones`)."""


def case_facts(openings: Iterable[CaseOpening]) -> dict[str, CaseFacts]:
    """What the scorecard needs about each case of a portfolio, by loan_id."""
    openings = list(openings)
    per_customer = Counter(o.customer.customer_id for o in openings)
    return {
        o.loan_id: CaseFacts(
            other_cases=per_customer[o.customer.customer_id] - 1,
            has_phone=o.customer.phone is not None,
            has_email=o.customer.email is not None,
            phone_zones=candidate_timezones(None, o.jurisdiction, o.customer.phone),
        )
        for o in openings
    }


class SimulatedActivities:
    """Every activity the case workflow calls, for cases described by `facts`."""

    def __init__(self, facts: Mapping[str, CaseFacts], overlay: Profile | None = None) -> None:
        self._facts = facts
        self._overlay = overlay
        self._synced: dict[str, dict[int, TimelineEvent]] = defaultdict(dict)
        self.ledger = SimulatedLedger()
        self._protections: dict[str, tuple[str, bool, frozenset[str], frozenset[str]]] = {}
        """By loan, as each case last synced: its customer, whether it is open and flagged
        vulnerable, its invalid contact points and stopped channels (`cases` in PostgreSQL)."""

    @activity.defn(name="sync_case")
    async def sync_case(self, sync: CaseSync) -> None:
        """Keep each timeline event by its position, once, as the audit table does; an
        agent's call outcome counts toward the customer's contact ledger."""
        loan_id = sync.view.loan_id
        view = sync.view
        self._protections[loan_id] = (
            sync.customer_id,
            view.status == "open" and view.vulnerability is not None,
            frozenset(view.invalid_contact_points) if view.status == "open" else frozenset(),
            frozenset(view.ceased_channels) if view.status == "open" else frozenset(),
        )
        synced = self._synced[loan_id]
        for recorded in sync.events:
            if recorded.seq in synced:
                continue
            synced[recorded.seq] = event = recorded.event
            if event.type == "contact_outcome":
                fields = event.model_extra or {}
                self.ledger.record_outcome(
                    sync.customer_id,
                    loan_id,
                    fields.get("outcome", ""),
                    fields.get("contact_point") or "phone",
                    event.at,
                )

    def synced_timeline(self, loan_id: str) -> list[TimelineEvent]:
        """The case's timeline as it synced it, oldest first. A case syncs everything it
        recorded before it waits and before it completes."""
        synced = self._synced.get(loan_id, {})
        return [synced[seq] for seq in range(len(synced))]

    @activity.defn(name="score_risk")
    async def score_risk(self, request: ScoreRequest) -> RiskScore:
        facts = self._facts[request.loan_id]
        return scorecard.score(
            scorecard.ScoreFacts(
                total_due=request.due.total,
                dpd=request.dpd,
                other_open_cases=facts.other_cases,
                past_cases=0,
                past_written_off=0,
                has_phone=facts.has_phone,
                has_email=facts.has_email,
            )
        )

    @activity.defn(name="send_notification")
    async def send(self, request: NotificationRequest) -> NotificationResult:
        """What the real send (`activities.notifications.Notifier.send`) answers, with the
        scenario as the customer records:

        - with the gate's facts, the contact gate's verdict at the attempt's scheduled time
          (the server's clock, as the real send reads it on a time-skipping server) over the
          customer's ledger: `deferred` or `blocked` with `rule` and `profile`;
        - without them, `deferred` with `until` and `rule` when the contact window is closed;
        - `skipped` with `no <channel> address on file` when the customer has no phone
          (sms) or no e-mail (email), `no phone on file` for a call to a debtor with no
          phone: it takes no slot in the ledger;
        - `sent` otherwise (an agent call: the task is the delivery), named by `message_id` =
          the idempotency key, with the gate's `rule` and `profile` when it was asked.
        """
        key, channel = request.idempotency_key, request.channel
        scheduled = activity.info().current_attempt_scheduled_time
        verdict: Verdict | None = None
        if request.gate is not None and request.timezone and request.jurisdiction:
            verdict = self._ask_the_gate(request, scheduled)
            if not verdict.allowed:
                return NotificationResult(
                    idempotency_key=key,
                    channel=channel,
                    status="deferred" if verdict.decision == "defer" else "blocked",
                    until=verdict.until,
                    rule=verdict.rule,
                    profile=verdict.profile,
                    detail=verdict.detail or None,
                )
        elif request.timezone is not None and request.jurisdiction is not None:
            window = check_contact_time(scheduled, request.timezone, request.jurisdiction)
            if not window.allowed:
                return NotificationResult(
                    idempotency_key=key,
                    channel=channel,
                    status="deferred",
                    until=window.until,
                    rule=window.rule,
                    detail="contact window closed at the moment of sending",
                )
        facts = self._facts[request.loan_id]
        person = request.gate is not None and (request.gate.contact_point or "").startswith(
            "person:"
        )
        if not person and not (facts.has_email if channel == "email" else facts.has_phone):
            # Undelivered (no agent can call a debtor with no phone on file): it takes no
            # slot in the customer's ledger.
            return NotificationResult(
                idempotency_key=key,
                channel=channel,
                status="skipped",
                detail="no phone on file" if channel == "call" else f"no {channel} address on file",
            )
        gated: dict[str, str] = {}
        if verdict is not None:
            assert request.gate is not None
            point = request.gate.contact_point or point_of(channel)
            self.ledger.reserve(request.customer_id, request.loan_id, channel, point, scheduled)
            gated = {"rule": verdict.rule, "profile": verdict.profile}
        return NotificationResult(
            idempotency_key=key,
            channel=channel,
            status="sent",
            # A call is made by an agent: the task is the delivery.
            detail="agent call task created" if channel == "call" else None,
            message_id=key,
            **gated,
        )

    def _ask_the_gate(self, request: NotificationRequest, now: datetime) -> Verdict:
        """The gate's verdict on the customer's ledger, as the real send asks it."""
        gate, channel = request.gate, request.channel
        assert gate is not None and request.timezone and request.jurisdiction
        profile = gate_profile(request.jurisdiction, self._overlay)
        point = gate.contact_point or point_of(channel)
        # What the customer's other open cases recorded protects this loan too.
        others = [
            p
            for loan, p in self._protections.items()
            if p[0] == request.customer_id and loan != request.loan_id
        ]
        vulnerability = gate.vulnerability or (
            FLAGGED_ON_ANOTHER_LOAN if any(p[1] for p in others) else None
        )
        invalid = frozenset(gate.invalid_points).union(*(p[2] for p in others))
        opted_out = frozenset(gate.opted_out).union(*(p[3] for p in others))
        return decide(
            profile,
            CustomerFacts(
                timezones=(
                    request.timezone,
                    *(z for z in self._facts[request.loan_id].phone_zones if z != request.timezone),
                ),
                jurisdiction=request.jurisdiction,
                vulnerability=vulnerability,
                breathing_space_until=gate.breathing_space_until,
                opted_out=opted_out,
                invalid_points=invalid,
            ),
            self.ledger.entries(request.customer_id),
            ProposedContact(request.loan_id, channel, point, gate.purpose),
            now,
        )

    @activity.defn(name="hand_off_escalation")
    async def hand_off(self, handoff: HandOff) -> None:
        """The bureau and the legal team take every hand-off."""

    @property
    def all(self) -> list[Callable[..., Any]]:
        return [self.sync_case, self.score_risk, self.send, self.hand_off]
