"""A case's history is read back as it was recorded: a policy on input that tightens later
refuses new input at the edge, and never makes a running case unreadable."""

from datetime import timedelta

import pytest
from pydantic import ValidationError
from temporalio.worker import Replayer

from arrears.contracts import Payment
from arrears.fields import RECORDED
from arrears.strategy import load_default
from arrears.worker import WORKFLOWS
from arrears.workflows.case import CollectionCase
from tests.factories import make_converter
from tests.workflows.harness import CaseRunner, local_today
from tests.workflows.story import assert_case_is_sound, idle

# Accepted before references were checked for phone numbers of every jurisdiction: today
# it is a UK mobile with its country code, refused as a reference.
OLD_PAYMENT = {"payment_id": "447911123456", "amount": 1_000, "currency": "CNY"}


def test_the_edge_refuses_what_a_history_may_hold():
    with pytest.raises(ValidationError, match="phone number"):
        Payment.model_validate(OLD_PAYMENT)
    assert Payment.model_validate(OLD_PAYMENT, context=RECORDED).payment_id == "447911123456"


async def test_a_payment_recorded_under_an_older_policy_is_read_back_and_replays(
    runner: CaseRunner,
):
    async with runner.worker():
        today = await local_today(runner.env)
        handle = await runner.start(load_default(), due_date=today - timedelta(days=10))
        # Sent as an older API would have sent it: the case reads it back from history.
        recorded = Payment.model_validate(OLD_PAYMENT, context=RECORDED)
        await handle.signal(CollectionCase.payment_received, recorded)
        await idle(handle)
        events = (await handle.query(CollectionCase.timeline)).events
        applied = [e for e in events if e.type == "payment_applied"]
        assert [e.model_extra["payment_id"] for e in applied] == ["447911123456"]
        await assert_case_is_sound(handle, runner.fakes.stored_event_types)
        history = await handle.fetch_history()

    replayer = Replayer(workflows=WORKFLOWS, data_converter=make_converter())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure
