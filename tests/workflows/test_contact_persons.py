"""Contact persons (CN): a lost debtor's case calls the first contact person who has not
declined, once a day, only to restore contact; the gate (the shipped profile, through the
fakes) decides; a conversation with the debtor ends the search; US cases never do it."""

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from temporalio.client import WorkflowUpdateFailedError

from arrears.commands import CeaseContact, RecordContactOutcome
from arrears.contracts import NotificationRequest
from arrears.strategy import load_default
from arrears.workflows.case import CollectionCase
from tests.workflows.harness import CaseRunner
from tests.workflows.story import assert_case_is_sound, idle
from tests.workflows.test_door import SHANGHAI, of_type, skip_to_local, timeline

STRATEGY = load_default()
PERSONS = [
    {"ref": "P-1", "relation": "spouse", "phone": "+8613900000001", "name": "李四"},
    {"ref": "P-2", "relation": "colleague", "phone": "+8613900000002"},
]


def restore_calls(requests: list[NotificationRequest]) -> list[NotificationRequest]:
    return [r for r in requests if r.gate is not None and r.gate.purpose == "restore_contact"]


async def outcome(handle, **fields):
    return await handle.execute_update(
        CollectionCase.record_contact_outcome, RecordContactOutcome(**fields)
    )


async def test_a_wrong_number_keeps_email_going_and_calls_the_first_contact_person(
    runner: CaseRunner,
):
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        handle = await runner.start(
            STRATEGY, due_date=today - timedelta(days=31), contact_persons=PERSONS
        )
        await idle(handle)
        before = len(runner.fakes.notifications)
        await outcome(handle, outcome="wrong_number")
        await runner.env.sleep(timedelta(hours=2))
        after = runner.fakes.notifications[before:]

        (call,) = restore_calls(after)
        assert call.channel == "call" and call.template == "contact_person_call"
        assert call.gate.contact_point == "person:P-1"
        events = await timeline(handle)
        (sent,) = [e for e in of_type(events, "contact_sent") if e.step.startswith("restore")]
        assert sent.rule == "gate.allow" and sent.profile.startswith("CN@")
        # The debtor's own points go on: e-mail, never the invalid phone.
        await runner.env.sleep(timedelta(days=3))
        later = runner.fakes.notifications[before:]
        assert any(r.channel == "email" for r in later)
        assert not [r for r in later if r.channel == "sms"]
        assert all(r.gate.contact_point in (None, "person:P-1") for r in later)
        # At most one restore call a day, to the same person.
        days = [r.idempotency_key.rsplit(".", 1)[1] for r in restore_calls(later)]
        assert len(days) == len(set(days)) >= 2
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_a_lost_debtor_by_no_answer_waits_for_the_gate_to_count_them_lost(
    runner: CaseRunner,
):
    """Three unanswered calls today: the case counts the debtor lost at once, the gate
    (GB/T 45251-2025) only the day after; the blocked call is recorded, tomorrow's goes."""
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        handle = await runner.start(
            STRATEGY, due_date=today - timedelta(days=31), contact_persons=PERSONS
        )
        await idle(handle)
        for _ in range(3):
            await outcome(handle, outcome="no_answer")
        await runner.env.sleep(timedelta(hours=2))
        events = await timeline(handle)
        (blocked,) = [e for e in of_type(events, "contact_blocked") if e.step.startswith("rest")]
        assert blocked.rule == "CN.contact_person_not_lost"
        assert blocked.step == f"restore_contact.P-1.{today.isoformat()}"
        assert of_type(events, "contact_lost")

        await runner.env.sleep(timedelta(days=1))
        events = await timeline(handle)
        sent = [e for e in of_type(events, "contact_sent") if e.step.startswith("restore")]
        assert [e.step for e in sent] == [
            f"restore_contact.P-1.{(today + timedelta(days=1)).isoformat()}"
        ]
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_a_person_who_declined_is_never_called_again_and_the_next_is(runner: CaseRunner):
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        handle = await runner.start(
            STRATEGY, due_date=today - timedelta(days=31), contact_persons=PERSONS
        )
        await idle(handle)
        await outcome(handle, outcome="wrong_number")
        await runner.env.sleep(timedelta(hours=2))
        assert [r.gate.contact_point for r in restore_calls(runner.fakes.notifications)] == [
            "person:P-1"
        ]
        await outcome(handle, outcome="declined", contact_point="person:P-1")
        await runner.env.sleep(timedelta(days=3))
        events = await timeline(handle)

        (declined,) = of_type(events, "contact_person_declined")
        assert declined.person == "P-1" and declined.rule == "contact.contact_person_declined"
        points = [r.gate.contact_point for r in restore_calls(runner.fakes.notifications)]
        assert points[0] == "person:P-1" and points.count("person:P-1") == 1
        assert set(points[1:]) == {"person:P-2"}
        # The ledger holds the refusal: the gate itself would block P-1 now.
        assert any(
            e.contact_point == "person:P-1" and e.outcome == "refused" for e in runner.fakes.ledger
        )
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_a_conversation_with_the_debtor_ends_the_search(runner: CaseRunner):
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        handle = await runner.start(
            STRATEGY, due_date=today - timedelta(days=31), contact_persons=PERSONS
        )
        await idle(handle)
        for _ in range(3):
            await outcome(handle, outcome="no_answer")
        await runner.env.sleep(timedelta(days=1, hours=2))
        assert restore_calls(runner.fakes.notifications)
        # A conversation with the contact person is no conversation with the debtor.
        await outcome(handle, outcome="conversation", contact_point="person:P-1")
        assert not of_type(await timeline(handle), "contact_restored")
        await outcome(handle, outcome="conversation")
        calls = len(restore_calls(runner.fakes.notifications))
        await runner.env.sleep(timedelta(days=4))
        events = await timeline(handle)

        (restored,) = of_type(events, "contact_restored")
        assert restored.point == "phone"
        assert len(restore_calls(runner.fakes.notifications)) == calls
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_a_us_case_never_calls_a_contact_person(runner: CaseRunner):
    async with runner.worker():
        today = await skip_to_local(runner, "America/New_York", time(10))
        handle = await runner.start(
            STRATEGY,
            due_date=today - timedelta(days=31),
            jurisdiction="US",
            timezone="America/New_York",
            currency="USD",
            phone="+12125550123",
            contact_persons=PERSONS,
        )
        await idle(handle)
        await outcome(handle, outcome="wrong_number")
        await runner.env.sleep(timedelta(days=3))

        assert restore_calls(runner.fakes.notifications) == []
        assert not [
            e
            for e in await timeline(handle)
            if (getattr(e, "step", None) or "").startswith("restore")
        ]


async def test_an_outcome_naming_an_unknown_person_or_declined_by_the_debtor_is_refused(
    runner: CaseRunner,
):
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        handle = await runner.start(
            STRATEGY, due_date=today - timedelta(days=31), contact_persons=PERSONS
        )
        await idle(handle)
        with pytest.raises(WorkflowUpdateFailedError) as unknown:
            await outcome(handle, outcome="no_answer", contact_point="person:P-9")
        assert "contact_point" in str(unknown.value.cause)
        with pytest.raises(WorkflowUpdateFailedError) as debtor:
            await outcome(handle, outcome="declined")
        assert "outcome" in str(debtor.value.cause)
        assert not of_type(await timeline(handle), "contact_outcome")


async def test_a_debtor_lost_after_hours_has_one_restore_call_the_next_day(runner: CaseRunner):
    """Lost after the window closed: the call waits for the morning and is keyed by that
    day, so the morning's own turn queues no second call to the person."""
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        handle = await runner.start(
            STRATEGY, due_date=today - timedelta(days=31), contact_persons=PERSONS
        )
        await idle(handle)
        await runner.env.sleep(timedelta(hours=12))  # 22:00 local: the window is closed
        await outcome(handle, outcome="wrong_number")
        await runner.env.sleep(timedelta(days=1))
        events = await timeline(handle)

        sent = [e for e in of_type(events, "contact_sent") if e.step.startswith("restore")]
        tomorrow = today + timedelta(days=1)
        assert [e.step for e in sent] == [f"restore_contact.P-1.{tomorrow.isoformat()}"]
        assert sent[0].at.astimezone(ZoneInfo(SHANGHAI)).date() == tomorrow
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_a_contact_persons_wrong_number_moves_to_the_next_and_mails_nobody(
    runner: CaseRunner,
):
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        handle = await runner.start(
            STRATEGY, due_date=today - timedelta(days=31), contact_persons=PERSONS
        )
        await idle(handle)
        await outcome(handle, outcome="wrong_number")
        await runner.env.sleep(timedelta(hours=2))
        await outcome(handle, outcome="wrong_number", contact_point="person:P-1")
        await runner.env.sleep(timedelta(days=2))
        events = await timeline(handle)

        points = [r.gate.contact_point for r in restore_calls(runner.fakes.notifications)]
        assert points[0] == "person:P-1" and set(points[1:]) == {"person:P-2"}
        assert len(points) >= 2
        invalid = [e.point for e in of_type(events, "contact_point_invalid")]
        assert invalid == ["phone", "person:P-1"]
        assert not [
            r
            for r in runner.fakes.notifications
            if ".P-1." in r.idempotency_key[:-1] and r.channel == "email"
        ]
        assert not [e for e in events if e.type == "contact_restored"]
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)


async def test_a_debtor_who_ceased_calls_has_no_restore_call(runner: CaseRunner):
    async with runner.worker():
        today = await skip_to_local(runner, SHANGHAI, time(10))
        handle = await runner.start(
            STRATEGY, due_date=today - timedelta(days=31), contact_persons=PERSONS
        )
        await idle(handle)
        await handle.execute_update(CollectionCase.cease_contact, CeaseContact(channels=["call"]))
        await outcome(handle, outcome="wrong_number")
        await runner.env.sleep(timedelta(days=2))

        assert restore_calls(runner.fakes.notifications) == []
        assert of_type(await timeline(handle), "contact_lost")
