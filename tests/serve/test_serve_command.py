"""``skywarden serve`` as an operator starts it: the real pipeline on a replayed
recording, the URL and a generated admin token printed once, a clean stop on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.recordings import GOOD_LINES, write_recording
from tests.serve.conftest import free_port


def _start(recording: Path, db: Path, port: int) -> tuple[subprocess.Popen[str], list[str]]:
    env = {k: v for k, v in os.environ.items() if k != "SKYWARDEN_ADMIN_TOKEN"}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "skywarden"), "serve", "--site", str(recording),
         "--replay", str(recording), "--loop", "--http", f"127.0.0.1:{port}",
         "--sapient", "127.0.0.1:0", "--db", f"sqlite:///{db}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    assert process.stdout is not None
    lines = []
    deadline = time.monotonic() + 60.0
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if line.startswith("SAPIENT fusion node"):
            break
    return process, lines


def _stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    assert process.wait(30) == 0, process.stderr.read() if process.stderr else ""


def test_serve_prints_url_and_token_once_and_stops_cleanly(tmp_path: Path) -> None:
    recording = write_recording(tmp_path / "rec", GOOD_LINES)
    db = tmp_path / "skywarden.db"
    port = free_port()
    process, lines = _start(recording, db, port)
    try:
        (token_line,) = [line for line in lines if line.startswith("Admin token")]
        token = token_line.rsplit(" ", 1)[1]
        assert f"http://127.0.0.1:{port}/" in lines[0]
        me = httpx.get(f"http://127.0.0.1:{port}/api/me",
                       headers={"Authorization": f"Bearer {token}"})
        assert me.json() == {"name": "admin (generated)", "role": "admin"}
        deadline = time.monotonic() + 20.0
        while httpx.get(f"http://127.0.0.1:{port}/healthz").json()["picture_t"] is None:
            assert time.monotonic() < deadline, "no picture from the real pipeline"
            time.sleep(0.2)
    finally:
        _stop(process)

    process, lines = _start(recording, db, port)
    try:
        assert [line for line in lines if line.startswith("Admin token")] == [
            "Admin token: the one shown at the first start with this database"]
        me = httpx.get(f"http://127.0.0.1:{port}/api/me",
                       headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200
    finally:
        _stop(process)
