"""Ids mean one thing: a repeat with the same body is harmless, the same id with another body
is refused (or, for a signal, recorded as rejected), and an Idempotency-Key applies its
command once and answers as the first time, across continue-as-new."""

from datetime import timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError

import arrears.workflows.limits as limits
from arrears.commands import (
    AgreePlan,
    OpenDispute,
    PromiseToPay,
    RecordContactOutcome,
    ReportHardship,
    ResolveDispute,
)
from arrears.contracts import Payment, TimelineEvent
from arrears.idempotency import StampedDispute, StampedHardship, StampedOutcome, stamp
from arrears.workflows.case import CollectionCase
from tests.workflows.harness import CaseRunner
from tests.workflows.story import idle
from tests.workflows.test_strategy_paths import begin


def of_type(events: list[TimelineEvent], kind: str) -> list[TimelineEvent]:
    return [e for e in events if e.type == kind]


async def timeline(handle: WorkflowHandle) -> list[TimelineEvent]:
    return (await handle.query(CollectionCase.timeline)).events


async def refused(handle: WorkflowHandle, update, argument) -> WorkflowUpdateFailedError:
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(update, argument)
    return failed.value


def hardship(key: str, reason: str = "illness") -> StampedHardship:
    body = ReportHardship(reason=reason)
    return StampedHardship(reason=reason, idempotency=stamp(key, "report_hardship", body))


async def test_a_payment_id_sent_again_with_another_amount_is_refused_naming_it(
    runner: CaseRunner,
):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=10)
        pay = CollectionCase.record_payment
        first = await handle.execute_update(pay, Payment(payment_id="P-1", amount=1_000))
        again = await handle.execute_update(
            pay, Payment(payment_id="P-1", amount=1_000, currency="CNY")
        )
        other = await refused(handle, pay, Payment(payment_id="P-1", amount=2_000))
        dated = await refused(
            handle, pay, Payment(payment_id="P-1", amount=1_000, paid_at=first.case.opened_at)
        )
        view = await handle.query(CollectionCase.view)

    assert first.applied and not again.applied
    assert other.cause.type == "IdReused" and other.cause.details == (["amount"],)
    assert "payment_id P-1" in other.cause.message
    assert dated.cause.details == (["paid_at"],)
    assert view.paid == 1_000


async def test_a_signalled_payment_with_a_reused_id_is_recorded_as_rejected(runner: CaseRunner):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=10)
        for amount in (1_000, 1_000, 5_000):
            payment = Payment(payment_id="P-1", amount=amount)
            await handle.signal(CollectionCase.payment_received, payment)
        await idle(handle)
        events = await timeline(handle)
        view = await handle.query(CollectionCase.view)

    assert len(of_type(events, "payment_applied")) == 1
    (rejected,) = of_type(events, "payment_rejected")
    assert rejected.rule == "payment.id_reused"
    assert rejected.model_extra["payment_id"] == "P-1"
    assert rejected.model_extra["fields"] == ["amount"]
    assert view.paid == 1_000


async def test_a_promise_id_sent_again_with_another_date_is_refused(runner: CaseRunner):
    async with runner.worker():
        handle, today = await begin(runner, dpd=10)
        promise = PromiseToPay(promise_id="PR-1", amount=5_000, due_date=today + timedelta(5))
        first = await handle.execute_update(CollectionCase.promise_to_pay, promise)
        again = await handle.execute_update(CollectionCase.promise_to_pay, promise)
        moved = promise.model_copy(update={"due_date": today + timedelta(days=9)})
        other = await refused(handle, CollectionCase.promise_to_pay, moved)
        await handle.signal(CollectionCase.promise_received, moved)
        await idle(handle)
        events = await timeline(handle)
        view = await handle.query(CollectionCase.view)

    assert first.accepted and not again.accepted
    assert other.cause.type == "IdReused" and other.cause.details == (["due_date"],)
    (rejected,) = of_type(events, "promise_rejected")
    assert (rejected.rule, rejected.model_extra["fields"]) == ("promise.IdReused", ["due_date"])
    assert view.promise.due_date == today + timedelta(days=5)


async def test_a_hardship_report_resent_with_its_key_is_recorded_once(runner: CaseRunner):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=10)
        report = CollectionCase.report_hardship
        first = await handle.execute_update(report, hardship("K-1"))
        again = await handle.execute_update(report, hardship("K-1"))
        other_body = await refused(handle, report, hardship("K-1", reason="unemployment"))
        outcome = StampedOutcome(
            outcome="no_answer",
            idempotency=stamp(
                "K-1", "record_contact_outcome", RecordContactOutcome(outcome="no_answer")
            ),
        )
        other_command = await refused(handle, CollectionCase.record_contact_outcome, outcome)
        unkeyed = await handle.execute_update(report, ReportHardship(reason="illness"))
        events = await timeline(handle)

    assert (first.accepted, first.replayed) == (True, False)
    assert (again.accepted, again.replayed) == (True, True)
    assert again.case.hardship_until == first.case.hardship_until
    assert other_body.cause.type == "IdempotencyKeyReused"
    assert "report_hardship" in other_body.cause.message
    assert other_command.cause.type == "IdempotencyKeyReused"
    # Without a key each report is a new one, as before.
    assert unkeyed.accepted and not unkeyed.replayed
    assert len(of_type(events, "hardship_reported")) == 2
    assert len(of_type(events, "contact_outcome")) == 0


async def test_a_keyed_repeat_answers_as_the_first_time_past_the_commands_checks(
    runner: CaseRunner,
):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=10)
        body = OpenDispute(reason="fraud")
        keyed = StampedDispute(reason="fraud", idempotency=stamp("K-d", "open_dispute", body))
        first = await handle.execute_update(CollectionCase.open_dispute, keyed)
        again = await handle.execute_update(CollectionCase.open_dispute, keyed)
        unkeyed = await handle.execute_update(CollectionCase.open_dispute, body)
        other = await refused(handle, CollectionCase.open_dispute, OpenDispute(reason="other"))
        resolve = CollectionCase.resolve_dispute
        resolved = await handle.execute_update(resolve, ResolveDispute(outcome="rejected"))
        resolved_again = await handle.execute_update(resolve, ResolveDispute(outcome="rejected"))
        events = await timeline(handle)

    assert first.accepted and again.accepted and again.replayed
    # The open dispute sent again without a key changes nothing; another one is refused.
    assert not unkeyed.accepted and not unkeyed.replayed
    assert other.cause.type == "DisputeOpen"
    assert len(of_type(events, "dispute_opened")) == 1
    assert resolved.accepted and not resolved_again.accepted
    assert len(of_type(events, "dispute_resolved")) == 1


async def test_the_active_plan_sent_again_changes_nothing_and_another_is_refused(
    runner: CaseRunner,
):
    async with runner.worker():
        handle, today = await begin(runner, dpd=40)
        plan = AgreePlan(kind="instalments", instalments=3, first_due_date=today + timedelta(7))
        first = await handle.execute_update(CollectionCase.agree_plan, plan)
        again = await handle.execute_update(CollectionCase.agree_plan, plan)
        longer = plan.model_copy(update={"instalments": 6})
        other = await refused(handle, CollectionCase.agree_plan, longer)
        events = await timeline(handle)

    assert first.accepted and not again.accepted
    assert again.case.plan == first.case.plan
    assert other.cause.type == "PlanActive"
    assert len(of_type(events, "plan_agreed")) == 1


async def test_ids_and_keys_outlive_continue_as_new(
    runner: CaseRunner, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(limits, "CONTINUE_AS_NEW_AFTER_EVENTS", 120)
    async with runner.worker():
        first, _ = await begin(runner, dpd=2, principal=1_000_000, interest=0, fees=0)
        await first.execute_update(CollectionCase.report_hardship, hardship("K-1"))
        await first.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-0", amount=1_000)
        )
        case = runner.latest(first)
        for day in range(1, 40):
            if (await case.describe()).run_id != first.result_run_id:
                break
            payment = Payment(payment_id=f"P-{day}", amount=1_000)
            await case.signal(CollectionCase.payment_received, payment)
            await runner.env.sleep(timedelta(days=1))
        again = await case.execute_update(CollectionCase.report_hardship, hardship("K-1"))
        other = await refused(
            case, CollectionCase.record_payment, Payment(payment_id="P-0", amount=2_000)
        )
        description = await case.describe()
        events = await timeline(case)

    assert description.run_id != first.result_run_id
    assert again.accepted and again.replayed
    assert other.cause.details == (["amount"],)
    assert len(of_type(events, "hardship_reported")) == 1
