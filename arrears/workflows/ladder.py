"""The foundation ladder: the stage for days past due (DPD) of a case opened without a
strategy. Strategy-driven cases take their stages from `arrears.strategy` instead; this one
stays as it was so that those older cases keep their behaviour and their histories replay.

Pure.
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
