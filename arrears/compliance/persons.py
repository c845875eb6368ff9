"""Contact persons: someone the debtor named, contacted only to restore contact with them.

Pure. CN (GB/T 45251-2025; China Banking Association guideline): a contact person may be
contacted only when the debtor is lost, is never told of the debt, and is not contacted
again after refusing. A profile without the rule allows no contact person at all.
"""

from datetime import date, timedelta

from arrears.compliance.asks import Ask
from arrears.compliance.facts import LedgerEntry
from arrears.compliance.verdicts import Verdict

PERSON_PREFIX = "person:"
DEBTOR_PHONE = "phone"
FAILED = frozenset({"unanswered", "wrong_number"})


def contact_person(ask: Ask) -> Verdict | None:
    """A proposal to `person:<ref>`, or one with purpose `restore_contact`: allowed only to
    restore contact, with a person who has not refused, while the debtor is lost."""
    proposed = ask.proposed
    to_person = proposed.contact_point.startswith(PERSON_PREFIX)
    if not to_person and proposed.purpose != "restore_contact":
        return None
    if not to_person:
        return ask.block("gate.restore_contact_to_debtor", "restore_contact goes to a person")
    if proposed.purpose != "restore_contact":
        return ask.block(
            "gate.contact_person_purpose", "a contact person is contacted only to restore contact"
        )
    rule = ask.profile.contact_persons
    if rule is None:
        return ask.block("gate.contact_person_not_allowed", "the profile allows no contact person")
    if any(
        e.contact_point == proposed.contact_point and e.outcome == "refused" for e in ask.ledger
    ):
        return ask.block(
            ask.profile.rule_id(rule, "contact_person_refused"), "the contact person refused"
        )
    if debtor_lost(ask, rule.failed_attempts, rule.unreachable_days):
        return None
    return ask.block(
        ask.profile.rule_id(rule, "contact_person_not_lost"),
        "the debtor is not lost: their phone is valid and answers",
    )


def debtor_lost(ask: Ask, failed_attempts: int, unreachable_days: int) -> bool:
    """Whether the debtor counts as lost today: their phone is invalid; or today is after
    the day on which `failed_attempts` consecutive call attempts to it had failed; or the
    `unreachable_days` local days before today each had only failed attempts."""
    if DEBTOR_PHONE in ask.facts.invalid_points:
        return True
    attempts = _phone_attempts(ask)
    return _failed_in_a_row(ask, attempts, failed_attempts) or _unreachable_days(
        ask, attempts, unreachable_days
    )


def _phone_attempts(ask: Ask) -> list[LedgerEntry]:
    """Call attempts to the debtor's phone before today's end, with a known outcome, oldest
    first."""
    return sorted(
        (
            e
            for e in ask.ledger
            if e.kind == "call"
            and e.contact_point == DEBTOR_PHONE
            and e.outcome is not None
            and e.at <= ask.at
        ),
        key=lambda e: e.at,
    )


def _failed_in_a_row(ask: Ask, attempts: list[LedgerEntry], needed: int) -> bool:
    """The newest attempts, back to the last that did not fail, hold `needed` failures,
    the one that made `needed` falling on a day before today."""
    streak: list[LedgerEntry] = []
    for entry in reversed(attempts):
        if entry.outcome not in FAILED:
            break
        streak.append(entry)
    if len(streak) < needed:
        return False
    reached = streak[-needed]
    return ask.day_of(reached) < ask.today


def _unreachable_days(ask: Ask, attempts: list[LedgerEntry], needed: int) -> bool:
    by_day: dict[date, list[LedgerEntry]] = {}
    for entry in attempts:
        by_day.setdefault(ask.day_of(entry), []).append(entry)
    days = [ask.today - timedelta(days=k) for k in range(1, needed + 1)]
    return all(day in by_day and all(e.outcome in FAILED for e in by_day[day]) for day in days)
