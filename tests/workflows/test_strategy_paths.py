"""Each path of the collection process under the default strategy, on the time-skipping
server, asserted on the case timeline. The fake scorer puts every case in the medium tier."""

from datetime import date, time, timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError

from arrears.commands import (
    AgreePlan,
    CeaseContact,
    OpenDispute,
    PromiseToPay,
    RecordContactOutcome,
    ReportHardship,
    ResolveDispute,
)
from arrears.contracts import Payment, TimelineEvent
from arrears.strategy import load_default
from arrears.workflows.case import CollectionCase
from tests.workflows.harness import CaseRunner, local_today, settled, sleep_until_local

STRATEGY = load_default()


async def begin(runner: CaseRunner, dpd: int, **overrides) -> tuple[WorkflowHandle, date]:
    """Open a case `dpd` days past due at 10:00 Shanghai time; returns it and today."""
    await sleep_until_local(runner.env, time(10))
    today = await local_today(runner.env)
    handle = await runner.start(STRATEGY, due_date=today - timedelta(days=dpd), **overrides)
    await settled(handle)
    return handle, today


async def events(handle: WorkflowHandle) -> list[TimelineEvent]:
    return (await handle.query(CollectionCase.timeline)).events


def types(timeline: list[TimelineEvent]) -> list[str]:
    return [e.type for e in timeline]


def after(timeline: list[TimelineEvent], event_type: str) -> list[TimelineEvent]:
    """The events after the first `event_type`."""
    position = types(timeline).index(event_type)
    return timeline[position + 1 :]


async def test_self_cure_in_grace_closes_as_paid_after_one_reminder(runner: CaseRunner):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=1, principal=40_000, interest=800, fees=0)
        await runner.env.sleep(timedelta(days=1))
        await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-grace", amount=40_800)
        )
        result = await handle.result()
    timeline = [e for s in runner.fakes.syncs for e in s.events]
    assert result.view.closed_reason == "paid"
    assert [e.event.type for e in timeline] == [
        "case_opened",
        "risk_scored",
        "contact_sent",
        "contact_sent",
        "payment_applied",
        "case_closed",
    ]
    assert {n.template for n in runner.fakes.notifications} == {"reminder"}
    assert timeline[0].event.model_extra["strategy"] == STRATEGY.version


async def test_promise_kept_pauses_contact_and_is_kept_by_payment(runner: CaseRunner):
    async with runner.worker():
        handle, today = await begin(runner, dpd=10)
        outcome = await handle.execute_update(
            CollectionCase.promise_to_pay,
            PromiseToPay(promise_id="PR-1", amount=100_000, due_date=today + timedelta(days=5)),
        )
        assert outcome.accepted and outcome.case.promise.status == "active"
        assert outcome.case.next_action.kind == "paused_promise"
        await runner.env.sleep(timedelta(days=4))
        await handle.signal(
            CollectionCase.payment_received, Payment(payment_id="P-pr", amount=100_000)
        )
        await runner.env.sleep(timedelta(days=10))
        timeline = await events(handle)
        view = await handle.query(CollectionCase.view)
    between = after(timeline, "promise_made")
    kept_at = types(between).index("promise_kept")
    assert "contact_sent" not in types(between[:kept_at])
    assert "contact_sent" in types(between[kept_at:])
    assert view.promise.status == "kept"


async def test_promise_rules_are_enforced_by_the_validator(runner: CaseRunner):
    async with runner.worker():
        handle, today = await begin(runner, dpd=10)
        for promise, kind in [
            (
                PromiseToPay(promise_id="A", amount=1, due_date=today - timedelta(days=1)),
                "PromiseDateOutOfRange",
            ),
            (
                PromiseToPay(promise_id="B", amount=1, due_date=today + timedelta(days=31)),
                "PromiseDateOutOfRange",
            ),
            (PromiseToPay(promise_id="C", amount=10**9, due_date=today), "PromiseTooLarge"),
        ]:
            with pytest.raises(WorkflowUpdateFailedError) as rejected:
                await handle.execute_update(CollectionCase.promise_to_pay, promise)
            assert rejected.value.cause.type == kind
        first = PromiseToPay(promise_id="D", amount=1_000, due_date=today + timedelta(days=3))
        await handle.execute_update(CollectionCase.promise_to_pay, first)
        again = await handle.execute_update(CollectionCase.promise_to_pay, first)
        assert not again.accepted
        with pytest.raises(WorkflowUpdateFailedError) as rejected:
            await handle.execute_update(
                CollectionCase.promise_to_pay,
                PromiseToPay(promise_id="E", amount=1_000, due_date=today + timedelta(days=3)),
            )
        assert rejected.value.cause.type == "PromiseActive"
        await handle.signal(
            CollectionCase.promise_received,
            PromiseToPay(promise_id="F", amount=1_000, due_date=today + timedelta(days=3)),
        )
        timeline = await events(handle)
    assert types(timeline).count("promise_made") == 1
    rejected_event = next(e for e in timeline if e.type == "promise_rejected")
    assert rejected_event.rule == "promise.PromiseActive"


async def test_broken_promises_escalate_to_the_legal_track(runner: CaseRunner):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=60)
        for n in range(2):
            day = await local_today(runner.env)
            await handle.execute_update(
                CollectionCase.promise_to_pay,
                PromiseToPay(promise_id=f"PR-{n}", amount=5_000, due_date=day + timedelta(days=1)),
            )
            await runner.env.sleep(timedelta(days=4))
        view = await handle.query(CollectionCase.view)
        assert (view.broken_promises, view.refused) == (2, True)
        await runner.env.sleep(timedelta(days=45))
        timeline = await events(handle)
    kinds = types(timeline)
    assert kinds.count("promise_broken") == 2
    assert kinds.index("refusal_recorded") < kinds.index("lawyer_letter")
    assert kinds.index("lawyer_letter") < kinds.index("litigation_referred")
    lawyer = next(e for e in timeline if e.type == "lawyer_letter")
    assert lawyer.rule == "escalations.lawyer_letter.dpd.medium"
    assert lawyer.model_extra["strategy"] == STRATEGY.version
    assert {h.step for h in runner.fakes.handoffs} >= {"lawyer_letter", "litigation_referral"}
    legal = next(
        e for e in timeline if e.type == "stage_changed" and e.model_extra["stage"] == "legal"
    )
    assert "contact_sent" not in types(after(timeline, "litigation_referred"))
    assert legal is not None


async def test_legal_track_is_only_for_refusers(runner: CaseRunner):
    async with runner.worker():
        refuser, _ = await begin(runner, dpd=60)
        payer, _ = await begin(runner, dpd=60)
        await refuser.execute_update(
            CollectionCase.record_contact_outcome,
            RecordContactOutcome(outcome="refused_to_pay", reason="cannot_pay"),
        )
        await payer.execute_update(
            CollectionCase.record_contact_outcome,
            RecordContactOutcome(outcome="conversation", reason="forgot"),
        )
        await runner.env.sleep(timedelta(days=42))
        refused, paying = await events(refuser), await events(payer)
        refuser_view = await refuser.query(CollectionCase.view)
        payer_view = await payer.query(CollectionCase.view)
    assert {"lawyer_letter", "litigation_referred"} <= set(types(refused))
    assert refuser_view.stage == "legal"
    assert not {"lawyer_letter", "litigation_referred"} & set(types(paying))
    assert payer_view.stage == "late" and payer_view.dpd > 100
    for timeline in (refused, paying):
        assert types(timeline).index("bureau_prenotice") < types(timeline).index("bureau_reported")


async def test_hardship_then_plan_then_missed_instalment_resumes_collection(runner: CaseRunner):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=35, principal=90_000, interest=0, fees=0)
        await handle.execute_update(
            CollectionCase.report_hardship, ReportHardship(reason="unemployment")
        )
        await runner.env.sleep(timedelta(days=15))
        timeline = await events(handle)
        cooling_off = after(timeline, "hardship_reported")
        ended_at = types(cooling_off).index("hardship_ended")
        assert "contact_sent" not in types(cooling_off[:ended_at])
        offers = [e for e in timeline if e.type == "offer_made"]
        assert any(e.model_extra["kind"] == "instalment_plan" for e in offers)

        day = await local_today(runner.env)
        plan = await handle.execute_update(
            CollectionCase.agree_plan,
            AgreePlan(kind="instalments", instalments=3, first_due_date=day + timedelta(days=2)),
        )
        assert [i.amount for i in plan.case.plan.instalments] == [30_000, 30_000, 30_000]
        await runner.env.sleep(timedelta(days=1))
        await handle.signal(
            CollectionCase.payment_received, Payment(payment_id="I-1", amount=30_000)
        )
        await runner.env.sleep(timedelta(days=36))
        timeline = await events(handle)
        view = await handle.query(CollectionCase.view)
    assert view.plan.status == "broken"
    agreed = after(timeline, "plan_agreed")
    broken_at = types(agreed).index("plan_broken")
    assert "contact_sent" not in types(agreed[:broken_at])
    assert "contact_sent" in types(agreed[broken_at:])


async def test_plans_over_sixty_months_are_refused_in_cn(runner: CaseRunner):
    async with runner.worker():
        handle, today = await begin(runner, dpd=35)
        with pytest.raises(WorkflowUpdateFailedError) as rejected:
            await handle.execute_update(
                CollectionCase.agree_plan,
                AgreePlan(kind="instalments", instalments=61, first_due_date=today),
            )
    assert rejected.value.cause.type == "PlanNotAllowed"
    assert "60" in rejected.value.cause.message


async def test_dispute_stops_contact_and_escalation_until_resolved(runner: CaseRunner):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=55)
        await handle.execute_update(CollectionCase.open_dispute, OpenDispute(reason="amount_wrong"))
        await runner.env.sleep(timedelta(days=40))
        during = after(await events(handle), "dispute_opened")
        await handle.execute_update(
            CollectionCase.resolve_dispute, ResolveDispute(outcome="rejected")
        )
        await runner.env.sleep(timedelta(days=3))
        timeline = await events(handle)
    quiet = {"contact_sent", "bureau_prenotice", "bureau_reported", "lawyer_letter"}
    assert not quiet & set(types(during))
    assert "stage_changed" in types(during)
    assert "contact_sent" in types(after(timeline, "dispute_resolved"))


async def test_cease_contact_stops_only_the_named_channel(runner: CaseRunner):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=10)
        outcome = await handle.execute_update(
            CollectionCase.cease_contact, CeaseContact(channels=["sms"])
        )
        assert outcome.case.ceased_channels == ["sms"]
        await runner.env.sleep(timedelta(days=15))
        timeline = after(await events(handle), "contact_ceased")
    sent = {e.model_extra["channel"] for e in timeline if e.type == "contact_sent"}
    blocked = {e.model_extra["channel"] for e in timeline if e.type == "contact_blocked"}
    assert sent and "sms" not in sent
    assert blocked == {"sms"}
    assert all(e.rule == "contact.cease_request" for e in timeline if e.type == "contact_blocked")


async def test_written_off_at_the_end_of_the_ladder(runner: CaseRunner):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=170)
        result = await handle.result()
    assert result.view.closed_reason == "written_off"
    closed = [e.event for s in runner.fakes.syncs for e in s.events][-1]
    assert closed.type == "case_closed"
    assert closed.rule == "escalations.write_off.dpd.medium"


async def test_paying_in_full_less_the_waived_interest_settles_the_case(runner: CaseRunner):
    async with runner.worker():
        handle, _ = await begin(runner, dpd=10, principal=500_000, interest=12_000, fees=0)
        timeline = await events(handle)
        waiver = next(e for e in timeline if e.type == "offer_made")
        assert waiver.model_extra["kind"] == "interest_waiver"
        assert (waiver.model_extra["waived"], waiver.model_extra["pay"]) == (6_000, 506_000)
        first = await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-1", amount=300_000)
        )
        assert first.case.status == "open"
        last = await handle.execute_update(
            CollectionCase.record_payment, Payment(payment_id="P-2", amount=206_000)
        )
        result = await handle.result()
    assert (last.case.closed_reason, result.view.closed_reason) == ("settled", "settled")
    assert result.view.balance.total == 0
    closed = [e.event for s in runner.fakes.syncs for e in s.events]
    assert [e.type for e in closed][-2:] == ["interest_waived", "case_closed"]
    assert closed[-2].model_extra["amount"] == 6_000
