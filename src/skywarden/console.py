"""Terminal output shared by the commands: rich tables on a terminal, plain text in pipes.

A person at a terminal gets coloured tables; a script reading a pipe gets plain
space-aligned columns with no box-drawing or escape codes.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any


def is_terminal() -> bool:
    """True when standard output is an interactive terminal."""
    return sys.stdout.isatty()


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 1e6 else f"{value:.1f}"
    return str(value)


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a titled table of rows; numbers right-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    numeric = [
        all(isinstance(row[i], int | float) or row[i] is None for row in rows) and bool(rows)
        for i in range(len(columns))
    ]
    if is_terminal():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title)
        for name, right in zip(columns, numeric, strict=True):
            table.add_column(name, justify="right" if right else "left")
        for row in cells:
            table.add_row(*row)
        Console().print(table)
        return
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if right else v.ljust(w)
            for v, w, right in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    print(title)
    print(line(list(columns)))
    for row in cells:
        print(line(row))
    print()


def print_message(text: str, *, error: bool = False) -> None:
    """Print a line to stdout (or stderr for errors), with colour only on a terminal."""
    stream = sys.stderr if error else sys.stdout
    if stream.isatty():
        from rich.console import Console

        Console(stderr=error).print(f"[bold red]{text}[/]" if error else text)
    else:
        print(text, file=stream)
