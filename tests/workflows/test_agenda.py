"""When a case next has something to do: pure, on the case state, no Temporal."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from arrears.commands import OpenDispute, PromiseToPay
from arrears.contracts import RiskScore
from arrears.strategy import load_default
from arrears.workflows.agenda import LONGEST_SLEEP, next_due
from arrears.workflows.case_state import CaseState, PendingContact
from tests.factories import opening

STRATEGY = load_default()
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, clock: time = time(10)) -> datetime:
    return datetime.combine(day, clock, tzinfo=SHANGHAI).astimezone(UTC)


def case(dpd: int, today: date = date(2026, 3, 10), tier: str = "medium") -> CaseState:
    """A case opened at 10:00 Shanghai time `dpd` days past due, scored `tier`."""
    state = CaseState.open(opening(due_date=str(today - timedelta(days=dpd))), at(today), STRATEGY)
    state.risk = RiskScore(score=600, tier=tier, reasons=[])
    return state


def test_a_case_sleeps_until_its_next_contact_day_opens_for_contact() -> None:
    state = case(dpd=5)  # early, entered today; medium: sms every 7 days, e-mail day 3

    due = next_due(state, at(date(2026, 3, 10)))

    assert (due.at, due.kind) == (at(date(2026, 3, 13), time(8)), "contact_day")


def test_a_stage_change_comes_at_the_customers_midnight() -> None:
    state = case(dpd=29)  # early until DPD 30; mid from 31
    state.contacts_done.add("early.d0.sms")

    due = next_due(state, at(date(2026, 3, 10)))

    assert (due.at, due.kind) == (at(date(2026, 3, 12), time(0)), "stage_change")


def test_the_end_of_grace_is_named() -> None:
    due = next_due(case(dpd=1), at(date(2026, 3, 10)))

    # Due 9 March, three days' grace: early from DPD 4, 13 March.
    assert (due.at, due.kind) == (at(date(2026, 3, 13), time(0)), "grace_ends")


def test_an_active_promise_pauses_contact_until_its_tolerance_ends() -> None:
    state = case(dpd=10)
    now = at(date(2026, 3, 10))
    state.make_promise(
        PromiseToPay(promise_id="PR-1", amount=10_000, due_date=date(2026, 3, 12)), now
    )

    due = next_due(state, now)

    # Due 12 March, 2 days' tolerance: broken on the 15th unless paid; no contact before.
    assert (due.at, due.kind) == (at(date(2026, 3, 15), time(0)), "promise_deadline")


def test_an_escalation_day_wakes_the_case() -> None:
    # Late from DPD 61, entered yesterday; medium risk: SMS every 5 days from day 0, calls
    # every 5 days from day 1, so the next contact is on day 5. The bureau pre-notice for
    # medium risk falls at DPD 65, two days before it.
    state = case(dpd=62, tier="medium")
    state.contacts_done.update({"late.d0.email", "late.d0.sms"})
    state.stage_entered_on = date(2026, 3, 9)

    due = next_due(state, at(date(2026, 3, 10)))

    assert (due.at, due.kind) == (at(date(2026, 3, 13), time(0)), "escalation")  # DPD 65


def test_an_open_dispute_leaves_only_the_stage_change():
    state = case(dpd=10)  # early; contact every few days, bureau pre-notice at 65
    now = at(date(2026, 3, 10))
    state.open_dispute(OpenDispute(reason="amount_wrong"), now)

    due = next_due(state, now)

    assert (due.at, due.kind) == (at(date(2026, 3, 31), time(0)), "stage_change")  # DPD 31


def test_a_case_with_nothing_due_at_all_still_looks_at_itself_weekly():
    state = case(dpd=100)
    now = at(date(2026, 3, 10))
    state.open_dispute(OpenDispute(reason="fraud"), now)
    state.stage = "legal"  # the last stage before write-off for a refuser ...
    state.refused = True
    state.strategy = state.strategy.model_copy(  # ... in a strategy without write-off
        update={
            "stages": [s for s in STRATEGY.stages if s.name != "write_off"],
            "escalations": {},
        }
    )

    due = next_due(state, now)

    assert (due.at, due.kind) == (at(date(2026, 3, 10), time(0)) + LONGEST_SLEEP, "review")


def test_a_deferred_contact_is_waited_for() -> None:
    state = case(dpd=10)
    now = at(date(2026, 3, 10), time(23))
    morning = at(date(2026, 3, 11), time(8))
    state.pending_contacts.append(
        PendingContact(step_key="early.d6.sms", channel="sms", template="t", not_before=morning)
    )

    due = next_due(state, now)

    assert (due.at, due.kind) == (morning, "contact_sms")
