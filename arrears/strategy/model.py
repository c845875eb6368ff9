"""The schema of a collection strategy: its fields, their types and their ranges.

Pure: no I/O, no Temporal import. Rules that relate one field to another (stage order,
escalation order, legal ceilings) live in `arrears.strategy.checks`; the loader, the way
every strategy enters the system, applies both and reports each problem with its path.
"""

from typing import Annotated, Generic, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from arrears.contracts import Channel, Jurisdiction, RiskTier, Stage

EscalationStep = Literal[
    "bureau_pre_notice", "bureau_report", "lawyer_letter", "litigation_referral", "write_off"
]
Blocker = Literal["promise", "plan", "dispute", "hardship"]
DelinquencyReason = Literal[
    "cannot_pay", "forgot", "lost_contact", "disputes_debt", "hardship", "other"
]
ReasonPath = Literal["remind", "cooling_off", "find_contact", "dispute"]
"""What a case does once an agent learns why the customer is behind: `remind` (reminders
go on), `cooling_off` (the hardship cooling-off pause, then plan offers), `find_contact`
(the debtor is lost: contact is to be restored), `dispute` (a dispute opens, which stops
collection)."""

STAGE_ORDER: tuple[Stage, ...] = get_args(Stage)
TIERS: tuple[RiskTier, ...] = get_args(RiskTier)
LEGAL_MAX_PLAN_MONTHS: dict[Jurisdiction, int] = {"CN": 60}
"""Ceilings set by law: a strategy may offer shorter plans, never longer ones."""

Days = Annotated[int, Field(ge=0)]
PositiveDays = Annotated[int, Field(gt=0)]
Months = Annotated[int, Field(gt=0)]
BasisPoints = Annotated[int, Field(ge=0, le=10_000, description="1/100 of a percent.")]


VERSION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"
"""A strategy version: letters, digits, `.`, `_` and `-`, at most 40 characters."""


class Rule(BaseModel):
    """Base of every strategy object: unknown fields are errors, numbers are never coerced
    from strings or booleans, and a loaded strategy is not changed afterwards."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


T = TypeVar("T")


class PerTier(Rule, Generic[T]):
    """One value for each risk tier; all three are required."""

    low: T
    medium: T
    high: T

    def of(self, tier: RiskTier) -> T:
        return {"low": self.low, "medium": self.medium, "high": self.high}[tier]


class CadenceStep(Rule):
    """Contact on `channels` on day `day` since stage entry, then every `every_days` days
    if set. Channel `call` is an agent call task; `sms` and `email` are sent messages."""

    day: Days
    every_days: PositiveDays | None = None
    channels: list[Channel] = Field(min_length=1)

    @field_validator("channels")
    @classmethod
    def _channels_once(cls, channels: list[Channel]) -> list[Channel]:
        if len(set(channels)) != len(channels):
            raise ValueError("each channel may be listed once")
        return channels


class StageRule(Rule):
    """A stage runs from `from_dpd` until the next stage's `from_dpd`. A stage that
    `requires_refusal` is entered only by a customer who refuses to pay; others stay in
    the stage before it. `contact` stages need a cadence for every tier; others have none."""

    name: Stage
    from_dpd: Days
    requires_refusal: bool = False
    contact: bool = True
    cadence: PerTier[list[CadenceStep]] | None = None


class After(Rule):
    """Another escalation that must have happened at least `wait_days` days before."""

    step: EscalationStep
    wait_days: PositiveDays


class EscalationRule(Rule):
    """Due from `dpd` (for the case's risk tier) unless a blocker is active; only for
    refusers if `requires_refusal`; only once `after` has happened and its wait passed."""

    dpd: PerTier[Days]
    requires_refusal: bool = False
    after: After | None = None
    blocked_by: list[Blocker] = Field(default_factory=list)


class OfferRule(Rule):
    """Made in `stages` to `tiers`; if `only_on_hardship`, only to a customer in hardship."""

    stages: list[Stage] = Field(min_length=1)
    tiers: list[RiskTier] = Field(default_factory=lambda: list(TIERS), min_length=1)
    only_on_hardship: bool = False


class WaiverRule(OfferRule):
    """Waive `waiver_bp` of the outstanding interest if the rest is paid in full."""

    waiver_bp: BasisPoints


class PlanRule(OfferRule):
    """Instalments over one of `months`, each term listed once in increasing order."""

    months: list[Months] = Field(min_length=1)

    @field_validator("months")
    @classmethod
    def _increasing(cls, months: list[int]) -> list[int]:
        if months != sorted(set(months)):
            raise ValueError("list each term once, in increasing order")
        return months


class ExtensionRule(OfferRule):
    """`days` more to pay the whole balance."""

    days: PositiveDays


class OfferRules(Rule):
    interest_waiver: list[WaiverRule] = Field(default_factory=list)
    instalment_plan: list[PlanRule] = Field(default_factory=list)
    extension: list[ExtensionRule] = Field(default_factory=list)


class ReasonPaths(Rule):
    """The path each delinquency reason (`reason` of a call outcome) takes."""

    cannot_pay: ReasonPath = "cooling_off"
    forgot: ReasonPath = "remind"
    lost_contact: ReasonPath = "find_contact"
    disputes_debt: ReasonPath = "dispute"
    hardship: ReasonPath = "cooling_off"
    other: ReasonPath = "remind"

    def of(self, reason: DelinquencyReason) -> ReasonPath:
        return getattr(self, reason)


class Strategy(Rule):
    """A versioned collection strategy. `version` is recorded on every decision made by it.

    A promise is kept if paid by its date plus `promise_tolerance_days`, and its date may
    lie at most `promise_max_horizon_days` ahead. A jurisdiction missing from
    `plan_max_months` gets no instalment plans.

    `dpd_during_plan` says how days past due behave while an agreed plan performs:
    `frozen`, they stop counting (no stage change or escalation falls due, and a plan can
    run to term however long it is), and if the plan breaks they count on from where they
    stood; `counting`, they go on counting. Either way an active plan, promise, hardship
    pause or dispute holds back every escalation, write-off included.
    """

    version: str = Field(pattern=VERSION_PATTERN)
    description: str = ""
    grace_days: Days
    promise_tolerance_days: PositiveDays
    promise_max_horizon_days: PositiveDays
    hardship_cooling_off_days: PositiveDays
    dpd_during_plan: Literal["counting", "frozen"] = "counting"
    plan_max_months: dict[Jurisdiction, Months] = Field(min_length=1)
    stages: list[StageRule] = Field(min_length=1)
    escalations: dict[EscalationStep, EscalationRule] = Field(default_factory=dict)
    offers: OfferRules = Field(default_factory=OfferRules)
    reasons: ReasonPaths = Field(default_factory=ReasonPaths)
    """The path each delinquency reason takes; a strategy without the section (or a
    reason left out of it) takes the defaults."""
