"""Limits of one workflow run. Passed through the sandbox, so tests may lower them.

Changing a limit changes when running cases continue as new, which replay notices: treat
it as a change to workflow code (behind `workflow.patched`).
"""

CONTINUE_AS_NEW_AFTER_EVENTS = 4_000
"""A run continues as new once its history is this long: far below Temporal's limits, and
short enough that replaying a long-lived case stays fast."""
