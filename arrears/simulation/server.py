"""The time-skipping test server a simulation runs on, and its clock.

The server skips time only while no workflow or activity task is outstanding; while one is,
its clock runs at wall-clock pace. A step the workflow takes at 08:00 is therefore stamped
milliseconds (with many cases on a busy machine, seconds) after 08:00, and what is in
flight when a command arrives decides in which order things happen. `Clock.settle` moves the
clock to an instant and then on until nothing is in flight, so the simulation can send its
commands into a quiet server; the runner reports instants to the minute.
"""

import asyncio
import functools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from temporalio.api.testservice.v1 import SleepRequest
from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.testing import WorkflowEnvironment

from arrears.codec import KeyRing
from arrears.devstack.binaries import temporal_test_server
from arrears.temporal import data_converter, register_search_attributes

PROBE = timedelta(milliseconds=200)
"""A sleep this long that returns in under half of it in wall time ended in a skip: the
server had nothing in flight."""
LONGEST_STEP = timedelta(days=1)
STEP_TIMEOUT = timedelta(minutes=30)
"""How long one step of the clock may take in wall time; the default RPC timeout is far
shorter than a busy day of a large portfolio."""


@asynccontextmanager
async def simulation_server() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping test server of the simulation's own. Payloads are encrypted as
    everywhere, with a throwaway key: it changes nothing in the output."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=temporal_test_server(),
        data_converter=data_converter(KeyRing.parse(KeyRing.generate_entry("sim"))),
        runtime=_quiet_runtime(),
    )
    try:
        await register_search_attributes(env.client)
        yield env
    finally:
        await env.shutdown()


class Clock:
    """The server's clock, which only goes forward. `on_step` hears each instant reached."""

    def __init__(
        self, env: WorkflowEnvironment, on_step: Callable[[datetime], None] | None = None
    ) -> None:
        self._env = env
        self._on_step = on_step

    async def now(self) -> datetime:
        return await self._env.get_current_time()

    async def sleep(self, duration: timedelta) -> None:
        """`env.sleep`, with a timeout that allows for a step that is long in wall time."""
        request = SleepRequest()
        request.duration.FromTimedelta(duration)
        await self._env.client.test_service.unlock_time_skipping_with_sleep(
            request, timeout=STEP_TIMEOUT
        )

    async def settle(self, target: datetime) -> timedelta:
        """Move the clock to `target` a day at most at a time, then on until nothing is in
        flight. Returns how far past `target` the clock then is."""
        while (now := await self.now()) < target - PROBE:
            step = min(target - PROBE - now, LONGEST_STEP)
            await self.sleep(step)
            if self._on_step:
                self._on_step(now + step)
        loop = asyncio.get_running_loop()
        while True:
            began = loop.time()
            await self.sleep(PROBE)
            if loop.time() - began < PROBE.total_seconds() / 2:
                return await self.now() - target


@functools.cache
def _quiet_runtime() -> Runtime:
    """A runtime that logs errors only: the SDK would otherwise warn on every run that the
    test server is not a full server."""
    quiet = TelemetryFilter(core_level="ERROR", other_level="ERROR")
    return Runtime(telemetry=TelemetryConfig(logging=LoggingConfig(filter=quiet)))
