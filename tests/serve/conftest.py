"""Fixtures of the service tests: a site, a PostgreSQL server, a running runtime."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from skywarden.model import Site
from skywarden.recording import site_from_dict
from tests.conftest import PROJECT_ROOT, require
from tests.recordings import EXAMPLE_SITE

POSTGRES_SCRIPT = PROJECT_ROOT / "scripts" / "postgres.sh"


def free_port() -> int:
    """A TCP port free on the loopback interface now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture()
def site() -> Site:
    """The example site, with its radar known to SAPIENT by a node UUID."""
    raw = {**EXAMPLE_SITE, "sensors": [dict(s) for s in EXAMPLE_SITE["sensors"]]}
    raw["sensors"][0]["sapient_node_id"] = "5d0c7a34-8f0e-4c3e-9a57-0a4b7d9e1f01"
    return site_from_dict(raw)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server of its own, started by scripts/postgres.sh on a loopback port."""
    installed = any(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    require(installed, "PostgreSQL server not installed (scripts/install-system.sh)")
    folder = tempfile.mkdtemp(prefix="skywarden-pg-")
    try:
        result = subprocess.run(
            ["bash", str(POSTGRES_SCRIPT), "start", folder, str(free_port())],
            capture_output=True, text=True, timeout=120, check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"PostgreSQL did not start: {result.stderr}")
        yield result.stdout.strip()
    finally:
        subprocess.run(["bash", str(POSTGRES_SCRIPT), "stop", folder], timeout=60, check=False)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty store: an SQLite file, or a fresh database on the test server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'skywarden.db'}"
    import psycopg

    server = request.getfixturevalue("postgres_url")
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return server.rsplit("/", 1)[0] + f"/{name}"
