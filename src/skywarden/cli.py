"""The ``skywarden`` command line: one sub-command a job, each in ``skywarden.commands``."""

from __future__ import annotations

import importlib
import logging

import typer

COMMANDS: tuple[tuple[str, str], ...] = (
    ("validate", "skywarden.commands.validate:validate"),
    ("simulate", "skywarden.commands.simulate:simulate"),
    ("track", "skywarden.commands.track:track"),
    ("plan", "skywarden.commands.plan:plan"),
    ("serve", "skywarden.commands.serve:serve"),
    ("decode", "skywarden.commands.decode:decode"),
    ("demo", "skywarden.commands.demo:demo"),
)
"""Sub-command name and the ``module:function`` that implements it."""

app = typer.Typer(
    name="skywarden",
    help="Skywarden: detect, track, identify and warn of drones over a city. It never emits.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log every rejected line."),
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


for _name, _target in COMMANDS:
    _module, _function = _target.split(":")
    app.command(name=_name)(getattr(importlib.import_module(_module), _function))


def main() -> None:
    """Entry point of the console script."""
    app()
