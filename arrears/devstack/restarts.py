"""When to restart a child of `arrears dev` that died, and when to say it keeps dying.

Pure rules on a monotonic clock in seconds, no processes: the supervisor feeds them.
"""

from collections import deque
from dataclasses import dataclass

# 2 ** 30 s is far past any cap; bounding the exponent keeps a child that has died a
# great many times from overflowing the float arithmetic.
_MAX_DOUBLINGS = 30


@dataclass(frozen=True)
class RestartPolicy:
    """Exponential backoff between restarts, and the threshold of an alarm.

    - `first_delay` seconds after a first death, doubling after each further quick death,
      never more than `max_delay`;
    - a death after `stable_after` seconds up starts again from `first_delay`;
    - `alarm_deaths` deaths within `alarm_window` seconds raise the alarm.
    """

    first_delay: float = 1.0
    max_delay: float = 30.0
    stable_after: float = 60.0
    alarm_deaths: int = 5
    alarm_window: float = 300.0

    def __post_init__(self) -> None:
        if not 0 < self.first_delay <= self.max_delay:
            raise ValueError("need 0 < first_delay <= max_delay")
        if self.alarm_deaths < 1 or self.alarm_window <= 0 or self.stable_after < 0:
            raise ValueError("need alarm_deaths >= 1, alarm_window > 0, stable_after >= 0")

    def delay(self, quick_deaths: int) -> float:
        """Seconds to wait before the restart that follows the `quick_deaths`-th death in a
        row (1 for the first) of a child that did not stay up `stable_after`."""
        doublings = min(max(quick_deaths - 1, 0), _MAX_DOUBLINGS)
        return min(self.max_delay, self.first_delay * 2**doublings)


@dataclass(frozen=True)
class Restart:
    """What to do after one death: wait `delay` seconds, then start the child again.

    `keeps_dying` is true once per streak: at the death that brings the deaths within the
    window to the policy's threshold. `recent_deaths` counts those in the window.
    """

    delay: float
    recent_deaths: int
    keeps_dying: bool


class RestartHistory:
    """The deaths of one child, as the supervisor saw them."""

    def __init__(self, policy: RestartPolicy) -> None:
        self.policy = policy
        self._quick_deaths = 0
        self._deaths: deque[float] = deque()
        self._alarmed = False

    def record_death(self, *, at: float, uptime: float) -> Restart:
        """Record a death at monotonic time `at` (seconds) of a child that had been up
        `uptime` seconds, and say when to restart it."""
        policy = self.policy
        if uptime >= policy.stable_after:
            self._quick_deaths = 0
        self._quick_deaths += 1
        self._deaths.append(at)
        while self._deaths[0] <= at - policy.alarm_window:
            self._deaths.popleft()
        recent = len(self._deaths)
        over = recent >= policy.alarm_deaths
        # Said once when the streak begins, not at every death that follows: each death is
        # reported anyway, and a repeated alarm would only bury it.
        keeps_dying = over and not self._alarmed
        self._alarmed = over
        return Restart(
            delay=policy.delay(self._quick_deaths), recent_deaths=recent, keeps_dying=keeps_dying
        )
