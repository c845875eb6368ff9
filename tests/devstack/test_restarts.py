"""The restart rules of `arrears dev`: backoff, its reset, and the alarm of a child that
keeps dying."""

import pytest

from arrears.devstack.restarts import RestartHistory, RestartPolicy

POLICY = RestartPolicy(
    first_delay=1.0, max_delay=30.0, stable_after=60.0, alarm_deaths=5, alarm_window=300.0
)


def test_delays_double_from_one_second_up_to_the_cap():
    history = RestartHistory(POLICY)
    delays = [history.record_death(at=i * 2.0, uptime=1.0).delay for i in range(8)]
    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]


def test_a_child_that_stayed_up_a_while_starts_again_from_the_first_delay():
    history = RestartHistory(POLICY)
    for i in range(4):
        history.record_death(at=i * 2.0, uptime=1.0)
    assert history.record_death(at=100.0, uptime=59.0).delay == 16.0
    assert history.record_death(at=200.0, uptime=60.0).delay == 1.0
    assert history.record_death(at=201.0, uptime=0.5).delay == 2.0


def test_the_alarm_is_raised_once_when_deaths_in_the_window_reach_the_threshold():
    history = RestartHistory(POLICY)
    restarts = [history.record_death(at=i * 10.0, uptime=1.0) for i in range(7)]
    assert [r.keeps_dying for r in restarts] == [False] * 4 + [True, False, False]
    assert [r.recent_deaths for r in restarts] == [1, 2, 3, 4, 5, 6, 7]


def test_deaths_older_than_the_window_no_longer_count():
    history = RestartHistory(POLICY)
    for at in (0.0, 100.0, 200.0, 250.0):
        assert not history.record_death(at=at, uptime=1.0).keeps_dying
    # At 300 s the death at 0 s has left the window: four deaths, no alarm.
    late = history.record_death(at=300.0, uptime=1.0)
    assert (late.recent_deaths, late.keeps_dying) == (4, False)
    assert history.record_death(at=301.0, uptime=1.0).keeps_dying


def test_a_new_streak_raises_the_alarm_again():
    history = RestartHistory(POLICY)
    first = [history.record_death(at=float(i), uptime=1.0).keeps_dying for i in range(5)]
    assert first == [False] * 4 + [True]
    # Long after, the window has emptied; five quick deaths are a new streak.
    second = [history.record_death(at=1000.0 + i, uptime=1.0).keeps_dying for i in range(5)]
    assert second == [False] * 4 + [True]


def test_a_child_that_has_died_a_great_many_times_waits_the_cap():
    history = RestartHistory(POLICY)
    for i in range(5000):
        restart = history.record_death(at=float(i), uptime=0.0)
    assert restart.delay == 30.0


@pytest.mark.parametrize(
    "fields",
    [
        {"first_delay": 0.0},
        {"first_delay": 40.0, "max_delay": 30.0},
        {"alarm_deaths": 0},
        {"alarm_window": 0.0},
        {"stable_after": -1.0},
    ],
)
def test_a_policy_that_cannot_work_is_refused(fields: dict[str, float]):
    with pytest.raises(ValueError):
        RestartPolicy(**fields)
