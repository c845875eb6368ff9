"""The one door to the customer: which waiting contact may go now, and what became of it.

Every message and call a case makes, whatever asked for it (the cadence, an escalation
notice, a lawyer's letter), waits in `CaseState.pending_contacts` and leaves through here:
collection paused, the channel ceased or its contact point known invalid stops it, the
contact window defers it, and its outcome (sent, skipped, deferred or blocked by the contact
gate at the moment of sending) is recorded on the timeline with the gate's rule and profile.
A waiting contact is never dropped silently: it is sent, or the timeline says why not.

Pure: no Temporal import, no clock of its own. The workflow calls `settle_waiting` and
`next_contact` with the state as it is now, awaits the send, then hands the outcome to
`record_outcome`; nothing decided before the send is trusted after it.
"""

from collections.abc import Collection
from datetime import datetime, timedelta

from arrears import strategy as rules
from arrears.compliance.facts import point_of
from arrears.contracts import Channel, ContactGateFacts, NotificationResult
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

POINT_INVALID = "gate.point_invalid"
"""The rule that keeps contacts from a contact point known not to reach the customer."""


def pending_point(pending: PendingContact) -> str:
    """The contact point `pending` goes to: its own (a contact person), else its channel's."""
    return pending.contact_point or point_of(pending.channel)


def gate_facts(state: CaseState, pending: PendingContact, now: datetime) -> ContactGateFacts:
    """What the contact gate is told of `pending`, from the case as it is now."""
    purpose = pending.purpose or ("notice" if pending.notice is not None else "collection")
    return case_gate_facts(state).model_copy(
        update={"purpose": purpose, "contact_point": pending.contact_point}
    )


def case_gate_facts(state: CaseState) -> ContactGateFacts:
    """What the contact gate is told of a collection contact by the case as it is now: the
    channels ceased, the contact points known invalid, vulnerability, Breathing Space."""
    return ContactGateFacts(
        opted_out=sorted(state.ceased_channels),
        invalid_points=sorted(state.invalid_points),
        vulnerability=state.vulnerability,
        breathing_space_until=state.breathing_space_ends_at(),
    )


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
    cadence = {contact.step_key for contact in due}
    for contact in due:
        if contact.step_key in state.contacts_done or contact.step_key in waiting:
            continue
        if point_of(contact.channel) in state.invalid_points:
            # Never silently: the step is recorded as skipped, and e-mail goes instead.
            state.contacts_done.add(contact.step_key)
            state.record(
                now,
                "contact_skipped",
                channel=contact.channel,
                step=contact.step_key,
                rule=POINT_INVALID,
                point=point_of(contact.channel),
            )
            name = contact.step_key.rsplit(".", 1)[0]
            if f"{name}.email" not in cadence:
                _queue_instead(
                    state,
                    PendingContact(
                        step_key=contact.step_key,
                        channel=contact.channel,
                        template=CADENCE_TEMPLATES.get(state.stage, "collection_notice"),
                        not_before=not_before,
                        fallback=["email"],
                    ),
                    not_before,
                )
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


def withdraw(
    state: CaseState,
    now: datetime,
    rule: str,
    *,
    notices: bool = True,
    keep: Collection[str] = (),
) -> None:
    """Take back every waiting contact (with `notices`, notices too, but those named in
    `keep`), each recorded."""
    for pending in list(state.pending_contacts):
        if pending.notice in keep:
            continue
        if pending.notice is None or notices:
            _drop(state, pending, now, "contact_withdrawn", rule)


def withdraw_one(state: CaseState, pending: PendingContact, now: datetime, rule: str) -> None:
    """Take back the waiting contact `pending`, recorded (`contact_withdrawn`)."""
    _drop(state, pending, now, "contact_withdrawn", rule)


def settle_waiting(state: CaseState, now: datetime) -> None:
    """Settle, without sending, every waiting contact that cannot go now: withdraw all of
    them while collection is paused (an escalation's notice is decided again when the pause
    ends) but a notice the case itself owes the customer (a US validation notice, which a
    pause does not excuse), block those on a ceased channel (moving to a fallback channel
    where there is one) and defer those due outside the contact window, recording each
    once."""
    if not state.is_open:
        return
    reason = state.pause_reason(now)
    if reason:
        withdraw(state, now, f"contact.paused_{reason}", keep=CASE_NOTICE_RULES)
    for pending in list(state.pending_contacts):
        if pending_point(pending) in state.invalid_points:
            # A contact person's call never turns into a message to the debtor.
            if pending.contact_point is None and "email" not in pending.fallback:
                pending.fallback = [*pending.fallback, "email"]
                if pending.channel == "call":
                    pending.template = CADENCE_TEMPLATES.get(state.stage, "collection_notice")
            _fall_back(state, pending, now, "contact_blocked", POINT_INVALID)
        elif pending.channel in state.ceased_channels:
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
    started: datetime | None = None,
) -> None:
    """Record what became of `sent`, as it happened: it may have been withdrawn while it
    was on its way, and a message that left is recorded all the same, at the instant it
    left (`sent_instant`; `started`: when the case asked for it)."""
    pending = next((p for p in state.pending_contacts if p.step_key == sent.step_key), None)
    withdrawn, state.sending, state.withdrawn_while_sending = (
        state.withdrawn_while_sending,
        None,
        None,
    )
    if withdrawn is not None and result.status == "deferred":
        # Taken back while on its way, and it did not leave: told now.
        state.record(
            now, "contact_withdrawn", channel=sent.channel, step=sent.step_key, rule=withdrawn
        )
    if result.status == "deferred":
        if pending is not None:
            # The send's clock may trail the case's by a moment: never wait for the past.
            until = max(result.until or now, now + RETRY_AFTER_DEFERRAL)
            _defer(state, pending, now, until, result.rule or window_rule, result.profile)
        return
    if result.status == "blocked":
        # The gate will not let it go: recorded with its rule, and like a ceased channel
        # the contact moves to its next channel (if it is still waiting at all).
        if pending is not None:
            _fall_back(state, pending, now, "contact_blocked", result.rule, result.profile)
        else:
            state.contacts_done.add(sent.step_key)
            state.record(
                now,
                "contact_blocked",
                channel=sent.channel,
                step=sent.step_key,
                rule=result.rule,
                profile=result.profile,
            )
        return
    sent_now = result.status == "sent"
    if sent_now:
        now = sent_instant(result, started, now)
    state.record(
        now,
        "contact_sent" if sent_now else "contact_skipped",
        channel=sent.channel,
        template=sent.template,
        step=sent.step_key,
        message_id=result.message_id,
        detail=None if sent_now else result.detail,
        rule=(result.rule or window_rule) if sent_now else None,
        profile=result.profile,
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


def sent_instant(result: NotificationResult, started: datetime | None, now: datetime) -> datetime:
    """When a sent message left, as the case tells it (`instant_of_effect` of its
    `sent_at`); `now` for any other result."""
    return instant_of_effect(result.sent_at if result.status == "sent" else None, started, now)


def instant_of_effect(
    reported: datetime | None, started: datetime | None, now: datetime
) -> datetime:
    """When an effect the case awaited happened, as the case tells it: the instant the
    activity `reported`, kept within the span it was under way (from `started`, when the
    case asked for it, to `now`, when the case learned it, by the case's clock, since the
    two clocks may differ). So a command that reached the case while the effect was on its
    way is told after it when the effect happened first, and before it otherwise. Without
    a reported instant (a history from before activities said so): `now`."""
    if reported is None or started is None:
        return now
    return min(max(reported, started), now)


def _defer(
    state: CaseState,
    pending: PendingContact,
    now: datetime,
    until: datetime,
    rule: str,
    profile: str | None = None,
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
            profile=profile,
        )


def _fall_back(
    state: CaseState,
    pending: PendingContact,
    now: datetime,
    event: str | None,
    rule: str | None,
    profile: str | None = None,
) -> None:
    """`pending` cannot reach the customer on its channel: record why (`event`, unless the
    outcome is recorded already), then try its next channel, or give it up."""
    if event is not None:
        state.record(
            now, event, channel=pending.channel, step=pending.step_key, rule=rule, profile=profile
        )
    state.contacts_done.add(pending.step_key)
    state.pending_contacts.remove(pending)
    if not _queue_instead(state, pending, now) and pending.notice is not None:
        notice_undelivered(state, pending.notice, now)


def _queue_instead(state: CaseState, pending: PendingContact, now: datetime) -> bool:
    """Queue `pending` on the first of its fallback channels that may still reach the
    customer, unless that step is waiting or done already. Returns whether one is queued
    or waiting."""
    channels = [
        c
        for c in pending.fallback
        if c not in state.ceased_channels and point_of(c) not in state.invalid_points
    ]
    if not channels:
        return False
    first, *rest = channels
    name = pending.step_key.rsplit(".", 1)[0]
    step_key = f"{name}.{first}"
    if step_key in state.contacts_done or any(
        p.step_key == step_key for p in state.pending_contacts
    ):
        return True
    state.pending_contacts.append(
        pending.model_copy(
            update={
                "step_key": step_key,
                "channel": first,
                "fallback": rest,
                "deferred": False,
                "not_before": now,
            }
        )
    )
    return True


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
    if pending.step_key == state.sending:
        # On its way already: taken back only if it does not leave, and told then
        # (`record_outcome`); a message that left was not taken back.
        state.withdrawn_while_sending = rule
        return
    state.record(now, event, channel=pending.channel, step=pending.step_key, rule=rule)


def _version(state: CaseState) -> dict[str, str]:
    return {"strategy": state.strategy.version} if state.strategy else {}
