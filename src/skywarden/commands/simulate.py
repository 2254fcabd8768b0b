"""``skywarden simulate``: fly a scenario over its city and record what the sensors report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def simulate(
    scenario: Annotated[
        str | None,
        typer.Argument(help="Built-in scenario (capital, swarm-<N>, real-flights) or a YAML file."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Recording folder to write.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same bytes.")] = 0,
    duration: Annotated[
        float | None, typer.Option(help="Seconds to simulate (default: the scenario's).")
    ] = None,
    plot: Annotated[
        Path | None,
        typer.Option(help="Also draw the scenario (buildings, sensors, zones, paths) to a PNG."),
    ] = None,
    list_scenarios: Annotated[
        bool, typer.Option("--list", help="List the built-in scenarios and exit.")
    ] = False,
) -> None:
    """Simulate a scenario and write a recording (site.json, detections.jsonl, truth.jsonl)."""
    from skywarden.console import is_terminal, print_message, print_table
    from skywarden.sim import BUILTIN, ScenarioError, load_scenario
    from skywarden.sim import simulate as run_simulation

    if list_scenarios:
        print_table("Built-in scenarios", ["name", "what it shows"], sorted(BUILTIN.items()))
        return
    if scenario is None or out is None:
        print_message("Give a SCENARIO and --out DIR (or --list).", error=True)
        raise typer.Exit(code=2)
    if duration is not None and duration <= 0.0:
        print_message("--duration must be positive.", error=True)
        raise typer.Exit(code=2)
    try:
        loaded = load_scenario(scenario)
    except ScenarioError as error:
        print_message(f"Scenario not usable: {error}", error=True)
        raise typer.Exit(code=1) from None

    if is_terminal():
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task(f"Simulating {loaded.name}", total=1.0)
            summary = run_simulation(loaded, out, seed, duration,
                                     progress=lambda f: bar.update(task, completed=f))
    else:
        summary = run_simulation(loaded, out, seed, duration)
    types = {s.id: s.type.value for s in loaded.site.sensors}
    print_table(
        f"Reports of {loaded.name}",
        ["sensor", "type", "reports"],
        [[name, types[name], count] for name, count in sorted(summary.per_sensor.items())],
    )
    print_message(
        f"{out}: {summary.reports} reports, {summary.truth_points} truth points of "
        f"{len(loaded.targets)} targets, {summary.duration_s:g} s simulated (seed {seed}) "
        f"in {summary.wall_s:.1f} s"
    )
    if plot is not None:
        from skywarden.sim.plot import plot_recording

        plot_recording(loaded, out, plot)
        print_message(f"Plot written to {plot}")
