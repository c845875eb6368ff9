"""Simulate a collection strategy on a portfolio before it goes live.

`load_scenario(path)` reads a scenario (cases and what happens to them: `scenario`,
`loading`), `simulate(scenario, strategy)` runs it with the real CollectionCase workflow
on the time-skipping test server (`runner`, `shard`, `server`, `delivery`, `timeshift`,
`activities`), and `timeline_lines` and `summary` turn the result into the output of
`arrears simulate` (`report`, `output`).
"""

from arrears.simulation.delivery import Rejection
from arrears.simulation.loading import ScenarioError
from arrears.simulation.loading import load as load_scenario
from arrears.simulation.loading import loads as loads_scenario
from arrears.simulation.report import dumps_summary, summary, timeline_lines
from arrears.simulation.runner import SimulationResult, simulate
from arrears.simulation.scenario import Scenario

__all__ = [
    "Rejection",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "dumps_summary",
    "load_scenario",
    "loads_scenario",
    "simulate",
    "summary",
    "timeline_lines",
]
