"""Batch progress: a rich progress bar on a terminal, plain lines elsewhere."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from .batch import Listener, Outcome


@contextmanager
def progress_listener(total: int) -> Iterator[Listener]:
    """A listener that shows each finished pack; a bar with count and ETA on a terminal."""
    if not sys.stderr.isatty():

        def plain(outcome: Outcome, done: int, count: int) -> None:
            detail = f" ({outcome.seconds:.1f} s)" if outcome.status == "built" else ""
            reason = f": {outcome.reason}" if outcome.status == "failed" else ""
            sys.stderr.write(
                f"[{done}/{count}] {outcome.status} {outcome.output}{detail}{reason}\n"
            )
            sys.stderr.flush()

        yield plain
        return

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("[bold]packs"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task = bar.add_task("", total=total)

        def fancy(outcome: Outcome, done: int, count: int) -> None:
            bar.update(task, completed=done, description=f"{outcome.status} {outcome.output}")

        yield fancy
