"""Strategies: `strategy check` and `simulate`, which runs one or two on a synthetic portfolio.

starter.py registers `app.add_typer(strategy_app, name="strategy")` and `app.command()(simulate)`.
"""

from __future__ import annotations

import dataclasses
from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from cli.common import JsonOption, console, fail, print_json, run, settings
from domain.strategy import StrategyError
from ops.strategies import load_strategy
from service.logging import configure_logging

strategy_app = typer.Typer(no_args_is_help=True, help="Collection strategies.")


@strategy_app.command("check")
def strategy_check(spec: Annotated[str, typer.Argument(help="A strategy name or a .toml path.")] = "default") -> None:
    """Validate a strategy file and summarize it."""
    from domain.rule_packs import PACKS
    from ops.strategies import load_strategy

    try:
        strategy = load_strategy(spec)
    except StrategyError as err:
        fail(str(err))
    console.print(f"strategy {strategy.name} version {strategy.version}: valid")
    for name, segment in strategy.segments.items():
        steps = ", ".join(f"{s.channel}{' x' + str(s.repeat) if s.repeat > 1 else ''}" for s in segment.cadence)
        console.print(f"  segment {name} (profile {segment.profile}): {steps}", soft_wrap=True)
    for state, overlay in strategy.state_overlays.items():
        console.print(f"  overlay {state}: {overlay}")
    for pack in PACKS.values():  # domain/rule_packs.py: applied by the debtor's jurisdiction, whatever the strategy
        console.print(f"  rule pack {pack.id}: {pack.title}, text of {pack.version}", soft_wrap=True)


def simulate(
    ctx: typer.Context,
    accounts: Annotated[int, typer.Option(min=1, max=100_000, help="Size of the synthetic portfolio.")] = 200,
    days: Annotated[int, typer.Option(min=1, max=3650, help="Simulated days.")] = 90,
    seed: Annotated[int, typer.Option(help="Seed of the portfolio and of the debtors' behaviour.")] = 7,
    strategy: Annotated[str, typer.Option(help="Strategy to run (name or .toml path).")] = "default",
    vs: Annotated[str | None, typer.Option(help="A second strategy on the same seeded portfolio.")] = None,
    right_party: Annotated[float, typer.Option(min=0, max=1, help="A placed call reaches the debtor.")] = 0.35,
    promise: Annotated[float, typer.Option(min=0, max=1, help="A debtor reached promises to pay.")] = 0.5,
    promise_kept: Annotated[float, typer.Option(min=0, max=1, help="A promise is kept.")] = 0.6,
    self_cure: Annotated[float, typer.Option(min=0, max=1, help="Pays without a conversation.")] = 0.08,
    dispute: Annotated[float, typer.Option(min=0, max=1, help="Disputes the debt.")] = 0.04,
    bankruptcy: Annotated[float, typer.Option(min=0, max=1, help="Files for bankruptcy.")] = 0.02,
    death: Annotated[float, typer.Option(min=0, max=1, help="Dies.")] = 0.005,
    wrong_number: Annotated[float, typer.Option(min=0, max=1, help="A call reaches a wrong number.")] = 0.05,
    attempts_file: Annotated[
        Path | None, typer.Option("--attempts", help="Also write every attempt to this new CSV (for audit-contacts).")
    ] = None,
    engine: Annotated[
        str, typer.Option(help="full: the workflows on the time-skipping server; fast: the machine in process.")
    ] = "full",
    from_store: Annotated[
        bool, typer.Option("--from-store", help="The store's open book under --strategy against its current one.")
    ] = False,
    chunk: Annotated[
        int | None,
        typer.Option(min=1, max=1000, help="Accounts per fresh time-skipping server (--engine full; default 100)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run a synthetic portfolio through the real workflows on the time-skipping server (or, with
    --engine fast, the same account machine in process); report outcomes."""
    if from_store:
        return _simulate_from_store(ctx, strategy=strategy, days=days, seed=seed, as_json=as_json)
    from domain.debtor_model import BehaviourRates
    from ops.csv_files import refuse_existing
    from ops.errors import OpsError
    from ops.simulation import simulate as run_simulation
    from ops.simulation_view import report_table

    rates = BehaviourRates(
        right_party=right_party, wrong_number=wrong_number, promise=promise, promise_kept=promise_kept,
        self_cure=self_cure, dispute=dispute, bankruptcy=bankruptcy, death=death,
    )  # fmt: skip
    if self_cure + dispute + bankruptcy + death > 1 or right_party + wrong_number > 1:
        fail("the rates of one draw add up to more than 1")
    if engine not in ("full", "fast"):
        fail(f"--engine must be full or fast, not {engine!r}")
    if engine == "fast" and attempts_file is not None:
        fail("--attempts needs --engine full (the fast engine keeps no store to export)")
    if engine == "fast" and chunk is not None:
        fail("--chunk needs --engine full (the fast engine runs no server)")
    strategies = [strategy] if vs is None else [strategy, vs]
    for name in strategies:
        try:
            load_strategy(name)
        except StrategyError as err:
            fail(str(err))
    if attempts_file is not None:
        try:
            refuse_existing(attempts_file)  # before the run, not after it
        except OpsError as err:
            fail(str(err))
    configure_logging(log_format="console", level="warning")
    config, reports, attempts = settings(), [], None if attempts_file is None else list[list[object]]()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=as_json) as bar:  # fmt: skip
        for name in strategies:
            if engine == "fast":
                from ops.fast_engine import simulate_fast

                task = bar.add_task(f"simulating {name} (fast): accounts", total=accounts)
                reports.append(simulate_fast(accounts=accounts, days=days, seed=seed, strategy=name, rates=rates,
                                             on_account=partial(bar.advance, task)))  # fmt: skip
                continue
            task = bar.add_task(f"simulating {name}: days", total=days)

            def on_chunk(number: int, of: int, name: str = name, task: TaskID = task) -> None:
                bar.update(task, completed=0, description=f"simulating {name}: chunk {number}/{of}, days")

            reports.append(run(run_simulation(
                config, accounts=accounts, days=days, seed=seed, strategy=name, rates=rates,
                on_day=partial(bar.advance, task), on_chunk=on_chunk, attempts=attempts,
                **({} if chunk is None else {"chunk": chunk}),
            )))  # fmt: skip
    if attempts_file is not None and attempts is not None:
        from ops.simulation_view import write_attempts

        try:
            write_attempts(attempts_file, attempts)
        except OpsError as err:
            fail(str(err))
    if as_json:
        return print_json([dataclasses.asdict(r) for r in reports])
    console.print(report_table(reports))
    if attempts_file is not None and attempts is not None:
        console.print(f"{len(attempts)} attempts written to {attempts_file}; check them with: "
                      f"collections audit-contacts {attempts_file}", highlight=False, soft_wrap=True)  # fmt: skip


def _simulate_from_store(ctx: typer.Context, *, strategy: str, days: int, seed: int, as_json: bool) -> None:
    """`simulate --from-store`: ops/what_if.py, both runs on the fast engine; the store is only read."""
    from ops.errors import OpsError
    from ops.simulation_view import difference_table, report_table
    from ops.what_if import rate_lines, read_book, require_open, what_if

    sources = {p.opts[0]: ctx.get_parameter_source(p.name or "") for p in ctx.command.params}
    given = [opt for opt, source in sources.items() if source is not None and source.name == "COMMANDLINE"]
    if "--engine" in given and (engine := ctx.params.get("engine")) != "fast":
        fail(f"--from-store runs on --engine fast (the workflows would write the store), not {engine}")
    if clash := [
        opt for opt in given if opt not in ("--from-store", "--strategy", "--days", "--seed", "--json", "--engine")
    ]:
        fail(f"--from-store takes its accounts and rates from the store: drop {', '.join(clash)}")
    config = settings()
    for name in (config.collections_strategy, strategy):
        try:
            load_strategy(name)
        except StrategyError as err:
            fail(str(err))
    configure_logging(log_format="console", level="warning")
    book = run(read_book(config.database_url))
    try:
        require_open(book)
    except OpsError as err:
        fail(str(err))
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=as_json) as bar:  # fmt: skip
        task = bar.add_task("simulating the book (fast): accounts", total=2 * len(book.records))
        result = what_if(book, current=config.collections_strategy, proposed=strategy, days=days, seed=seed,
                         licences=config.licences, on_account=partial(bar.advance, task))  # fmt: skip
    if as_json:
        return print_json({
            "current": dataclasses.asdict(result.current), "proposed": dataclasses.asdict(result.proposed),
            "difference": result.difference, "rates": [dataclasses.asdict(m) for m in result.measured],
            "on_hold_left_out": result.on_hold,
        })  # fmt: skip
    say = partial(console.print, highlight=False, soft_wrap=True)
    say(f"the store's open book: {len(book.records)} accounts as they stand (balance, due date, contact points); "
        f"each starts afresh in contacting: its contact history so far is not replayed")  # fmt: skip
    if result.on_hold:
        say(f"{result.on_hold} accounts on hold left out (the what-if starts accounts in contacting)")
    say("debtor behaviour from the store's history:")
    for line in rate_lines(result.measured):
        say(line)
    say(f"current strategy {result.current.strategy} (COLLECTIONS_STRATEGY) against {result.proposed.strategy}; "
        "nothing was written to the store")  # fmt: skip
    console.print(report_table([result.current, result.proposed]))
    console.print(difference_table(result.current, result.proposed, result.difference))
