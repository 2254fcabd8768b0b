"""A progress bar for long plans: on a terminal only, on standard error."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def progress_bar() -> Iterator[Callable[[str, int], None]]:
    """A ``progress(label, total)`` callback for ``plan_coverage``: a non-empty label
    starts a phase of ``total`` steps, an empty one advances it by one step."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console, disable=not sys.stderr.isatty(), transient=False,
    ) as bar:
        task = None

        def advance(label: str, total: int) -> None:
            nonlocal task
            if label:
                task = bar.add_task(label, total=total)
            elif task is not None:
                bar.advance(task)

        yield advance
