"""The `arrears` command."""

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from arrears.settings import ConfigError, Settings

if TYPE_CHECKING:
    from arrears.case_audit import AuditReport

app = typer.Typer(help="Debt-collection case orchestration on Temporal.", no_args_is_help=True)
console = Console()


def main() -> None:
    """The `arrears` program: the command asked for, then an end of the process that no
    native thread of the Temporal SDK can crash (`arrears.cli_exit`)."""
    from arrears.cli_exit import run_then_exit

    run_then_exit(app)


def _settings() -> Settings:
    return Settings()


async def _connect(settings: Settings):
    """The Temporal client; a `ConfigError` when its address cannot be reached (or its
    encryption keys are missing or malformed)."""
    from arrears.temporal import connect

    try:
        return await connect(settings)
    except RuntimeError as error:  # the SDK's "Failed client connect"
        raise ConfigError(f"TEMPORAL_ADDRESS {settings.temporal_address}: {error}") from None


def _fail(message: str, code: int = 2) -> None:
    console.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(code)


@app.command()
def dev(
    home: Annotated[
        Path, typer.Option(help="State folder: Temporal, Postgres, keys, logs.")
    ] = Path(".arrears"),
    host: str = "127.0.0.1",
    api_port: Annotated[int, typer.Option(help="HTTP API port.")] = 8000,
    temporal_port: Annotated[int, typer.Option(help="Temporal frontend gRPC port.")] = 7233,
    ui_port: Annotated[int, typer.Option(help="Temporal Web UI port.")] = 8233,
    postgres_port: Annotated[int, typer.Option(help="Embedded PostgreSQL port.")] = 5433,
) -> None:
    """Run the whole stack on this machine: Temporal, PostgreSQL, worker and API."""
    from arrears.devstack.stack import DevOptions, DevStack
    from arrears.worker import check_templates

    try:
        # What worker and API would refuse, refused before anything starts.
        settings = Settings()
        settings.strategy()
        check_templates(settings.house_policy())
    except ConfigError as error:
        _fail(str(error))

    options = DevOptions(
        home=home,
        host=host,
        api_port=api_port,
        temporal_port=temporal_port,
        ui_port=ui_port,
        postgres_port=postgres_port,
    )
    code = asyncio.run(DevStack(options, console).run())
    raise typer.Exit(code)


@app.command()
def worker() -> None:
    """Run a worker against TEMPORAL_ADDRESS and DATABASE_URL."""
    from arrears.temporal import SearchAttributesMissing
    from arrears.worker import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        asyncio.run(run_worker(_settings()))
    except ConfigError as error:
        _fail(str(error))
    except SearchAttributesMissing as error:
        _fail(str(error), code=1)


@app.command()
def api(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the HTTP API against TEMPORAL_ADDRESS."""
    import uvicorn

    from arrears.api.main import create_app

    try:
        application = create_app(_settings())
    except ConfigError as error:
        _fail(str(error))
    uvicorn.run(application, host=host, port=port, log_level="info", access_log=False)


@app.command("migrate")
def migrate_command() -> None:
    """Apply pending database migrations to DATABASE_URL."""
    from arrears import migrate

    try:
        applied = asyncio.run(migrate.migrate(_settings().require_database_url()))
    except ConfigError as error:
        _fail(str(error))
    except migrate.MigrationError as error:
        _fail(str(error), code=1)
    console.print(f"applied: {', '.join(applied) or 'nothing pending'}")


@app.command()
def audit(
    targets: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="LOAN_ID | FILE...",
            help="The loan whose case to audit; with --history, the history files.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Write report.json and each run's history (payloads as stored: encrypted) "
            "into this folder."
        ),
    ] = None,
    history: Annotated[
        bool,
        typer.Option(
            "--history",
            help="Replay exported histories (Temporal JSON, or the history endpoint's answer) "
            "offline against this code.",
        ),
    ] = False,
    every: Annotated[
        bool,
        typer.Option("--all", help="Audit every case that has audit records, one line each."),
    ] = False,
) -> None:
    """Prove what happened to a case: replay its history against this code, re-hash its
    audit chain, and check that the two agree.

    Exit 0 when all three hold, 1 when one fails, 2 for bad input or an unknown loan, 3
    when nothing fails but events the workflow recorded have not all reached PostgreSQL
    yet (pending: audit again once its syncs complete). With --all, every case, the same
    codes over all of them. With --history FILE..., no server: exit 0 when every file
    replays, 1 when one does not, 2 when one cannot be read.
    """
    import json

    from pydantic import TypeAdapter, ValidationError

    from arrears import db
    from arrears.case_audit import audit_histories, fetch_histories
    from arrears.errors import CaseNotFoundError
    from arrears.fields import OpaqueRef

    targets = targets or []
    if history:
        if every or out is not None or not targets:
            _fail("--history takes one or more files, and neither --all nor --out")
        _replay_files([Path(target) for target in targets])
    if every and (targets or out is not None):
        _fail("--all takes no loan and no --out")
    if not every and len(targets) != 1:
        _fail("give one loan_id (or --all, or --history FILE...)")
    loan_id = targets[0] if targets else ""
    try:
        if not every:
            TypeAdapter(OpaqueRef).validate_python(loan_id)
        settings = _settings()
        settings.key_ring()
        database_url = settings.require_database_url()
    except ValidationError as error:
        _fail(f"loan_id: {error.errors()[0]['msg']}")
    except ConfigError as error:
        _fail(str(error))
    if every:
        _audit_every_case(settings, database_url)

    async def run():
        client = await _connect(settings)
        pool = await db.create_pool(database_url)
        try:
            histories = await fetch_histories(client, loan_id)
            report = await audit_histories(client, pool, loan_id, histories)
        finally:
            await pool.close()
        return report, histories

    try:
        report, histories = asyncio.run(run())
    except CaseNotFoundError as error:
        _fail(error.detail)
    except ConfigError as error:
        _fail(str(error))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.json").write_text(json.dumps(report.as_dict(), indent=2) + "\n")
        for history in histories:
            (out / f"history-{history.run_id}.json").write_text(history.to_json())
    _show_audit(report)
    raise typer.Exit({"holds": 0, "fails": 1, "pending": 3}[report.verdict])


def _replay_files(paths: list[Path]) -> None:
    """`arrears audit --history`: one line per file, then exit 0, 1 or 2."""
    from arrears.case_audit import exported_histories, replay_exported
    from arrears.codec import is_encrypted, payloads_in
    from arrears.temporal import data_converter

    try:
        settings = _settings()
        ring = settings.key_ring() if settings.arrears_encryption_keys is not None else None
    except ConfigError as error:
        _fail(str(error))
    converter = data_converter(ring)

    async def replay(path: Path) -> tuple[int, str]:
        try:
            histories = exported_histories(path)
        except (OSError, ValueError) as error:
            return 2, f"cannot be read: {error}"
        if ring is None and any(
            is_encrypted(payload)
            for history in histories
            for event in history.events
            for payload in payloads_in(event)
        ):
            return 2, "cannot be read: its payloads are encrypted (ARREARS_ENCRYPTION_KEYS)"
        failures = [
            (history.run_id, why)
            for history in histories
            if (why := await replay_exported(history, converter)) is not None
        ]
        runs = f"{len(histories)} runs" if len(histories) > 1 else "1 run"
        if not failures:
            return 0, f"replays ({runs})"
        run_id, why = failures[0]
        return 1, f"does NOT replay ({runs}; run {run_id}): {why}"

    worst = 0
    for path in paths:
        code, line = asyncio.run(replay(path))
        worst = max(worst, code)
        console.print(escape(f"{path}: {line}"), soft_wrap=True)
    raise typer.Exit(worst)


def _audit_every_case(settings: Settings, database_url: str) -> None:
    """`arrears audit --all`: one line per case, then the counts; exit 0, 1 or 3."""
    from arrears import db
    from arrears.case_audit import audit_every_case

    counts = {"holds": 0, "fails": 0, "pending": 0}

    async def run() -> None:
        client = await _connect(settings)
        pool = await db.create_pool(database_url)
        try:
            async for loan_id, report in audit_every_case(client, pool):
                if isinstance(report, str):
                    verdict, line = "fails", f"cannot be audited: {report}"
                else:
                    verdict, line = report.verdict, _audit_line(report)
                counts[verdict] += 1
                console.print(escape(f"{loan_id}: {line}"), soft_wrap=True)
        finally:
            await pool.close()

    try:
        asyncio.run(run())
    except ConfigError as error:
        _fail(str(error))
    console.print(
        f"{sum(counts.values())} cases: {counts['holds']} hold, {counts['fails']} fail, "
        f"{counts['pending']} pending"
    )
    raise typer.Exit(1 if counts["fails"] else 3 if counts["pending"] else 0)


def _audit_line(report: "AuditReport") -> str:
    """The verdict of a case's audit and, when it fails, the first problem of each check."""
    if report.verdict == "holds":
        return f"holds ({report.chain_rows} rows)"
    problems = []
    if report.chain_break is not None:
        episode = report.chain_break_episode
        where = f" of episode {episode}" if episode is not None and episode > 1 else ""
        problems.append(f"chain first broken at seq {report.chain_break}{where}")
    for run_id, why in list(report.replay_failures.items())[:1]:
        first_line = why.splitlines()[0] if why else "no reason given"
        problems.append(f"run {run_id} does not replay: {first_line}")
    problems += report.disagreements[:1] or report.pending[:1]
    return f"{'FAILS' if report.verdict == 'fails' else 'pending'}: {'; '.join(problems)}"


@app.command()
def repair(
    loan_id: Annotated[str, typer.Argument(help="The loan whose case to repair.")],
    incident: Annotated[
        str, typer.Option(help="The incident that decided the repair; kept as its reason.")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be done; change nothing.")
    ] = False,
) -> None:
    """Bring back a case whose run no longer replays (every workflow task fails: the API
    answers case_stuck) by resetting it to its last workflow task that replays; signals
    and updates that came after it are delivered again.

    Exit 0 when the case replays already, was reset, or (--dry-run) would be; 1 when no
    workflow task to reset to can be named; 2 for bad input or an unknown loan.
    """
    from pydantic import TypeAdapter, ValidationError
    from temporalio.service import RPCError, RPCStatusCode

    from arrears.case_repair import plan_repair, repair
    from arrears.fields import OpaqueRef

    for name, value in (("loan_id", loan_id), ("--incident", incident)):
        try:
            TypeAdapter(OpaqueRef).validate_python(value)
        except ValidationError as error:
            _fail(f"{name}: {error.errors()[0]['msg']}")
    try:
        settings = _settings()
        settings.key_ring()
    except ConfigError as error:
        _fail(str(error))

    async def run():
        client = await _connect(settings)
        plan = await plan_repair(client, loan_id)
        if plan.failure is None or plan.reset_to is None or dry_run:
            return plan, None
        return plan, await repair(client, plan, reason=f"arrears repair: {incident}")

    try:
        plan, new_run = asyncio.run(run())
    except ConfigError as error:
        _fail(str(error))
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            _fail(f"no case for loan {loan_id}")
        raise
    if plan.failure is None:
        console.print(f"case {loan_id}: run {plan.run_id} replays; nothing to repair")
        return
    console.print(f"case {loan_id}: run {plan.run_id} does not replay: {plan.failure}")
    if plan.reset_to is None:
        _fail("no workflow task to reset to can be named; see the failure above", code=1)
    if new_run is None:
        console.print(f"would reset to the workflow task completed at event {plan.reset_to}")
        return
    console.print(f"reset to the workflow task completed at event {plan.reset_to}: run {new_run}")


def _show_audit(report: "AuditReport") -> None:
    def verdict(holds: bool) -> str:
        return "[green]holds[/green]" if holds else "[red]FAILS[/red]"

    console.print(
        f"case {report.loan_id}: {len(report.runs)} run(s), {report.history_events} history events"
    )
    if len(report.episodes) > 1:
        console.print(f"  {len(report.episodes)} cases of the loan (episodes), each checked")
    console.print(f"replay against this code: {verdict(not report.replay_failures)}")
    for run_id, why in report.replay_failures.items():
        console.print(f"  run {run_id}: {why}", soft_wrap=True)
    console.print(f"audit chain of {report.chain_rows} rows: {verdict(report.chain_break is None)}")
    if report.chain_break is not None:
        episode = report.chain_break_episode
        where = f" of episode {episode}" if episode is not None and episode > 1 else ""
        console.print(f"  first broken at seq {report.chain_break}{where}")
    agreement = verdict(not report.disagreements)
    if not report.disagreements and report.pending:
        agreement = "[yellow]PENDING[/yellow]"
    console.print(
        f"history and audit_events agree ({report.recorded_by_workflow} events): {agreement}"
    )
    for line in [*report.disagreements, *report.pending][:20]:
        console.print(f"  {line}")
    if report.sync_retrying:
        console.print(f"  {report.sync_retrying}")


@app.command()
def simulate(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (JSON): cases and their events.")],
    out: Annotated[
        Path | None, typer.Option(help="Write the timeline (JSON lines) here; default stdout.")
    ] = None,
    summary: Annotated[Path | None, typer.Option(help="Write the summary (JSON) here.")] = None,
    strategy: Annotated[
        Path | None, typer.Option(help="Strategy file (.yaml, .yml, .json); default: built in.")
    ] = None,
) -> None:
    """Run a strategy on a portfolio with the real workflow, in simulated time; contacts
    are gated by each jurisdiction's profile with ARREARS_PROFILES' house policy on top."""

    from arrears.simulation import ScenarioError, load_scenario
    from arrears.simulation.output import run_and_write
    from arrears.strategy import StrategyError, load, load_default

    errors = Console(stderr=True, soft_wrap=True)  # one problem per line, never wrapped
    try:
        portfolio = load_scenario(scenario)
        rules = load(strategy) if strategy else load_default()
        house_policy = Settings().house_policy()
        asyncio.run(
            run_and_write(
                portfolio, rules, out=out, summary_path=summary, house_policy=house_policy
            )
        )
    except (ScenarioError, StrategyError, ConfigError) as error:
        errors.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from None
    except OSError as error:
        errors.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(1) from None


strategy_app = typer.Typer(
    help="Collection strategies: check a file, move running cases to the one served.",
    no_args_is_help=True,
)
app.add_typer(strategy_app, name="strategy")


@strategy_app.command("check")
def strategy_check(
    path: Annotated[Path, typer.Argument(help="Strategy file (.yaml, .yml, .json).")],
) -> None:
    """Validate a strategy file: every problem with its field, or its version and stages."""

    from arrears.strategy import StrategyError, load

    try:
        rules = load(path)
    except StrategyError as error:  # unreadable files too
        _fail(str(error))
    stages = ", ".join(f"{stage.name} from DPD {stage.from_dpd}" for stage in rules.stages)
    console.print(f"strategy {rules.version}: {stages}", soft_wrap=True)


profile_app = typer.Typer(
    help="Contact-compliance profiles: check a jurisdiction's or a house policy's file.",
    no_args_is_help=True,
)
app.add_typer(profile_app, name="profile")


@profile_app.command("check")
def profile_check(
    path: Annotated[Path, typer.Argument(help="Profile file (.yaml, .yml, .json).")],
) -> None:
    """Validate a profile file: every problem with its field (exit 2), or its version and
    rules. Taken as a house policy (ARREARS_PROFILES), it must also leave every
    jurisdiction some contact hours and let the shipped message templates pass."""
    from arrears.compliance.lint import lint_shipped
    from arrears.compliance.loader import SHIPPED, ProfileError, load, profile_for
    from arrears.worker import TEMPLATES

    try:
        profile = load(path)
        for jurisdiction in SHIPPED:
            profile_for(jurisdiction, profile)
    except ProfileError as error:  # unreadable files too
        _fail(str(error))
    refused = lint_shipped(TEMPLATES, profile)
    if refused:
        _fail("\n".join(f"{path}: template {p.template}: {p.rule}: {p.message}" for p in refused))
    rules = ", ".join(
        name
        for name, value in profile
        if value is not None and name not in ("name", "version", "description")
    )
    console.print(f"profile {profile.name}@{profile.version}: {rules}", soft_wrap=True)


@strategy_app.command("migrate")
def strategy_migrate(
    from_version: Annotated[
        str, typer.Option("--from-version", help="Move the running cases on this version.")
    ],
    change_ref: Annotated[
        str, typer.Option("--change-ref", help="The approved change, kept on each timeline.")
    ],
    dry_run: Annotated[bool, typer.Option(help="Only list the cases that would move.")] = False,
    concurrency: Annotated[int, typer.Option(min=1, max=256, help="Cases asked at a time.")] = 16,
    case_timeout: Annotated[
        float,
        typer.Option(min=0.1, help="Seconds a case may take to answer before it is unreachable."),
    ] = 20.0,
) -> None:
    """Move running cases from one strategy version to the one served (ARREARS_STRATEGY).

    Each case records `strategy_migrated` with the change reference. One line per case
    (moved, already moved, refused or unreachable, with why), then the counts. Exit 0 when
    every case is on the new version, 1 when some refused or could not be reached (run it
    again: cases already moved are left as they are), 2 for bad arguments or settings.
    """
    from datetime import timedelta

    from pydantic import TypeAdapter, ValidationError
    from temporalio.service import RPCError

    from arrears.fields import OpaqueRef
    from arrears.rollout import CaseOutcome, cases_on_version, migrate_cases

    try:
        settings = _settings()
        target = settings.strategy()
        settings.key_ring()
        cases_on_version(from_version)
        TypeAdapter(OpaqueRef).validate_python(change_ref)
    except ConfigError as error:
        _fail(str(error))
    except ValueError as error:
        detail = error.errors()[0]["msg"] if isinstance(error, ValidationError) else str(error)
        _fail(f"--from-version / --change-ref: {detail}")
    if target.version == from_version:
        _fail(f"ARREARS_STRATEGY serves {target.version} already; nothing to move to")

    def show(case: CaseOutcome) -> None:
        why = f": {case.why}" if case.why else ""
        console.print(escape(f"{case.loan_id}: {case.outcome}{why}"), soft_wrap=True)

    async def run():
        client = await _connect(settings)
        return await migrate_cases(
            client,
            target,
            from_version=from_version,
            change_ref=change_ref,
            dry_run=dry_run,
            concurrency=concurrency,
            case_timeout=timedelta(seconds=case_timeout),
            on_case=show,
        )

    try:
        report = asyncio.run(run())
    except ConfigError as error:
        _fail(str(error))
    except RPCError as error:
        _fail(f"the running cases could not be listed: {error}", code=1)
    if dry_run:
        for loan_id in report.found:
            console.print(loan_id)
        console.print(f"{len(report.found)} running cases on {from_version} would move")
        return
    console.print(
        f"{from_version} → {target.version}: {len(report.migrated)} moved, "
        f"{len(report.unchanged)} already on it, {len(report.refused)} refused, "
        f"{len(report.unreachable)} unreachable",
        soft_wrap=True,
    )
    if not report.complete:
        raise typer.Exit(1)
