"""A strategy-driven case sleeps until something is due, and does the same as one that
looked at itself every midnight: the contacts of its cadence on their days, at the opening
of the contact window, with a timer only for each of them."""

from datetime import time, timedelta

from temporalio.api.enums.v1 import EventType

from arrears.commands import RecordContactOutcome
from arrears.workflows.case import CollectionCase
from tests.workflows.harness import SHANGHAI, CaseRunner
from tests.workflows.test_strategy_paths import begin, events


async def test_a_case_wakes_only_when_its_cadence_asks(runner: CaseRunner):
    async with runner.worker():
        handle, today = await begin(runner, dpd=5)  # early stage, medium risk
        await runner.env.sleep(timedelta(days=24, hours=4))  # DPD 29, 14:00
        outcome = await handle.execute_update(
            CollectionCase.record_contact_outcome, RecordContactOutcome(outcome="no_answer")
        )
        timeline = await events(handle)
        history = await handle.fetch_history()

    sent = [
        (e.at.astimezone(SHANGHAI), e.model_extra["channel"])
        for e in timeline
        if e.type == "contact_sent"
    ]
    # Early, medium risk: SMS on days 0, 7, 14, 21 of the stage, e-mail on days 3 and 17;
    # the first at opening (10:00), the others when the contact window opens.
    assert [((at.date() - today).days, channel) for at, channel in sent] == [
        (0, "sms"),
        (3, "email"),
        (7, "sms"),
        (14, "sms"),
        (17, "email"),
        (21, "sms"),
    ]
    assert all(at.time().replace(second=0, microsecond=0) == time(8) for at, _ in sent[1:])
    before_update = []
    for event in history.events:
        if event.HasField("workflow_execution_update_accepted_event_attributes"):
            break
        before_update.append(event)
    timers = [e for e in before_update if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED]
    # One towards each contact day and one towards the stage change at DPD 31, which the
    # update interrupted; a daily look would have needed one every day: 24.
    assert len(timers) == len(sent) - 1 + 1
    assert outcome.case.dpd == 29  # counted at the update, not at the last wake
