"""The gate's answer: allow, defer until an instant, or block, always with the rule."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Decision = Literal["allow", "defer", "block"]


@dataclass(frozen=True)
class Verdict:
    """`rule`: the id of the rule that decided (`CN.quiet_hours`, `US.seven_in_seven`, ...;
    `gate.allow` when none stood in the way). `profile`: the version of the layered profile
    that decided (`CN@2026.1+house@1`). `until` (UTC): for `defer`, when to ask again.
    `detail`: one line a person can read."""

    decision: Decision
    rule: str
    profile: str
    until: datetime | None = None
    detail: str = ""

    @property
    def allowed(self) -> bool:
        return self.decision == "allow"
