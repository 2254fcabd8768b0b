"""``skywarden track``: turn a recording's detections into tracks (and alerts)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from skywarden.geo import LocalFrame
    from skywarden.pipeline import Picture, Pipeline
    from skywarden.recording import Rejections

PROGRESS_EVERY = 2000
"""Reports between progress-bar refreshes."""


def track(
    recording: Annotated[
        Path, typer.Argument(help="Recording folder (site.json, detections.jsonl).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for tracks.jsonl (and alerts.jsonl).")],
    period: Annotated[
        float, typer.Option(help="Reporting period in seconds of data time.", min=0.001)
    ] = 1.0,
    latency: Annotated[
        float, typer.Option(help="Seconds a report may trail the newest one and still count.")
    ] = 4.0,
    truth: Annotated[
        bool, typer.Option("--truth", help="Score the tracks against truth.jsonl.")
    ] = False,
) -> None:
    """Fuse every sensor report of a recording into tracks, written once per period."""
    from skywarden.console import is_terminal, print_message
    from skywarden.pipeline import Pipeline
    from skywarden.recording import (
        ALERTS_FILE,
        DETECTIONS_FILE,
        TRACKS_FILE,
        JsonlWriter,
        Rejections,
        SiteError,
        alert_to_dict,
        iter_reports,
        read_site,
        track_to_dict,
    )

    try:
        site = read_site(recording)
    except SiteError as error:
        print_message(str(error), error=True)
        raise typer.Exit(code=2) from None
    detections = recording / DETECTIONS_FILE
    if not detections.is_file():
        print_message(f"{detections}: missing", error=True)
        raise typer.Exit(code=2)
    out.mkdir(parents=True, exist_ok=True)
    pipeline = Pipeline(site, period_s=period, latency_s=latency)
    rejections = Rejections()
    scored: list[Picture] = []
    lines = 0
    with_alerts = bool(site.zones or site.assets)
    alerts = JsonlWriter(out / ALERTS_FILE) if with_alerts else None
    with JsonlWriter(out / TRACKS_FILE) as tracks:

        def write(picture: Picture) -> None:
            nonlocal lines
            for state in picture.tracks:
                tracks.write(track_to_dict(state))
            lines += len(picture.tracks)
            if alerts is not None:
                for alert in picture.alerts:
                    alerts.write(alert_to_dict(alert))
            if truth:
                scored.append(picture)

        reports = iter_reports(recording, site, rejections)
        progress = _progress(detections) if is_terminal() else None
        try:
            for count, report in enumerate(reports, start=1):
                pipeline.feed(report)
                for picture in pipeline.ready():
                    write(picture)
                if progress is not None and count % PROGRESS_EVERY == 0:
                    progress.advance(PROGRESS_EVERY)
            for picture in pipeline.flush():
                write(picture)
        finally:
            if progress is not None:
                progress.stop()
            if alerts is not None:
                alerts.close()
    _summary(pipeline, rejections, lines, out)
    if truth:
        _score(recording, pipeline.tracker.frame, scored)


def _progress(detections: Path) -> _Bar:
    with open(detections, "rb") as stream:
        total = sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b""))
    return _Bar(total)


class _Bar:
    """A rich progress bar over the lines of detections.jsonl."""

    def __init__(self, total: int) -> None:
        from rich.progress import Progress

        self._progress = Progress(transient=True)
        self._task = self._progress.add_task("tracking", total=total)
        self._progress.start()

    def advance(self, steps: int) -> None:
        self._progress.advance(self._task, steps)

    def stop(self) -> None:
        self._progress.stop()


def _summary(pipeline: Pipeline, rejections: Rejections, lines: int, out: Path) -> None:
    from skywarden.console import print_message, print_table

    stats = pipeline.tracker.stats
    rows: list[list[object]] = [
        ["measurements used", stats.measurements],
        ["too late (after their instant was processed)", stats.too_late],
        ["cooperative frames rejected", pipeline.cooperative_rejected],
        ["rejected lines", rejections.total],
        ["tracks started", stats.tracks_started],
        ["tracks confirmed", stats.tracks_confirmed],
        ["tracks merged", stats.tracks_merged],
        ["track lines written", lines],
    ]
    print_table("Tracking", ["", "count"], rows)
    if stats.too_late:
        print_table("Too late by sensor", ["sensor", "reports"],
                    sorted(stats.too_late_by_sensor.items()))
    if rejections.total:
        print_table(
            "Rejected lines",
            ["class", "count", "first example"],
            [[key, count, f"line {rejections.first[key].line}: {rejections.first[key].text}"]
             for key, count in rejections.counts.most_common()],
        )
    print_message(f"tracks written to {out}")


def _score(recording: Path, frame: LocalFrame, pictures: list[Picture]) -> None:
    from skywarden.console import print_message, print_table
    from skywarden.metrics import TruthTable, score_pictures
    from skywarden.recording import Rejections, iter_truth

    rejected = Rejections()
    table = TruthTable(iter_truth(recording, rejected), frame)
    if not len(table):
        print_message(f"{recording}: no truth.jsonl to score against", error=True)
        raise typer.Exit(code=1)
    score = score_pictures([(p.t, p.tracks) for p in pictures], table, frame)
    print_table("Score against truth (GOSPA c=50 m, p=1, alpha=2, 3D)", ["measure", "value"],
                [list(row) for row in score.rows()])
