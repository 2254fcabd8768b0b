"""``skywarden demo``: the whole product on the built-in ``capital`` scenario, no setup.

It simulates the city district, fuses the recording into tracks and alerts, prints
what an operator would see (the tracks and the alerts), then serves the live map on a
replay of the same recording until interrupted.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

DEMO_SCENARIO = "capital"
LASTING_TRACK_S = 10.0
"""Tracks shorter than this are counted but not listed in the summary."""

if TYPE_CHECKING:
    from skywarden.model import Alert, TrackState

_Timed = TypeVar("_Timed", "TrackState", "Alert")


def demo(
    out: Annotated[Path, typer.Option(help="Folder for the demo recording and its outputs.")]
    = Path("demo-capital"),
    duration: Annotated[float, typer.Option(help="Seconds of the scenario to simulate.")]
    = 600.0,
    seed: Annotated[int, typer.Option(help="Random seed of the simulation.")] = 1,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the live map on a replay.")
    ] = True,
    http: Annotated[str, typer.Option(help="HOST:PORT of the map and API.")]
    = "127.0.0.1:8080",
    speed: Annotated[float, typer.Option(help="Replay speed of the live map.")] = 1.0,
) -> None:
    """Simulate the capital district, track it, print tracks and alerts, serve the map."""
    from skywarden.commands.serve import serve as serve_command
    from skywarden.commands.simulate import simulate
    from skywarden.commands.track import track
    from skywarden.console import print_message

    if out.exists():
        shutil.rmtree(out)
    recording = out / "recording"
    picture = out / "picture"
    simulate(DEMO_SCENARIO, recording, seed=seed, duration=duration, plot=None,
             list_scenarios=False)
    track(recording, picture, period=1.0, latency=4.0, truth=True)
    summarise(picture)
    if not serve:
        return
    print_message(f"Starting the live map on a replay of {recording} (Ctrl-C stops it)")
    serve_command(site=recording, http=http, sapient="127.0.0.1:5020",
                  db=f"sqlite:///{out / 'skywarden.db'}", replay=recording, speed=speed,
                  loop=True, beast=None, sbs=None, reports=None, tile_url=None, period=1.0)


def summarise(picture: Path) -> None:
    """Print the tracks that lasted, the alerts by rule and severity, and every alert
    still standing at the end: what an operator takes over from the recording."""
    from collections import Counter

    from skywarden.console import print_message, print_table
    from skywarden.model import AlertState
    from skywarden.recording import ALERTS_FILE, Rejections, iter_alerts, iter_tracks

    rejections = Rejections()
    first_seen, tracks = _first_and_last(iter_tracks(picture, rejections),
                                         lambda s: s.track_id)
    lasting = [s for s in tracks.values() if s.t - first_seen[s.track_id] >= LASTING_TRACK_S]
    print_table(
        f"Tracks that lasted {LASTING_TRACK_S:g} s or more",
        ["track", "class", "conf", "dark", "identity", "seconds", "sources"],
        [[s.track_id, s.cls.value, round(s.class_conf, 2), "yes" if s.dark else "",
          s.remote_id or s.icao or "", round(s.t - first_seen[s.track_id]), ",".join(s.sources)]
         for s in lasting],
    )
    print_message(f"{len(tracks)} confirmed tracks in all, {len(lasting)} lasted "
                  f"{LASTING_TRACK_S:g} s or more")
    if not (picture / ALERTS_FILE).is_file():
        return
    opened, alerts = _first_and_last(iter_alerts(picture, rejections), lambda a: a.alert_id)
    by_rule = Counter((a.rule, a.severity.value) for a in alerts.values())
    print_table("Alerts raised", ["rule", "severity", "alerts"],
                [[rule, severity, n] for (rule, severity), n in sorted(by_rule.items())])
    standing = [a for a in alerts.values() if a.state is not AlertState.CLOSED]
    print_table(
        "Alerts standing at the end",
        ["alert", "rule", "severity", "track", "zone/asset", "opened UTC", "message"],
        [[a.alert_id, a.rule, a.severity.value, a.track_id, a.zone or a.asset or "",
          _clock(opened[a.alert_id]), a.message] for a in standing],
    )


def _clock(t: float) -> str:
    """Time of day (UTC) of a data time."""
    from datetime import UTC, datetime

    return datetime.fromtimestamp(t, UTC).strftime("%H:%M:%S")


def _first_and_last(
    items: Iterable[_Timed], key: Callable[[_Timed], str]
) -> tuple[dict[str, float], dict[str, _Timed]]:
    """The first time and the last item of each id in a time-ordered stream."""
    first: dict[str, float] = {}
    last: dict[str, _Timed] = {}
    for item in items:
        first.setdefault(key(item), item.t)
        last[key(item)] = item
    return first, last
