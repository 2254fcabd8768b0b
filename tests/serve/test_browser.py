"""The operator map in a real headless Chromium: sign in, watch a track move,
acknowledge an alert, reload, and find the acknowledgement still there; see a spoofed
Remote ID with its reason and an authorised drone marked as such."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from skywarden.serve.service import WEB_DIR
from tests.conftest import PROJECT_ROOT, require
from tests.recordings import EXAMPLE_SITE
from tests.serve import live as live_module
from tests.serve.flagged import POLICE, POLICE_TRACK, SPOOF_REASON, SPOOFER, flagging
from tests.serve.live import ADMIN_TOKEN, live_service

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


@contextmanager
def _map_in_chromium(tmp_path: Path) -> Iterator[tuple[Any, Any, list[str]]]:
    """The live service on the example site and a headless Chromium page open on its
    map: yields the service, the page, and the page errors seen."""
    require(Path(CHROMIUM).is_file() or shutil.which("chromium") is not None,
            "Debian chromium not installed (make system)")
    require((WEB_DIR / "index.html").is_file(), "operator map not built (make web)")
    from playwright.sync_api import sync_playwright

    site_file = tmp_path / "site.json"
    site_file.write_text(json.dumps(EXAMPLE_SITE))
    with live_service(site_file, f"sqlite:///{tmp_path / 'db.sqlite'}",
                      web_dir=WEB_DIR) as live, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 860})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(live.url + "/")
            yield live, page, errors
        finally:
            browser.close()


@pytest.mark.slow
def test_operator_signs_in_sees_tracks_move_and_acknowledges(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with _map_in_chromium(tmp_path) as (live, page, errors):
        operator = httpx.post(live.url + "/api/tokens",
                              headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                              json={"role": "operator", "name": "duty officer"}).json()["token"]
        expect(page.locator("#login")).to_be_visible()
        page.fill("#login-token", "not-a-token")
        page.click("#login-button")
        expect(page.locator("#login-error")).to_contain_text("refused")
        page.fill("#login-token", operator)
        page.click("#login-button")
        expect(page.locator("#login")).to_be_hidden()
        expect(page.locator("#who")).to_contain_text("duty officer · operator")
        expect(page.locator("#link")).to_have_class("dot on")
        expect(page.locator(".maplibregl-canvas")).to_be_visible()

        # The alert names its track; selecting it shows the track moving.
        alert = page.locator('#alerts li[data-alert-id="R1-A1"]')
        expect(alert).to_contain_text("Dark drone entered Ministry compound")
        alert.click()
        position = page.locator('#detail-fields dd[data-field="position"]')
        expect(position).not_to_be_empty()
        first = position.inner_text()
        expect(position).not_to_have_text(first, timeout=10_000)
        expect(page.locator('#detail-fields dd[data-field="identity"]')).to_have_text(
            "none — dark")
        expect(page.locator("#count-tracks")).to_have_text("1")

        alert.locator("button.ack").click()
        expect(alert.locator(".acked")).to_have_text("✓ acknowledged by duty officer")

        page.reload()
        expect(page.locator("#login")).to_be_hidden()
        alert = page.locator('#alerts li[data-alert-id="R1-A1"]')
        expect(alert.locator(".acked")).to_have_text("✓ acknowledged by duty officer")
        expect(alert.locator("button.ack")).to_have_count(0)

        # The timeline replays the stored history, then goes back to live.
        page.click("#replay-button")
        expect(page.locator("#replay-button")).to_have_class("mode active")
        expect(page.locator("#timeline-time")).to_contain_text("Z")
        page.locator("#timeline-slider").fill(page.locator("#timeline-slider")
                                              .get_attribute("max") or "0")
        expect(page.locator("#count-tracks")).to_have_text("1")
        page.click("#live-button")
        expect(page.locator("#live-button")).to_have_class("mode active")

        page.locator("#alerts li").first.click()
        page.wait_for_timeout(1500)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "operator-map.png"))
        assert errors == []


@pytest.mark.slow
def test_the_map_shows_a_spoofed_remote_id_with_its_reason_and_an_authorised_drone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import expect

    monkeypatch.setattr(live_module, "_echo", flagging)
    with _map_in_chromium(tmp_path) as (_, page, errors):
        page.fill("#login-token", ADMIN_TOKEN)
        page.click("#login-button")
        expect(page.locator("#login")).to_be_hidden()

        # The police drone is labelled authorised on the map.
        expect(page.locator(".track-label.authorised")).to_have_text(
            f"{POLICE_TRACK} 60 m {POLICE} ✓ AUTHORISED")

        # The spoofer's detail warns of its Remote ID and says why.
        page.locator('#alerts li[data-alert-id="R1-A1"]').click()
        warning = page.locator("#detail-spoof")
        expect(warning).to_be_visible()
        expect(warning).to_contain_text("Spoofed Remote ID")
        kind, reason = SPOOF_REASON.split(": ", 1)
        expect(page.locator("#detail-spoof-reasons li")).to_have_text(
            f"{kind.replace('_', ' ')}: {reason}")
        expect(page.locator("#detail-authorised")).to_be_hidden()
        expect(page.locator('#detail-fields dd[data-field="identity"]')).to_have_text(
            f"Remote ID {SPOOFER} (not believed)")
        expect(page.locator('#detail-fields dd[data-field="authentication"]')).to_have_text(
            "none broadcast")
        expect(page.locator(".track-label.spoof")).to_contain_text("SPOOFED ID")
        page.wait_for_timeout(1000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "operator-map-flags.png"))
        assert errors == []
