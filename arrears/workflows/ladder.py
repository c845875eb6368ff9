"""The default collection ladder: which stage a case is in for its days past due (DPD).

Pure. The full strategy file replaces these numbers; the shape stays.
"""

from arrears.contracts import Stage

GRACE_DAYS = 3
"""DPD 0..3 is the grace period: friendly reminders, no fee if paid."""

WRITE_OFF_DPD = 180

_LADDER: tuple[tuple[int, Stage], ...] = (
    (WRITE_OFF_DPD, "write_off"),
    (61, "late"),
    (31, "mid"),
    (GRACE_DAYS + 1, "early"),
    (0, "reminder"),
)


def stage_for(dpd: int) -> Stage:
    """The stage for `dpd` days past due. Legal needs a refusal as well, so DPD alone
    never reaches it; a case past 90 DPD stays `late` until it is written off."""
    for first_day, stage in _LADDER:
        if dpd >= first_day:
            return stage
    return "reminder"
