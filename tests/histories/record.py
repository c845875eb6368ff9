"""Record workflow histories for the replay test: `python -m tests.histories.record NAME`.

A stored history is a promise to running cases: the current code must replay it. Record a
new one when a workflow path is added; never re-record an existing one to make it pass (a
deliberate change goes behind `workflow.patched`).
"""

import argparse
import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from temporalio.client import WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from arrears import ids
from arrears.commands import (
    AdjustBalance,
    AgreePlan,
    CeaseContact,
    ClearVulnerability,
    CorrectedAmounts,
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
from arrears.contracts import CloseCase, Payment
from arrears.devstack.binaries import temporal_test_server
from arrears.idempotency import StampedClose, StampedHardship, stamp
from arrears.strategy import Strategy, load_default
from arrears.temporal import register_search_attributes
from arrears.workflows.case import CollectionCase
from arrears.workflows.case_state import CaseStart
from arrears.workflows.recoveries import RECOVERY_WINDOW
from arrears.workflows.reopening import check_reopening
from tests.factories import make_converter, opening
from tests.workflows.fakes import FakeActivities
from tests.workflows.test_episodes import completed

HERE = Path(__file__).parent
SHANGHAI = ZoneInfo("Asia/Shanghai")
STRATEGY = load_default()

Scenario = Callable[
    [WorkflowEnvironment, Callable[..., Awaitable[WorkflowHandle]]],
    Awaitable[WorkflowHandle | None],
]
"""A scenario; it returns the run whose history is stored, when not the case's first."""


async def _skip_to_local(env: WorkflowEnvironment, clock: time) -> None:
    now = (await env.get_current_time()).astimezone(SHANGHAI)
    target = datetime.combine(now.date(), clock, tzinfo=SHANGHAI)
    if target <= now:
        target += timedelta(days=1)
    await env.sleep(target - now)


async def paid_in_full(env, start) -> None:
    """Signal and update payments, a duplicate of each, then paid in full."""
    handle = await start(principal=50_000, interest=2_000, fees=500)
    await handle.signal(CollectionCase.payment_received, Payment(payment_id="P-1", amount=10_000))
    await handle.signal(CollectionCase.payment_received, Payment(payment_id="P-1", amount=10_000))
    await handle.execute_update(CollectionCase.record_payment, Payment(payment_id="P-1", amount=1))
    await env.sleep(timedelta(days=2))
    await handle.execute_update(
        CollectionCase.record_payment, Payment(payment_id="P-2", amount=42_500)
    )
    await handle.result()


async def quiet_hours_then_stages(env, start) -> None:
    """Opened at 02:00 local: reminder deferred to 08:00, then grace, early and mid stages."""
    await _skip_to_local(env, time(2))
    today = (await env.get_current_time()).astimezone(SHANGHAI).date()
    handle = await start(due_date=today)
    await env.sleep(timedelta(days=10))
    await handle.signal(CollectionCase.payment_received, Payment(payment_id="P-x", amount=1_000))
    await env.sleep(timedelta(days=30))
    await handle.query(CollectionCase.view)
    await handle.terminate("recorded")


async def written_off(env, start) -> None:
    """Opened at 170 days past due; written off at 180."""
    today = (await env.get_current_time()).astimezone(SHANGHAI).date()
    handle = await start(due_date=today - timedelta(days=170))
    await handle.result()


async def recalled(env, start) -> None:
    """A payment, a few days of collection, then the bank recalls the case."""
    handle = await start()
    await handle.execute_update(
        CollectionCase.record_payment, Payment(payment_id="P-r", amount=2_000)
    )
    await env.sleep(timedelta(days=3))
    await handle.execute_update(CollectionCase.close, CloseCase(reference="RC-1"))
    await handle.result()


async def _local_today(env):
    return (await env.get_current_time()).astimezone(SHANGHAI).date()


async def strategy_promise_cease_and_pay(env, start) -> None:
    """Default strategy: a promise kept by a signalled payment, cease SMS, then paid."""
    await _skip_to_local(env, time(10))
    today = await _local_today(env)
    handle = await start(STRATEGY, due_date=today - timedelta(days=8))
    await env.sleep(timedelta(hours=1))
    await handle.execute_update(
        CollectionCase.promise_to_pay,
        PromiseToPay(promise_id="PR-1", amount=200_000, due_date=today + timedelta(days=4)),
    )
    await env.sleep(timedelta(days=3))
    await handle.signal(CollectionCase.payment_received, Payment(payment_id="P-1", amount=200_000))
    await handle.execute_update(CollectionCase.cease_contact, CeaseContact(channels=["sms"]))
    await env.sleep(timedelta(days=20))
    await handle.execute_update(
        CollectionCase.record_payment, Payment(payment_id="P-2", amount=312_000)
    )
    await handle.result()


async def strategy_hardship_plan_broken(env, start) -> None:
    """Default strategy: hardship, cooling-off, a plan, one instalment paid, then missed."""
    await _skip_to_local(env, time(10))
    today = await _local_today(env)
    handle = await start(STRATEGY, due_date=today - timedelta(days=35))
    await env.sleep(timedelta(hours=1))
    await handle.execute_update(CollectionCase.report_hardship, ReportHardship(reason="illness"))
    await env.sleep(timedelta(days=15))
    day = await _local_today(env)
    await handle.execute_update(
        CollectionCase.agree_plan,
        AgreePlan(kind="instalments", instalments=4, first_due_date=day + timedelta(days=2)),
    )
    await env.sleep(timedelta(days=1))
    await handle.signal(CollectionCase.payment_received, Payment(payment_id="I-1", amount=128_000))
    await env.sleep(timedelta(days=40))
    await handle.terminate("recorded")


async def strategy_dispute_then_refusal_to_litigation(env, start) -> None:
    """Default strategy: a dispute pauses everything; rejected; refusal; legal track."""
    await _skip_to_local(env, time(10))
    today = await _local_today(env)
    handle = await start(STRATEGY, due_date=today - timedelta(days=58))
    await env.sleep(timedelta(hours=1))
    await handle.execute_update(CollectionCase.open_dispute, OpenDispute(reason="amount_wrong"))
    await env.sleep(timedelta(days=5))
    await handle.execute_update(CollectionCase.resolve_dispute, ResolveDispute(outcome="rejected"))
    await handle.execute_update(
        CollectionCase.record_contact_outcome,
        RecordContactOutcome(outcome="refused_to_pay", reason="cannot_pay"),
    )
    await env.sleep(timedelta(days=45))
    await handle.terminate("recorded")


async def us_validation_notice_then_held_report(env, start) -> None:
    """A US case at DPD 80: the validation notice first, a dispute within its period
    rejected (the verification), the bureau report held until 14 days after the notice,
    then a conversation."""
    los_angeles = ZoneInfo("America/Los_Angeles")
    now = (await env.get_current_time()).astimezone(los_angeles)
    target = datetime.combine(now.date() + timedelta(days=1), time(10), tzinfo=los_angeles)
    await env.sleep(target - now)
    handle = await start(
        STRATEGY,
        due_date=target.date() - timedelta(days=80),
        timezone="America/Los_Angeles",
        jurisdiction="US",
        currency="USD",
        phone="+14155550100",
        email="jane.roe@example.com",
    )
    await env.sleep(timedelta(days=1))
    await handle.execute_update(CollectionCase.open_dispute, OpenDispute(reason="amount_wrong"))
    await handle.execute_update(CollectionCase.resolve_dispute, ResolveDispute(outcome="rejected"))
    await env.sleep(timedelta(days=15))
    await handle.execute_update(
        CollectionCase.record_contact_outcome, RecordContactOutcome(outcome="conversation")
    )
    await env.sleep(timedelta(days=1))
    await handle.terminate("recorded")


async def strategy_migrated(env, start) -> None:
    """Default strategy, then moved on purpose to one whose mid stage starts at DPD 15."""
    from tests.workflows.test_strategy_migration import earlier_mid_stage

    await _skip_to_local(env, time(10))
    today = await _local_today(env)
    handle = await start(STRATEGY, due_date=today - timedelta(days=10))
    await env.sleep(timedelta(days=1))
    await handle.execute_update(
        CollectionCase.migrate_strategy,
        StrategyMigration(strategy=earlier_mid_stage(), change_ref="CHG-1"),
    )
    await env.sleep(timedelta(days=10))
    await handle.terminate("recorded")


async def night_notice_then_plan_to_term(env, start) -> None:
    """Opened at 02:00 at DPD 70: the bureau pre-notice waits for 08:00; a three-month plan
    freezes DPD and, paid on time, closes the case as paid."""
    await _skip_to_local(env, time(2))
    today = await _local_today(env)
    handle = await start(STRATEGY, due_date=today - timedelta(days=70), principal=90_000)
    await env.sleep(timedelta(hours=8))
    day = await _local_today(env)
    plan = await handle.execute_update(
        CollectionCase.agree_plan,
        AgreePlan(kind="instalments", instalments=3, first_due_date=day + timedelta(days=5)),
    )
    for n, instalment in enumerate(plan.case.plan.instalments):
        await env.sleep(timedelta(days=(instalment.due_date - await _local_today(env)).days))
        await handle.signal(
            CollectionCase.payment_received,
            Payment(payment_id=f"I-{n}", amount=instalment.amount),
        )
    await handle.result()


async def ids_reused_and_keyed(env, start) -> None:
    """Ids mean one thing (patch "ids-mean-one-thing"): a signalled payment reusing an id is
    rejected, a keyed hardship report resent is answered from its key, the active plan and
    the open dispute sent again change nothing, and a keyed recall closes the case."""
    await _skip_to_local(env, time(10))
    today = await _local_today(env)
    handle = await start(STRATEGY, due_date=today - timedelta(days=40))
    await env.sleep(timedelta(hours=1))
    for amount in (1_000, 2_000):
        payment = Payment(payment_id="P-1", amount=amount)
        await handle.signal(CollectionCase.payment_received, payment)
    body = ReportHardship(reason="illness")
    hardship = StampedHardship(reason="illness", idempotency=stamp("K-1", "report_hardship", body))
    for _ in range(2):
        await handle.execute_update(CollectionCase.report_hardship, hardship)
    plan = AgreePlan(kind="instalments", instalments=3, first_due_date=today + timedelta(days=5))
    for _ in range(2):
        await handle.execute_update(CollectionCase.agree_plan, plan)
    await env.sleep(timedelta(days=2))
    for _ in range(2):
        await handle.execute_update(CollectionCase.open_dispute, OpenDispute(reason="fraud"))
    recall = StampedClose(idempotency=stamp("RC-1", "close", CloseCase()))
    await handle.execute_update(CollectionCase.close, recall)


async def life_settled_under_waiver(env, start) -> None:
    """Default strategy, early stage: two payments of the waiver offer's amount settle."""
    await _skip_to_local(env, time(10))
    today = await _local_today(env)
    handle = await start(STRATEGY, due_date=today - timedelta(days=10), interest=12_000)
    await env.sleep(timedelta(hours=1))
    await handle.execute_update(
        CollectionCase.record_payment, Payment(payment_id="P-1", amount=300_000)
    )
    await env.sleep(timedelta(days=2))
    await handle.signal(CollectionCase.payment_received, Payment(payment_id="P-2", amount=206_000))
    await handle.result()


async def life_corrected_adjusted_reversed(env, start) -> None:
    """Default strategy: an upheld amount_wrong dispute corrects the balance; a payment is
    reversed; the bank adjusts fees; a later dispute upheld as fraud closes the case."""
    await _skip_to_local(env, time(10))
    today = await _local_today(env)
    handle = await start(STRATEGY, due_date=today - timedelta(days=20), fees=3_000)
    await env.sleep(timedelta(hours=1))
    await handle.execute_update(CollectionCase.open_dispute, OpenDispute(reason="amount_wrong"))
    await env.sleep(timedelta(days=2))
    corrected = CorrectedAmounts(principal=400_000, interest=10_000, fees=3_000)
    await handle.execute_update(
        CollectionCase.resolve_dispute, ResolveDispute(outcome="upheld", corrected=corrected)
    )
    await handle.execute_update(
        CollectionCase.record_payment, Payment(payment_id="P-1", amount=50_000)
    )
    await env.sleep(timedelta(days=1))
    await handle.execute_update(
        CollectionCase.reverse_payment, ReversePayment(payment_id="P-1", reason="returned")
    )
    await handle.execute_update(
        CollectionCase.adjust_balance,
        AdjustBalance(
            adjustment_id="A-1",
            component="fees",
            direction="credit",
            amount=3_000,
            reason="fee_reversal",
            reference="REF-1",
        ),
    )
    await env.sleep(timedelta(days=3))
    await handle.execute_update(CollectionCase.open_dispute, OpenDispute(reason="fraud"))
    await handle.execute_update(CollectionCase.resolve_dispute, ResolveDispute(outcome="upheld"))
    await handle.result()


async def life_written_off_then_recoveries(env, start) -> None:
    """Default strategy: written off at 180; recoveries by update and signal, one reversed;
    the recovery window ends and the case completes."""
    await _skip_to_local(env, time(10))
    today = await _local_today(env)
    handle = await start(STRATEGY, due_date=today - timedelta(days=175))
    await env.sleep(timedelta(days=7))
    await handle.execute_update(
        CollectionCase.record_payment, Payment(payment_id="R-1", amount=20_000)
    )
    await env.sleep(timedelta(days=30))
    await handle.signal(CollectionCase.payment_received, Payment(payment_id="R-2", amount=5_000))
    await env.sleep(timedelta(days=1))
    await handle.execute_update(
        CollectionCase.reverse_payment, ReversePayment(payment_id="R-2", reason="charged_back")
    )
    await env.sleep(RECOVERY_WINDOW)
    await handle.result()


async def life_paid_then_reopened(env, start) -> WorkflowHandle:
    """Default strategy: paid in full; days later the payment is returned, which reopens the
    case in a new run (the one stored); it collects, the reversal is resent, and it is paid
    again."""
    await _skip_to_local(env, time(10))
    today = await _local_today(env)
    handle = await start(STRATEGY, due_date=today - timedelta(days=10), fees=3_000)
    await env.sleep(timedelta(hours=1))
    await handle.execute_update(
        CollectionCase.record_payment, Payment(payment_id="P-1", amount=515_000)
    )
    await completed(handle)  # in real time: awaiting the result would skip the clock ahead
    await env.sleep(timedelta(days=3))
    state = await handle.query(CollectionCase.closed_state)
    reversal = ReversePayment(payment_id="P-1", reason="returned")
    now = await env.get_current_time()
    assert check_reopening(state, reversal, now) is False
    reopened = await env.client.start_workflow(
        CollectionCase.run,
        CaseStart.reopening_of(state, reversal, now),
        id=handle.id,
        task_queue=(await handle.describe()).task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )
    await env.sleep(timedelta(days=2))
    await reopened.execute_update(CollectionCase.reverse_payment, reversal)
    await reopened.execute_update(
        CollectionCase.record_payment, Payment(payment_id="P-2", amount=515_000)
    )
    await reopened.result()
    return reopened


async def gate_wrong_number_and_reasons(env, start) -> None:
    """Patches "contact-gate" and "reason-decides-path": contacts ask the gate; a wrong
    number keeps SMS and calls off the phone (e-mail instead) until the phone changes;
    three unanswered calls mark the debtor lost; vulnerability flagged and cleared; the
    reason `forgot` lets reminders go on, `cannot_pay` starts the cooling-off."""
    await _skip_to_local(env, time(10))
    today = await _local_today(env)
    handle = await start(STRATEGY, due_date=today - timedelta(days=31))
    await env.sleep(timedelta(hours=1))
    for result in ("no_answer", "no_answer", "no_answer"):
        await handle.execute_update(
            CollectionCase.record_contact_outcome, RecordContactOutcome(outcome=result)
        )
    await handle.execute_update(
        CollectionCase.record_contact_outcome,
        RecordContactOutcome(outcome="wrong_number", reason="forgot"),
    )
    await handle.execute_update(
        CollectionCase.flag_vulnerability, FlagVulnerability(kind="illness", note_ref="N-1")
    )
    await env.sleep(timedelta(days=5))
    await handle.execute_update(CollectionCase.clear_vulnerability, ClearVulnerability())
    customer = opening().customer.model_copy(update={"phone": "+8613900139000"})
    await handle.signal(CollectionCase.update_customer, customer)
    await env.sleep(timedelta(days=3))
    await handle.execute_update(
        CollectionCase.record_contact_outcome,
        RecordContactOutcome(outcome="conversation", reason="cannot_pay"),
    )
    await env.sleep(timedelta(days=16))
    await handle.terminate("recorded")


async def persons_restore_contact(env, start) -> None:
    """Patch "contact-persons": three unanswered calls mark a CN debtor lost; the restore
    call to the first contact person is blocked that day (the gate counts them lost from
    the next) and goes the next; that person declines, the next is called; a conversation
    with the debtor ends the search; a wrong number later marks them lost again."""
    persons = [
        {"ref": "P-1", "relation": "spouse", "phone": "+8613900000001", "name": "李四"},
        {"ref": "P-2", "relation": "friend", "phone": "+8613900000002"},
    ]
    await _skip_to_local(env, time(10))
    today = await _local_today(env)
    handle = await start(STRATEGY, due_date=today - timedelta(days=31), contact_persons=persons)
    await env.sleep(timedelta(hours=1))
    for result in ("no_answer", "no_answer", "no_answer"):
        await handle.execute_update(
            CollectionCase.record_contact_outcome, RecordContactOutcome(outcome=result)
        )
    await env.sleep(timedelta(days=1))
    await handle.execute_update(
        CollectionCase.record_contact_outcome,
        RecordContactOutcome(outcome="declined", contact_point="person:P-1"),
    )
    await env.sleep(timedelta(days=2))
    await handle.execute_update(
        CollectionCase.record_contact_outcome, RecordContactOutcome(outcome="conversation")
    )
    await env.sleep(timedelta(days=2))
    await handle.execute_update(
        CollectionCase.record_contact_outcome, RecordContactOutcome(outcome="wrong_number")
    )
    await env.sleep(timedelta(days=2))
    await handle.terminate("recorded")


async def gate_breathing_space(env, start) -> None:
    """Patch "contact-gate": a UK case under a standard Breathing Space pauses for 60 days
    (contacts withdrawn, escalations held), then collection resumes."""
    london = ZoneInfo("Europe/London")
    now = (await env.get_current_time()).astimezone(london)
    target = datetime.combine(now.date() + timedelta(days=1), time(10), tzinfo=london)
    await env.sleep(target - now)
    today = target.date()
    handle = await start(
        STRATEGY,
        due_date=today - timedelta(days=50),
        jurisdiction="UK",
        timezone="Europe/London",
        currency="GBP",
        phone="+447700900123",
    )
    await env.sleep(timedelta(hours=1))
    await handle.execute_update(
        CollectionCase.start_breathing_space,
        StartBreathingSpace(kind="standard", started_on=today, reference="BS-1"),
    )
    await env.sleep(timedelta(days=63))
    await handle.terminate("recorded")


SCENARIOS: dict[str, Scenario] = {
    # Recorded once a reversal reopened a paid case in a new run (that run is stored).
    "life_paid_then_reopened": life_paid_then_reopened,
    # Recorded once contacts asked the contact gate and reasons decided the path (patches
    # "contact-gate", "reason-decides-path").
    "gate_wrong_number_and_reasons": gate_wrong_number_and_reasons,
    "gate_breathing_space": gate_breathing_space,
    # Recorded once CN cases called contact persons (patch "contact-persons").
    "persons_restore_contact": persons_restore_contact,
    # Recorded once US cases followed Regulation F (patch "us-validation-notice").
    "us_validation_notice_then_held_report": us_validation_notice_then_held_report,
    # Recorded once ids meant one thing (patch "ids-mean-one-thing").
    "ids_reused_and_keyed": ids_reused_and_keyed,
    # Recorded once settlements forgave interest only, upheld disputes corrected or closed
    # and written-off cases took recoveries (patches "settle-by-component",
    # "dispute-outcomes", "recoveries-after-write-off").
    "life_settled_under_waiver": life_settled_under_waiver,
    "life_corrected_adjusted_reversed": life_corrected_adjusted_reversed,
    "life_written_off_then_recoveries": life_written_off_then_recoveries,
    # Recorded once cases took one step at a time (patch "one-step-at-a-time").
    "steps_night_notice_then_plan_to_term": night_notice_then_plan_to_term,
    "steps_strategy_migrated": strategy_migrated,
    "steps_promise_cease_and_pay": strategy_promise_cease_and_pay,
    "steps_hardship_plan_broken": strategy_hardship_plan_broken,
    "steps_dispute_then_refusal_to_litigation": strategy_dispute_then_refusal_to_litigation,
    "when_due_strategy_migrated": strategy_migrated,
    # Recorded once cases slept until something was due (patch "sleep-until-due"); the
    # `strategy_` ones before it, when cases looked at themselves every midnight.
    "when_due_promise_cease_and_pay": strategy_promise_cease_and_pay,
    "when_due_hardship_plan_broken": strategy_hardship_plan_broken,
    "when_due_dispute_then_refusal_to_litigation": strategy_dispute_then_refusal_to_litigation,
    "strategy_promise_cease_and_pay": strategy_promise_cease_and_pay,
    "strategy_hardship_plan_broken": strategy_hardship_plan_broken,
    "strategy_dispute_then_refusal_to_litigation": strategy_dispute_then_refusal_to_litigation,
    "case_recalled": recalled,
    "case_paid_in_full": paid_in_full,
    "case_quiet_hours_then_stages": quiet_hours_then_stages,
    "case_written_off": written_off,
}


async def record(name: str) -> Path:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=temporal_test_server(), data_converter=make_converter()
    )
    await register_search_attributes(env.client)
    fakes = FakeActivities()
    task_queue = f"record-{uuid.uuid4()}"
    handles: list[WorkflowHandle] = []

    async def start(strategy: Strategy | None = None, **overrides) -> WorkflowHandle:
        case = opening(loan_id=f"L-{name.replace('_', '-')}"[:64], **overrides)
        handle = await env.client.start_workflow(
            CollectionCase.run,
            CaseStart(opening=case, received_at=await env.get_current_time(), strategy=strategy),
            id=ids.case_workflow_id(case.loan_id),
            task_queue=task_queue,
        )
        handles.append(handle)
        return handle

    try:
        async with Worker(
            env.client, task_queue=task_queue, workflows=[CollectionCase], activities=fakes.all
        ):
            stored = await SCENARIOS[name](env, start)
        history = await (stored or handles[0]).fetch_history()
    finally:
        await env.shutdown()
    path = HERE / f"{name}.json"
    path.write_text(history.to_json())
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="+", choices=sorted(SCENARIOS))
    for name in parser.parse_args().names:
        print(asyncio.run(record(name)))


if __name__ == "__main__":
    main()
