"""The case's commands other than payments: promises, hardship, plans, disputes, cease,
call outcomes, vulnerability, Breathing Space, strategy moves, recall, and the customer's
new contact facts. A base of
`CollectionCase`, which provides `_state`, `_ids`, `_answer`, `_check` and
`_overdue_since`; the rules live in `case_commands`, `case_ids` and `dispute_outcomes`."""

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from arrears import ids
    from arrears.commands import ActedPromise, CommandOutcome
    from arrears.customers import ActedCustomer
    from arrears.idempotency import (
        KeyedOutcome,
        StampedBreathingSpace,
        StampedCease,
        StampedClose,
        StampedDispute,
        StampedHardship,
        StampedMigration,
        StampedOutcome,
        StampedPlan,
        StampedResolution,
        StampedVulnerability,
        StampedVulnerabilityCleared,
    )
    from arrears.workflows import contact_persons, door
    from arrears.workflows.case_commands import CommandRejected
    from arrears.workflows.customer_follow import follow_customer
    from arrears.workflows.dispute_outcomes import check_terms
    from arrears.workflows.dispute_outcomes import resolve as resolve_with_outcome
    from arrears.workflows.outcome_paths import follow_outcome

REASON_DECIDES_PATH = "reason-decides-path"
"""Patch id: a call outcome's reason sets the strategy's path in motion, a wrong number
makes the phone invalid, and three unanswered calls in a row mark the debtor lost
(`outcome_paths`); before it, outcomes were only recorded."""

MIGRATION_TAKES_BACK = "migration-takes-back-waiting"
"""Patch id: contacts waiting when the case moves to another strategy are taken back, each
recorded (`contact_withdrawn`, rule `strategy.migration`), and a notice the case owes for
itself (a US validation notice) stays; before it, they were all dropped unrecorded."""

NOTICE_AGAIN_ON_NEW_ADDRESS = "notice-again-on-new-address"
"""Patch id: a notice that reached no one (`notice_undelivered`) is decided again once the
customer's phone or e-mail changes, so the step the law ties to it can follow; before it,
such a notice was never tried again."""

DISPUTE_OUTCOMES = "dispute-outcomes"
"""Patch id: an upheld dispute corrects the balance or closes the case
(`dispute_outcomes`); before it, an upheld dispute left the case stopped and open."""


class CommandHandlers:
    @workflow.signal(name="promise_received")
    def promise_received(self, command: ActedPromise) -> None:
        """A promise from a self-service channel or an IVR. Deduplicated by promise_id; one
        the case cannot take is recorded as rejected, with the reason."""
        with self._state.acting(command.actor):
            self._take_signalled_promise(command)

    def _take_signalled_promise(self, command: ActedPromise) -> None:
        if self._ids.refused_promise(command):
            return
        try:
            self._state.check_promise(command, workflow.now())
        except CommandRejected as rejected:
            self._state.record(
                workflow.now(),
                "promise_rejected",
                promise_id=command.promise_id,
                rule=f"promise.{rejected.kind}",
                detail=str(rejected),
            )
            return
        self._state.make_promise(command, workflow.now())

    @workflow.update(name="promise_to_pay")
    def promise_to_pay(self, command: ActedPromise) -> CommandOutcome:
        with self._state.acting(command.actor):
            return self._answer(self._state.make_promise(command, workflow.now()))

    @promise_to_pay.validator
    def _validate_promise(self, command: ActedPromise) -> None:
        self._check(self._state.used_ids.check_promise, command)
        self._check(self._state.check_promise, command, workflow.now())

    # These take an Idempotency-Key (`case_ids`): their arguments are stamped.

    @workflow.update(name="report_hardship")
    def report_hardship(self, command: StampedHardship) -> KeyedOutcome:
        return self._ids.run(command, self._state.report_hardship)

    @report_hardship.validator
    def _validate_hardship(self, command: StampedHardship) -> None:
        self._ids.validate(command, self._state.check_hardship, command)

    @workflow.update(name="agree_plan")
    def agree_plan(self, command: StampedPlan) -> KeyedOutcome:
        return self._ids.run(command, self._state.agree_plan)

    @agree_plan.validator
    def _validate_plan(self, command: StampedPlan) -> None:
        self._ids.validate(command, self._state.check_plan, command, workflow.now())

    @workflow.update(name="open_dispute")
    def open_dispute(self, command: StampedDispute) -> KeyedOutcome:
        return self._ids.run(command, self._state.open_dispute)

    @open_dispute.validator
    def _validate_dispute(self, command: StampedDispute) -> None:
        self._ids.validate(command, self._state.check_dispute, command)

    @workflow.update(name="resolve_dispute")
    def resolve_dispute(self, command: StampedResolution) -> KeyedOutcome:
        return self._ids.run(command, self._resolve)

    def _resolve(self, command: StampedResolution, now: datetime) -> bool:
        if workflow.patched(DISPUTE_OUTCOMES):
            return resolve_with_outcome(self._state, command, now)
        return self._state.resolve_dispute(command, now)

    @resolve_dispute.validator
    def _validate_resolution(self, command: StampedResolution) -> None:
        self._ids.validate(command, self._check_resolution, command)

    def _check_resolution(self, command: StampedResolution) -> None:
        self._state.check_resolution(command)
        check_terms(self._state.dispute, command, self._state.ledger)

    @workflow.update(name="cease_contact")
    def cease_contact(self, command: StampedCease) -> KeyedOutcome:
        return self._ids.run(command, self._state.cease_contact)

    @cease_contact.validator
    def _validate_cease(self, command: StampedCease) -> None:
        self._ids.validate(command, self._state.check_cease, command)

    @workflow.update(name="record_contact_outcome")
    def record_contact_outcome(self, command: StampedOutcome) -> KeyedOutcome:
        return self._ids.run(command, self._record_outcome)

    def _record_outcome(self, command: StampedOutcome, now: datetime) -> bool:
        state = self._state
        was_lost = state.contact_lost
        persons = self._persons_apply(command)
        accepted = state.record_outcome(command, now)
        # Asked here too: an outcome may reach a new case before its run loop has asked.
        # Cases on the foundation ladder (no strategy) have no paths to take.
        if (
            state.strategy is not None
            and not state.reasons_decide
            and workflow.patched(REASON_DECIDES_PATH)
        ):
            state.reasons_decide = True
        if state.reasons_decide:
            follow_outcome(state, command, now, persons=persons)
        if persons:
            contact_persons.follow(state, command, now, was_lost)
        return accepted

    def _persons_apply(self, command: StampedOutcome) -> bool:
        """Whether the outcome takes the contact persons' path: asked (and the patch
        marked) only where it can change something, so cases without contact persons
        replay as before."""
        state = self._state
        relevant = (
            contact_persons.person_ref(command.point) is not None
            or contact_persons.first_person(state) is not None
        )
        return relevant and workflow.patched(contact_persons.PATCH)

    @record_contact_outcome.validator
    def _validate_outcome(self, command: StampedOutcome) -> None:
        self._ids.validate(command, self._check_outcome, command)

    def _check_outcome(self, command: StampedOutcome) -> None:
        self._state.check_outcome(command)
        problem = contact_persons.check_point(self._state, command)
        if problem is not None:
            raise CommandRejected("UnknownContactPoint", problem)
        problem = contact_persons.impossible_outcome(command)
        if problem is not None:
            raise CommandRejected("ImpossibleOutcome", problem)

    @workflow.update(name="flag_vulnerability")
    def flag_vulnerability(self, command: StampedVulnerability) -> KeyedOutcome:
        """An agent flags the customer as vulnerable; the gate pauses or softens contact."""
        return self._ids.run(command, self._state.flag_vulnerability)

    @flag_vulnerability.validator
    def _validate_vulnerability(self, command: StampedVulnerability) -> None:
        self._ids.validate(command, self._state.check_vulnerability, command)

    @workflow.update(name="clear_vulnerability")
    def clear_vulnerability(self, command: StampedVulnerabilityCleared) -> KeyedOutcome:
        return self._ids.run(command, self._state.clear_vulnerability)

    @clear_vulnerability.validator
    def _validate_vulnerability_cleared(self, command: StampedVulnerabilityCleared) -> None:
        self._ids.validate(command, self._state.check_vulnerability, command)

    @workflow.update(name="start_breathing_space")
    def start_breathing_space(self, command: StampedBreathingSpace) -> KeyedOutcome:
        """A Breathing Space (UK): collection pauses until it ends (`case_commands`)."""
        return self._ids.run(command, self._state.start_breathing_space)

    @start_breathing_space.validator
    def _validate_breathing_space(self, command: StampedBreathingSpace) -> None:
        self._ids.validate(command, self._state.check_breathing_space, command, workflow.now())

    @workflow.update(name="migrate_strategy")
    def migrate_strategy(self, command: StampedMigration) -> KeyedOutcome:
        """Follow another strategy from now on, on purpose; see `CaseState.migrate_strategy`."""
        return self._ids.run(command, self._migrate)

    def _migrate(self, command: StampedMigration, now: datetime) -> bool:
        state = self._state
        take_back = (
            bool(state.pending_contacts)
            and state.strategy is not None
            and command.strategy.version != state.strategy.version
            and workflow.patched(MIGRATION_TAKES_BACK)
        )
        accepted = state.migrate_strategy(command, now, take_back=take_back)
        if take_back:
            # What the old cadence queued is decided again under the new strategy; a
            # waiting message is never dropped without a word.
            door.withdraw(state, now, "strategy.migration", keep=door.CASE_NOTICE_RULES)
        if accepted:
            workflow.upsert_search_attributes([ids.STRATEGY.value_set(command.strategy.version)])
        return accepted

    @migrate_strategy.validator
    def _validate_migration(self, command: StampedMigration) -> None:
        self._ids.validate(command, self._state.check_migration, command)

    @workflow.update(name="close")
    def close(self, command: StampedClose) -> KeyedOutcome:
        """The bank recalls the case. Collection stops at once; the case closes."""
        return self._ids.run(command, self._state.recall)

    @close.validator
    def _validate_close(self, command: StampedClose) -> None:
        self._ids.validate(command, self._state.require_open)

    @workflow.signal(name="update_customer")
    def update_customer(self, customer: ActedCustomer) -> None:
        """The customer's contact facts changed (sent by `CustomerUpdate`): the case follows
        them, and decides by the new time zone from now on (`follow_customer`)."""
        state = self._state
        with state.acting(customer.actor):
            changed = follow_customer(state, customer.facts(), workflow.now())
        if (
            state.notices_undelivered
            and {"phone", "email"} & set(changed)
            and workflow.patched(NOTICE_AGAIN_ON_NEW_ADDRESS)
        ):
            # A new number or address may reach the customer: the notices that reached no
            # one are decided again (sent, or recorded undelivered once more).
            state.notices_undelivered.clear()
        if "timezone" in changed:
            # DPD 1 began at the new zone's midnight; listings count DPD from it.
            workflow.upsert_search_attributes([self._overdue_since()])
