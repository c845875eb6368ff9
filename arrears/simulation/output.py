"""What `arrears simulate` shows and writes.

The timeline goes to `--out` (or stdout), the summary to `--summary`. On a terminal a
progress bar runs on stderr while the simulation does, and the summary is shown as a table;
refused commands and reproducibility warnings go to stderr.
"""

import sys
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from arrears.compliance.profile import Profile
from arrears.simulation.delivery import Rejection
from arrears.simulation.report import dumps_summary, summary, timeline_lines
from arrears.simulation.runner import simulate
from arrears.simulation.scenario import Scenario
from arrears.simulation.timeshift import offset_for
from arrears.strategy import Strategy


async def run_and_write(
    scenario: Scenario,
    strategy: Strategy,
    *,
    out: Path | None,
    summary_path: Path | None,
    house_policy: Profile | None = None,
) -> None:
    """Simulate `scenario` under `strategy` (contacts gated with `house_policy` over each
    jurisdiction's profile) and write what came of it."""
    errors = Console(stderr=True, soft_wrap=True)
    progress = Progress(
        TextColumn("simulating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("days"),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
        disable=not errors.is_terminal,
    )

    def warn(message: str) -> None:
        errors.print(f"[yellow]warning:[/yellow] {escape(message)}", highlight=False)

    # A scenario no move onto the test server's clock keeps on its calendar is refused
    # (ScenarioError) before any file is opened: a refusal changes nothing.
    now = datetime.now(UTC)
    offset_for(scenario, now)
    with ExitStack() as files:
        # Opened first, so a path that cannot be written fails before the simulation runs.
        timeline_file = files.enter_context(out.open("w", encoding="utf-8")) if out else sys.stdout
        summary_file = (
            files.enter_context(summary_path.open("w", encoding="utf-8")) if summary_path else None
        )
        with progress:
            task = progress.add_task("simulating", total=scenario.days)
            result = await simulate(
                scenario,
                strategy,
                on_progress=lambda days: progress.update(task, completed=int(days)),
                on_warning=warn,
                not_before=now,
                house_policy=house_policy,
            )
        for rejection in result.rejections:
            warn(_describe(rejection))
        timeline_file.writelines(f"{line}\n" for line in timeline_lines(result))
        timeline_file.flush()
        numbers = summary(result)
        if summary_file is not None:
            summary_file.write(dumps_summary(numbers))
    display = Console(soft_wrap=True) if out is not None else errors
    if display.is_terminal:
        display.print(_table(numbers))
    elif out is not None and summary_path is None:
        sys.stdout.write(dumps_summary(numbers))


def _describe(rejection: Rejection) -> str:
    return (
        f"{rejection.loan_id}: events[{rejection.index}] ({rejection.type} at "
        f"{rejection.at:%Y-%m-%dT%H:%M:%SZ}) was refused: {rejection.reason}"
    )


def _table(numbers: dict[str, Any]) -> Table:
    table = Table(title="Simulation summary", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    for name, value in numbers.items():
        if isinstance(value, dict):
            for key, inner in value.items():
                table.add_row(f"{name} {key}", _cell(inner))
        else:
            table.add_row(name, _cell(value))
    return table


def _cell(value: Any) -> str:
    return "—" if value is None else escape(str(value))
