"""The schema of a compliance profile: the rules of one jurisdiction, or a lender's house
policy, each naming its source and the date it took effect.

Pure: no I/O. `arrears.compliance.loader` reads profile files; `arrears.compliance.layering`
layers them so that the strictest rule wins. Every rule is optional: a layer that does not
name a rule says nothing about it.

A rule remembers the layer it came from (`layer`, filled from the profile's `name` when the
profile is built), so a layered profile's verdicts still name `<layer>.<rule>` and the
winning layer's source.
"""

from datetime import date, datetime, time
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from arrears.compliance.facts import Channel

WRITTEN_CHANNELS: frozenset[Channel] = frozenset({"sms", "email"})

NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,19}$"
"""A layer's name (`CN`, `house`): the first part of every rule id it produces."""
VERSION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"
"""A profile file's version. `@` and `+` are kept for the layered version
(`CN@2026.1+house@3`)."""


def _clock(value: Any) -> Any:
    """`"08:00"` to a time. YAML reads an unquoted `8:00` as the number 480 (base 60), so a
    number is refused with a hint rather than taken as minutes."""
    if isinstance(value, str):
        try:
            return time.fromisoformat(value)
        except ValueError as error:
            raise ValueError(f"not a clock time {value!r}: write 'HH:MM'") from error
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("write a clock time as a quoted 'HH:MM' string")
    return value


def _day(value: Any) -> Any:
    """An ISO date (`2021-11-30`): YAML gives a date already, JSON a string."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError as error:
            raise ValueError(f"not a date {value!r}: write 'YYYY-MM-DD'") from error
    if isinstance(value, datetime):
        raise ValueError("an effective date has no time of day")
    return value


Clock = Annotated[time, BeforeValidator(_clock)]
Day = Annotated[date, BeforeValidator(_day)]
Positive = Annotated[int, Field(gt=0)]


class ProfileRule(BaseModel):
    """Unknown fields are errors, numbers are never coerced, a loaded profile is final."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Sourced(ProfileRule):
    """A rule with its legal or policy source (regulation and article) and the date it
    took effect. `layer`: the profile that contributed it, filled in by the profile."""

    source: str = Field(min_length=1)
    effective: Day
    layer: str = ""


class ContactWindowRule(Sourced):
    """Customer-local hours in which contact is allowed: [opens, closes), the same day.

    `agreed_window_allowed`: a window the customer agreed to (`CustomerFacts.agreed_window`)
    replaces this one (CN: "unless the customer agreed another window")."""

    opens: Clock
    closes: Clock
    agreed_window_allowed: bool = False


class CapRule(Sourced):
    """At most `limit` of what the rule counts."""

    limit: Positive


class QuietDaysRule(Sourced):
    """No call for `days` local days, the day of the event counting as the first."""

    days: Positive


class VulnerabilityRule(Sourced):
    """While an agent has flagged the customer vulnerable: `pause` stops every collection
    contact (a notice the law requires still goes); `soften` allows only written channels,
    at most `contacts_per_week` contacts in any rolling 7 days."""

    mode: Literal["pause", "soften"]
    contacts_per_week: Positive | None = None


class BreathingSpaceRule(Sourced):
    """While a moratorium runs (`CustomerFacts.breathing_space_until`), collection contact
    waits for its end; notices go. `days`: the moratorium's standard length."""

    days: Positive = 60


class ContactPersonsRule(Sourced):
    """A contact person may be contacted, only to restore contact, once the debtor is lost:
    their phone is invalid, or from the day after `failed_attempts` consecutive failed call
    attempts, or after `unreachable_days` consecutive local days of only failed attempts.
    Never again after the person refused."""

    failed_attempts: Positive = 3
    unreachable_days: Positive = 3


class ChannelsRule(Sourced):
    """A template rule that applies to the listed channels."""

    channels: list[Channel] = Field(min_length=1)


WordingCategory = Literal["impersonation", "threat_to_third_parties", "shaming", "borrow_elsewhere"]


class WordingRule(Sourced):
    """Template wording that is refused, by category."""

    categories: list[WordingCategory] = Field(min_length=1)


class TemplateRules(ProfileRule):
    """What the template lint checks. `opt_out_wording`: templates on these channels must
    tell how to opt out; `identify_institution`: a template must name the institution
    (`{{ institution }}`); `prohibited_wording`: categories of refused wording."""

    opt_out_wording: ChannelsRule | None = None
    identify_institution: Sourced | None = None
    prohibited_wording: WordingRule | None = None


_RULE_FIELDS = (
    "window",
    "connected_calls_per_customer_per_day",
    "unanswered_attempts_per_point_per_day",
    "call_attempts_per_debt_rolling_7_days",
    "quiet_days_after_conversation",
    "contacts_per_week",
    "opt_out",
    "vulnerability",
    "breathing_space",
    "contact_persons",
)


class Profile(ProfileRule):
    """One layer: a jurisdiction (`CN`, `US`, `UK`, `EU`) or a house policy; or several
    layered (`version` then reads `CN@2026.1+house@3`). Every rule is optional."""

    name: str = Field(pattern=NAME_PATTERN)
    version: str
    description: str = ""
    window: ContactWindowRule | None = None
    connected_calls_per_customer_per_day: CapRule | None = None
    unanswered_attempts_per_point_per_day: CapRule | None = None
    call_attempts_per_debt_rolling_7_days: CapRule | None = None
    quiet_days_after_conversation: QuietDaysRule | None = None
    contacts_per_week: CapRule | None = None
    opt_out: Sourced | None = None
    vulnerability: VulnerabilityRule | None = None
    breathing_space: BreathingSpaceRule | None = None
    contact_persons: ContactPersonsRule | None = None
    templates: TemplateRules | None = None

    @model_validator(mode="after")
    def _stamp_layer(self) -> Self:
        """Each rule without a layer belongs to this profile."""
        for field in _RULE_FIELDS:
            rule = getattr(self, field)
            if rule is not None and not rule.layer:
                object.__setattr__(self, field, rule.model_copy(update={"layer": self.name}))
        if self.templates is not None:
            updates = {
                field: rule.model_copy(update={"layer": self.name})
                for field in TemplateRules.model_fields
                if (rule := getattr(self.templates, field)) is not None and not rule.layer
            }
            if updates:
                object.__setattr__(self, "templates", self.templates.model_copy(update=updates))
        return self

    @property
    def label(self) -> str:
        """What a verdict records as the profile that decided: the layered version
        (`CN@2026.1+house@3`), or `name@version` for a single layer."""
        return self.version if self.layered else f"{self.name}@{self.version}"

    @property
    def layered(self) -> bool:
        """Whether this profile is already the result of layering (its version names its
        layers)."""
        return "@" in self.version

    def rule_id(self, rule: Sourced | None, suffix: str) -> str:
        """`<layer>.<suffix>`: the layer of `rule`, or this profile's name without one."""
        return f"{rule.layer if rule is not None and rule.layer else self.name}.{suffix}"
