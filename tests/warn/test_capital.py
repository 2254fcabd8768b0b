"""End to end on the built-in ``capital`` scenario: simulate, track, identify, warn."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from skywarden.cli import app
from skywarden.identify.calibration import reliability
from skywarden.identify.classify import CLUTTER, ClassModel
from skywarden.model import AlertState, TargetClass
from skywarden.recording import Rejections, iter_alerts
from skywarden.sim.run import simulate
from skywarden.sim.scenario import read_scenario
from skywarden.warn.evaluate import Evaluation, evaluate

CAPITAL = Path(__file__).resolve().parents[2] / "src" / "skywarden" / "sim" / "scenarios" / (
    "capital.yaml")
SECONDS = 150.0
"""Long enough for the spoofer (airborne at 30 s) to be caught and the flocks to cross."""
SPOOFER = "1581F4QWK21B00000777"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("capital")
    simulate(read_scenario(CAPITAL), out, seed=4, duration_s=SECONDS)
    return out


@pytest.fixture(scope="module")
def evaluation(recording: Path) -> Evaluation:
    return evaluate(recording)


def test_the_spoofing_drone_is_flagged_with_its_reason(evaluation: Evaluation) -> None:
    spoofed = [a for a in evaluation.alerts
               if a.rule == "spoofed_remote_id" and a.state is AlertState.OPEN]
    assert len(spoofed) == 1
    assert spoofed[0].message.startswith(f"Spoofed Remote ID {SPOOFER}: Remote ID claims")
    assert spoofed[0].t - evaluation.first_truth["rid-spoofer"].t < 60.0


def test_bird_flocks_raise_no_alert(evaluation: Evaluation) -> None:
    on_birds = [a for a, truth in evaluation.alert_tracks()
                if truth is not None and evaluation.kinds[truth] is TargetClass.BIRD]
    assert on_birds == []
    bird_lines = evaluation.confusion()[TargetClass.BIRD]
    assert bird_lines[TargetClass.BIRD] > 20 * bird_lines[TargetClass.DRONE]


def test_drones_are_alerted_and_the_authorised_police_drone_is_not(
    evaluation: Evaluation,
) -> None:
    alerted = {truth for _, truth in evaluation.alert_tracks() if truth is not None}
    assert {"hover-1", "dark-wing", "rc-1"} <= alerted
    assert "rid-police" not in alerted


def test_confidence_is_calibrated_on_tracks_of_real_objects(evaluation: Evaluation) -> None:
    scores, labels = evaluation.calibration_data()
    real = labels != CLUTTER
    logits = scores[real] / ClassModel().temperature
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    best, conf = probs[:, :CLUTTER].argmax(axis=1), probs[:, :CLUTTER].max(axis=1)
    reported = conf >= ClassModel().decide_min
    _, ece = reliability(conf[reported], best[reported] == labels[real][reported])
    assert reported.mean() > 0.9
    assert (best[reported] == labels[real][reported]).mean() > 0.95
    assert ece < 0.05


def test_skywarden_track_writes_a_valid_alert_lifecycle(recording: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["track", str(recording), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rejected = Rejections()
    alerts = list(iter_alerts(tmp_path / "alerts.jsonl", rejected))
    assert rejected.total == 0 and alerts
    states: dict[str, list[AlertState]] = defaultdict(list)
    for alert in alerts:
        states[alert.alert_id].append(alert.state)
    assert sorted(states, key=lambda a: int(a[1:])) == [f"A{k}" for k in
                                                        range(1, len(states) + 1)]
    for sequence in states.values():
        assert sequence[0] is AlertState.OPEN
        assert AlertState.OPEN not in sequence[1:]
        assert AlertState.CLOSED not in sequence[:-1]
    assert all(a.launch_point is not None for a in alerts)
