"""Every command, delivered while every kind of activity is in flight.

The case awaits an activity (scoring, a message, a hand-off, a sync); a command lands; the
activity is released. Whatever the command, no workflow task fails, the timeline matches
the state, every payment is applied once, and nothing starts that the command forbids:
no contact or hand-off once collection is paused or the case closed, no message on a
ceased channel. The message or hand-off already in flight may complete (it left before the
command): what is checked is that nothing new starts.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pytest
from temporalio.client import WorkflowHandle

from arrears.commands import (
    AdjustBalance,
    AgreePlan,
    CeaseContact,
    ClearVulnerability,
    FlagVulnerability,
    OpenDispute,
    PromiseToPay,
    RecordContactOutcome,
    ReportHardship,
    ResolveDispute,
    ReversePayment,
    StartBreathingSpace,
    StrategyMigration,
)
from arrears.contracts import CloseCase, Customer, Payment
from arrears.strategy import Strategy, load_default
from arrears.workflows.case import CollectionCase
from tests.strategy.builders import default_data
from tests.workflows.blocking import KINDS
from tests.workflows.harness import (
    SHANGHAI,
    CaseRunner,
    eventually,
    local_today,
    sleep_until_local,
)
from tests.workflows.story import ESCALATION_OF_EVENT, assert_case_is_sound, idle

STRATEGY = load_default()
OWED = 500_000 + 12_000


def next_version() -> Strategy:
    data = default_data()
    data["version"] = "2027.01-race"
    data["stages"][2]["from_dpd"] = 15
    return Strategy.model_validate(data)


Send = Callable[[WorkflowHandle, date], Awaitable[None]]


@dataclass(frozen=True)
class Command:
    send: Send
    quiet: bool = False
    """Once taken, the case starts no contact, no hand-off and no escalation (paused or
    closed)."""
    ceased: frozenset[str] = field(default_factory=frozenset)
    """Once taken, no message starts on these channels."""
    opening: dict = field(default_factory=dict)
    """What the case opens with besides the usual (a UK case for a Breathing Space)."""


async def _update(handle: WorkflowHandle, update, arg) -> None:
    await handle.execute_update(update, arg)


async def _signal(handle: WorkflowHandle, signal, arg, event: str) -> None:
    await handle.signal(signal, arg)
    # A signal is taken on the case's next workflow task, which runs while the activity
    # is still held: wait until the case has recorded it.
    for _ in range(250):
        timeline = (await handle.query(CollectionCase.timeline)).events
        if any(e.type == event for e in timeline):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"signal not taken: no {event}")


async def _dispute_rejected(handle: WorkflowHandle, today: date) -> None:
    """A dispute opened and rejected while the activity is in flight: collection resumes."""
    await _update(handle, CollectionCase.open_dispute, OpenDispute(reason="fraud"))
    await _update(handle, CollectionCase.resolve_dispute, ResolveDispute(outcome="rejected"))


async def _pay_twice(handle: WorkflowHandle, today: date) -> None:
    """The same part payment by signal and by update: applied once."""
    payment = Payment(payment_id="P-part", amount=10_000)
    await _signal(handle, CollectionCase.payment_received, payment, "payment_applied")
    await _update(handle, CollectionCase.record_payment, payment)


async def _dispute_upheld(handle: WorkflowHandle, today: date) -> None:
    """Not the customer's debt: the upheld dispute closes the case."""
    await _update(handle, CollectionCase.open_dispute, OpenDispute(reason="not_my_debt"))
    await _update(handle, CollectionCase.resolve_dispute, ResolveDispute(outcome="upheld"))


async def _pay_and_reverse(handle: WorkflowHandle, today: date) -> None:
    """A part payment that is returned: what it paid is owed again, collection goes on."""
    payment = Payment(payment_id="P-back", amount=100_000)
    await _update(handle, CollectionCase.record_payment, payment)
    reversal = ReversePayment(payment_id="P-back", reason="returned")
    await _update(handle, CollectionCase.reverse_payment, reversal)


async def _vulnerable_then_cleared(handle: WorkflowHandle, today: date) -> None:
    await _update(handle, CollectionCase.flag_vulnerability, FlagVulnerability(kind="illness"))
    await _update(handle, CollectionCase.clear_vulnerability, ClearVulnerability())


async def _customer_moves(handle: WorkflowHandle, today: date) -> None:
    """The customer's phone and e-mail go and their zone changes (the `update_customer`
    signal `PUT /v1/customers/{id}` sends); the send finds no address and skips."""
    customer = Customer(customer_id="C-77", name="张三", timezone="Asia/Urumqi")
    await _signal(handle, CollectionCase.update_customer, customer, "customer_updated")


UK = {"jurisdiction": "UK", "currency": "GBP", "phone": "+447700900123"}


COMMANDS: dict[str, Command] = {
    "payment_in_full_by_update": Command(
        lambda h, d: _update(
            h, CollectionCase.record_payment, Payment(payment_id="P-1", amount=OWED)
        ),
        quiet=True,
    ),
    "payment_in_full_by_signal": Command(
        lambda h, d: _signal(
            h,
            CollectionCase.payment_received,
            Payment(payment_id="P-1", amount=OWED),
            "case_closed",
        ),
        quiet=True,
    ),
    "part_payment_by_signal_and_update": Command(_pay_twice),
    "promise_by_update": Command(
        lambda h, d: _update(
            h,
            CollectionCase.promise_to_pay,
            PromiseToPay(promise_id="PR-1", amount=50_000, due_date=d + timedelta(days=5)),
        ),
        quiet=True,
    ),
    "promise_by_signal": Command(
        lambda h, d: _signal(
            h,
            CollectionCase.promise_received,
            PromiseToPay(promise_id="PR-1", amount=50_000, due_date=d + timedelta(days=5)),
            "promise_made",
        ),
        quiet=True,
    ),
    "hardship": Command(
        lambda h, d: _update(h, CollectionCase.report_hardship, ReportHardship(reason="illness")),
        quiet=True,
    ),
    "plan": Command(
        lambda h, d: _update(
            h,
            CollectionCase.agree_plan,
            AgreePlan(kind="instalments", first_due_date=d + timedelta(days=7), instalments=3),
        ),
        quiet=True,
    ),
    "dispute": Command(
        lambda h, d: _update(h, CollectionCase.open_dispute, OpenDispute(reason="amount_wrong")),
        quiet=True,
    ),
    "dispute_opened_and_rejected": Command(_dispute_rejected),
    "cease_sms_and_email": Command(
        lambda h, d: _update(
            h, CollectionCase.cease_contact, CeaseContact(channels=["sms", "email"])
        ),
        ceased=frozenset({"sms", "email"}),
    ),
    "cease_all": Command(
        lambda h, d: _update(h, CollectionCase.cease_contact, CeaseContact(channels="all")),
        ceased=frozenset({"sms", "email", "call"}),
    ),
    "refused_to_pay": Command(
        lambda h, d: _update(
            h, CollectionCase.record_contact_outcome, RecordContactOutcome(outcome="refused_to_pay")
        ),
    ),
    "strategy_migration": Command(
        lambda h, d: _update(
            h,
            CollectionCase.migrate_strategy,
            StrategyMigration(strategy=next_version(), change_ref="CHG-race"),
        ),
    ),
    "recall": Command(lambda h, d: _update(h, CollectionCase.close, CloseCase()), quiet=True),
    "dispute_upheld_closes": Command(_dispute_upheld, quiet=True),
    "payment_reversed": Command(_pay_and_reverse),
    "adjustment": Command(
        lambda h, d: _update(
            h,
            CollectionCase.adjust_balance,
            AdjustBalance(
                adjustment_id="A-1",
                component="interest",
                direction="credit",
                amount=2_000,
                reason="goodwill",
                reference="REF-1",
            ),
        )
    ),
    "wrong_number": Command(
        lambda h, d: _update(
            h, CollectionCase.record_contact_outcome, RecordContactOutcome(outcome="wrong_number")
        ),
        ceased=frozenset({"sms"}),
    ),
    "vulnerability_flagged_and_cleared": Command(_vulnerable_then_cleared),
    "customer_update": Command(_customer_moves),
    "breathing_space": Command(
        lambda h, d: _update(
            h,
            CollectionCase.start_breathing_space,
            StartBreathingSpace(kind="standard", started_on=d, reference="BS-1"),
        ),
        quiet=True,
        opening=UK,
    ),
}


def escalations(timeline) -> int:
    return sum(1 for e in timeline if e.type in ESCALATION_OF_EVENT or e.type == "case_closed")


async def _bring_to(runner: CaseRunner, kind: str, opening: dict) -> tuple[WorkflowHandle, date]:
    """Start a case and hold the first activity of `kind` in flight; returns the case and
    the customer's day. Scoring, the first sync and the first message are held at opening
    (a mid-stage case at 10:00 with messages due); a hand-off is held at the bureau report,
    14 days after a DPD-80 case's pre-notice went out."""
    await sleep_until_local(runner.env, time(10))
    today = await local_today(runner.env)
    if kind != "hand_off_escalation":
        gate = runner.blocking.hold(kind)
        handle = await runner.start(STRATEGY, due_date=today - timedelta(days=40), **opening)
        await asyncio.wait_for(gate.entered.wait(), 10)
        return handle, today
    due_date = today - timedelta(days=80)
    handle = await runner.start(STRATEGY, due_date=due_date, **opening)
    await eventually(
        lambda: any(n.template == "bureau_pre_notice" for n in runner.fakes.notifications)
    )
    await idle(handle)
    # The report falls due at the customer's midnight starting DPD 94 (80 + 14 days' wait).
    report_due = datetime.combine(due_date + timedelta(days=94), time(0), tzinfo=SHANGHAI)
    await runner.env.sleep(report_due - timedelta(seconds=1) - await runner.env.get_current_time())
    await idle(handle)
    gate = runner.blocking.hold(kind)
    await runner.env.sleep(timedelta(seconds=2))
    await asyncio.wait_for(gate.entered.wait(), 10)
    return handle, await local_today(runner.env)


@pytest.mark.parametrize("command", COMMANDS, ids=str)
@pytest.mark.parametrize("kind", KINDS, ids=str)
async def test_a_command_during_an_activity_is_honoured(
    runner: CaseRunner, kind: str, command: str
):
    spec = COMMANDS[command]
    async with runner.worker():
        handle, today = await _bring_to(runner, kind, spec.opening)
        await spec.send(handle, today)
        messages_before = len(runner.fakes.notifications)
        handoffs_before = len(runner.fakes.handoffs)
        escalations_before = escalations((await handle.query(CollectionCase.timeline)).events)
        held_message = kind == "send_notification"
        held_handoff = kind == "hand_off_escalation"
        runner.blocking.release_all()
        await idle(handle)
        await runner.env.sleep(timedelta(days=1))

        await assert_case_is_sound(handle, runner.fakes.stored_event_types)
        # The held activity itself completes once released: it left before the command.
        new_messages = runner.fakes.notifications[messages_before + held_message :]
        new_handoffs = runner.fakes.handoffs[handoffs_before + held_handoff :]
        if spec.quiet:
            assert new_messages == [] and new_handoffs == []
            # Only the held hand-off may still be recorded as the escalation it completes.
            timeline = (await handle.query(CollectionCase.timeline)).events
            assert escalations(timeline) - escalations_before <= held_handoff
        assert not [m for m in new_messages if m.channel in spec.ceased]
