"""The one door to the customer: which waiting contact may go now, and what became of it.

Every message and call a case makes, whatever asked for it (the cadence, an escalation
notice, a lawyer's letter), waits in `CaseState.pending_contacts` and leaves through here:
collection paused or the channel ceased stops it, the contact window defers it, and its
outcome (sent, skipped, deferred at the moment of sending) is recorded on the timeline. A
waiting contact is never dropped silently: it is sent, or the timeline says why not.

Pure: no Temporal import, no clock of its own. The workflow calls `settle_waiting` and
`next_contact` with the state as it is now, awaits the send, then hands the outcome to
`record_outcome`; nothing decided before the send is trusted after it.
"""

from datetime import datetime, timedelta

from arrears import strategy as rules
from arrears.contracts import Channel, NotificationResult
from arrears.workflows.case_state import CaseState, PendingContact
from arrears.workflows.compliance import check_contact_time

CADENCE_TEMPLATES = {"reminder": "reminder", "call": "collection_call"}
"""Message template by stage (default `collection_notice`) and for agent calls."""

NOTICE_CHANNELS: tuple[Channel, ...] = ("sms", "email")
"""Channels a written notice may take, in order of preference."""

NOTICE_EVENTS = {"bureau_pre_notice": "bureau_prenotice"}
"""Escalations that are a notice to the customer, and the event recorded once it is sent."""

CASE_NOTICE_RULES = {"validation_notice": "US.validation_notice"}
"""Notices a case owes for itself, not for an escalation, and the rule that requires them;
their own module records them once sent (`validation_notice.record_sent`)."""

RETRY_AFTER_DEFERRAL = timedelta(seconds=1)
"""The least a send deferred at the moment of sending waits before it is tried again."""


def queue_cadence(state: CaseState, now: datetime, *, at_once: bool = False) -> None:
    """Queue the contacts the cadence asks for today, unless collection is paused or the
    stage makes no contact. They wait for the contact window to open, except at case
    opening (`at_once`), where the door records the deferral."""
    assert state.strategy is not None
    if state.pause_reason(now) or not rules.stage_rule(state.strategy, state.stage).contact:
        return
    due = rules.contacts_due(state.strategy, state.stage, state.tier, state.days_in_stage(now))
    waiting = {p.step_key for p in state.pending_contacts}
    window = check_contact_time(now, state.tz, state.opening.jurisdiction)
    not_before = now if at_once or window.until is None else window.until
    for contact in due:
        if contact.step_key in state.contacts_done or contact.step_key in waiting:
            continue
        kind = "call" if contact.channel == "call" else state.stage
        state.pending_contacts.append(
            PendingContact(
                step_key=contact.step_key,
                channel=contact.channel,
                template=CADENCE_TEMPLATES.get(kind, "collection_notice"),
                not_before=not_before,
            )
        )


def queue_written(
    state: CaseState,
    now: datetime,
    *,
    name: str,
    template: str,
    notice: str | None = None,
    channels: tuple[Channel, ...] = NOTICE_CHANNELS,
) -> bool:
    """Queue a written message (`name`: its step, e.g. `bureau_pre_notice`) on the first of
    `channels` not ceased, the others as fallback. Returns False, queueing nothing, when
    every written channel is ceased."""
    channels = tuple(c for c in channels if c not in state.ceased_channels)
    if not channels:
        return False
    first, *rest = channels
    state.pending_contacts.append(
        PendingContact(
            step_key=f"{name}.{first}",
            channel=first,
            template=template,
            not_before=now,
            fallback=rest,
            notice=notice,
        )
    )
    return True


def withdraw(state: CaseState, now: datetime, rule: str, *, notices: bool = True) -> None:
    """Take back every waiting contact (with `notices`, notices too), each recorded."""
    for pending in list(state.pending_contacts):
        if pending.notice is None or notices:
            _drop(state, pending, now, "contact_withdrawn", rule)


def settle_waiting(state: CaseState, now: datetime) -> None:
    """Settle, without sending, every waiting contact that cannot go now: withdraw all of
    them while collection is paused (an escalation's notice is decided again when the pause
    ends), block those on a ceased channel (moving to a fallback channel where there is
    one) and defer those due outside the contact window, recording each once."""
    if not state.is_open:
        return
    reason = state.pause_reason(now)
    if reason:
        withdraw(state, now, f"contact.paused_{reason}")
        return
    for pending in list(state.pending_contacts):
        if pending.channel in state.ceased_channels:
            _fall_back(state, pending, now, "contact_blocked", "contact.cease_request")
        elif pending.not_before <= now:
            window = check_contact_time(now, state.tz, state.opening.jurisdiction)
            if not window.allowed:
                _defer(state, pending, now, window.until or now, window.rule)


def next_contact(state: CaseState, now: datetime) -> PendingContact | None:
    """The first waiting contact that may go now (call `settle_waiting` first), or None."""
    if not state.is_open:
        return None
    return next((p for p in state.pending_contacts if p.not_before <= now), None)


def record_outcome(
    state: CaseState,
    sent: PendingContact,
    result: NotificationResult,
    now: datetime,
    *,
    window_rule: str,
) -> None:
    """Record what became of `sent`, as it happened: it may have been withdrawn while it
    was on its way, and a message that left is recorded all the same."""
    pending = next((p for p in state.pending_contacts if p.step_key == sent.step_key), None)
    if result.status == "deferred":
        if pending is not None:
            # The send's clock may trail the case's by a moment: never wait for the past.
            until = max(result.until or now, now + RETRY_AFTER_DEFERRAL)
            _defer(state, pending, now, until, result.rule or window_rule)
        return
    sent_now = result.status == "sent"
    state.record(
        now,
        "contact_sent" if sent_now else "contact_skipped",
        channel=sent.channel,
        template=sent.template,
        step=sent.step_key,
        message_id=result.message_id,
        detail=None if sent_now else result.detail,
        rule=window_rule if sent_now else None,
        strategy=state.strategy.version if state.strategy else None,
    )
    if sent_now:
        state.contacts_done.add(sent.step_key)
        if pending is not None:
            state.pending_contacts.remove(pending)
        if sent.notice is not None:
            _notice_given(state, sent, result, now)
        return
    if pending is not None:
        _fall_back(state, pending, now, None, None)
    else:
        state.contacts_done.add(sent.step_key)


def _defer(
    state: CaseState, pending: PendingContact, now: datetime, until: datetime, rule: str
) -> None:
    pending.not_before = until
    if not pending.deferred:
        pending.deferred = True
        state.record(
            now,
            "contact_deferred",
            channel=pending.channel,
            step=pending.step_key,
            until=until,
            rule=rule,
        )


def _fall_back(
    state: CaseState, pending: PendingContact, now: datetime, event: str | None, rule: str | None
) -> None:
    """`pending` cannot reach the customer on its channel: record why (`event`, unless the
    outcome is recorded already), then try its next channel, or give it up."""
    if event is not None:
        state.record(now, event, channel=pending.channel, step=pending.step_key, rule=rule)
    state.contacts_done.add(pending.step_key)
    state.pending_contacts.remove(pending)
    channels = [c for c in pending.fallback if c not in state.ceased_channels]
    if channels:
        first, *rest = channels
        name = pending.step_key.rsplit(".", 1)[0]
        state.pending_contacts.append(
            pending.model_copy(
                update={
                    "step_key": f"{name}.{first}",
                    "channel": first,
                    "fallback": rest,
                    "deferred": False,
                    "not_before": now,
                }
            )
        )
    elif pending.notice is not None:
        notice_undelivered(state, pending.notice, now)


def notice_undelivered(state: CaseState, notice: str, now: datetime) -> None:
    """No channel reaches the customer: the escalation that needs this notice waits."""
    state.notices_undelivered.add(notice)
    state.record(
        now,
        "notice_undelivered",
        step=notice,
        rule=CASE_NOTICE_RULES.get(notice, f"escalations.{notice}.notice_required"),
        **_version(state),
    )


def _notice_given(
    state: CaseState, sent: PendingContact, result: NotificationResult, now: datetime
) -> None:
    assert sent.notice is not None
    if sent.notice in CASE_NOTICE_RULES:
        return
    state.escalations_done[sent.notice] = state.dpd
    state.record(
        now,
        NOTICE_EVENTS[sent.notice],
        dpd=state.dpd,
        channel=sent.channel,
        message_id=result.message_id,
        rule=f"escalations.{sent.notice}.dpd.{state.tier}",
        **_version(state),
    )


def _drop(state: CaseState, pending: PendingContact, now: datetime, event: str, rule: str) -> None:
    state.pending_contacts.remove(pending)
    state.record(now, event, channel=pending.channel, step=pending.step_key, rule=rule)


def _version(state: CaseState) -> dict[str, str]:
    return {"strategy": state.strategy.version} if state.strategy else {}
