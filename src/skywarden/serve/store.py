"""Storage of the live service: one interface over SQLite (embedded) and PostgreSQL.

What is kept, so that a restart loses nothing an operator relies on and an incident can
be replayed: the history of track states, every alert with its lifecycle and its
acknowledgement, the audit log of operator actions, sensor health, the raw report log,
edited zones and API tokens (hashed). ``open_store("sqlite:///skywarden.db")`` gives
SQLite in WAL mode; ``open_store("postgresql://user@host:port/db")`` gives PostgreSQL
through psycopg 3. Both speak the same SQL here; only placeholders and the
auto-increment column differ.

The store is synchronous and thread-safe (one connection behind a lock): the runtime
calls it from a single worker thread so that the event loop never waits on a disk.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import orjson

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id {autoid},
    started_at DOUBLE PRECISION NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS track_states (
    t DOUBLE PRECISION NOT NULL,
    track_id TEXT NOT NULL,
    run_id INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS track_states_by_time ON track_states (t);
CREATE INDEX IF NOT EXISTS track_states_by_track ON track_states (track_id, t);
CREATE TABLE IF NOT EXISTS alerts (
    alert_id TEXT PRIMARY KEY,
    run_id INTEGER NOT NULL,
    track_id TEXT NOT NULL,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    state TEXT NOT NULL,
    opened_t DOUBLE PRECISION NOT NULL,
    updated_t DOUBLE PRECISION NOT NULL,
    closed_t DOUBLE PRECISION,
    acked_by TEXT,
    acked_at DOUBLE PRECISION,
    ack_note TEXT,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_by_state ON alerts (state, updated_t);
CREATE TABLE IF NOT EXISTS alert_events (
    event_id {autoid},
    alert_id TEXT NOT NULL,
    t DOUBLE PRECISION NOT NULL,
    state TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_events_by_alert ON alert_events (alert_id, t);
CREATE TABLE IF NOT EXISTS audit_log (
    entry_id {autoid},
    at DOUBLE PRECISION NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sensor_health (
    sensor_id TEXT PRIMARY KEY,
    updated_at DOUBLE PRECISION NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS raw_reports (
    report_id {autoid},
    received_at DOUBLE PRECISION NOT NULL,
    t DOUBLE PRECISION NOT NULL,
    source TEXT NOT NULL,
    sensor TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS raw_reports_by_time ON raw_reports (t);
CREATE TABLE IF NOT EXISTS zones (
    zone_id TEXT PRIMARY KEY,
    updated_at DOUBLE PRECISION NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_tokens (
    token_hash TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL
);
"""


class StoreError(ValueError):
    """The database URL is unusable; the message says why."""


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """A stored API token: its role and the name it was issued under."""

    role: str
    name: str


class _Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ...) -> Any: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchone(self) -> Any: ...


def _dumps(obj: Any) -> str:
    return orjson.dumps(obj).decode()


def _loads(text: str) -> Any:
    return orjson.loads(text)


class Store:
    """The storage interface of the live service, over one DB-API connection."""

    def __init__(self, connection: Any, *, placeholder: str, autoid: str, url: str) -> None:
        self._connection = connection
        self._placeholder = placeholder
        self._lock = threading.Lock()
        self.url = url
        with self._tx() as cur:
            for statement in SCHEMA.format(autoid=autoid).split(";"):
                if statement.strip():
                    cur.execute(statement)

    # --- plumbing -------------------------------------------------------------------

    def _sql(self, sql: str) -> str:
        return sql.replace("?", self._placeholder) if self._placeholder != "?" else sql

    @contextmanager
    def _tx(self) -> Iterator[_Cursor]:
        with self._lock:
            cur = self._connection.cursor()
            try:
                yield cur
                self._connection.commit()
            except BaseException:
                self._connection.rollback()
                raise
            finally:
                cur.close()

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._tx() as cur:
            cur.execute(self._sql(sql), params)
            return list(cur.fetchall())

    def close(self) -> None:
        """Close the connection; everything committed stays."""
        with self._lock:
            self._connection.close()

    # --- runs -----------------------------------------------------------------------

    def start_run(self, started_at: float, note: str = "") -> int:
        """Record a start of the service and return its run number (1, 2, ...)."""
        with self._tx() as cur:
            cur.execute(self._sql("INSERT INTO runs (started_at, note) VALUES (?, ?)"),
                        (started_at, note))
            cur.execute("SELECT MAX(run_id) FROM runs")
            return int(cur.fetchone()[0])

    # --- tracks ---------------------------------------------------------------------

    def save_tracks(self, run_id: int, tracks: Sequence[dict[str, Any]]) -> None:
        """Append track states (tracks.jsonl objects) to the history."""
        if not tracks:
            return
        rows = [(tr["t"], tr["track_id"], run_id, _dumps(tr)) for tr in tracks]
        with self._tx() as cur:
            cur.executemany(
                self._sql("INSERT INTO track_states (t, track_id, run_id, data) "
                          "VALUES (?, ?, ?, ?)"),
                rows,
            )

    def track_history(self, track_id: str, limit: int = 600) -> list[dict[str, Any]]:
        """The latest ``limit`` states of a track, oldest first. Track ids start over
        when the service restarts, so this is the track of the latest run that had one
        by that id."""
        rows = self._query(
            "SELECT data FROM track_states WHERE track_id = ? AND run_id = (SELECT MAX(run_id)"
            " FROM track_states WHERE track_id = ?) ORDER BY t DESC LIMIT ?",
            (track_id, track_id, limit),
        )
        return [_loads(r[0]) for r in reversed(rows)]

    def tracks_between(self, t0: float, t1: float, limit: int = 200_000) -> list[dict[str, Any]]:
        """Track states with ``t0 <= t <= t1``, in time order (for the timeline replay)."""
        rows = self._query(
            "SELECT data FROM track_states WHERE t >= ? AND t <= ? ORDER BY t LIMIT ?",
            (t0, t1, limit),
        )
        return [_loads(r[0]) for r in rows]

    def history_span(self) -> tuple[float, float] | None:
        """The first and last time of the stored track history, if any."""
        row = self._query("SELECT MIN(t), MAX(t) FROM track_states")[0]
        return None if row[0] is None else (float(row[0]), float(row[1]))

    # --- alerts ---------------------------------------------------------------------

    def save_alert(self, run_id: int, alert: dict[str, Any]) -> None:
        """Record one alert state (an alerts.jsonl object): its event and its latest
        state. An acknowledgement already given is kept."""
        closed_t = alert["t"] if alert["state"] == "closed" else None
        with self._tx() as cur:
            cur.execute(
                self._sql("INSERT INTO alert_events (alert_id, t, state, data) "
                          "VALUES (?, ?, ?, ?)"),
                (alert["alert_id"], alert["t"], alert["state"], _dumps(alert)),
            )
            cur.execute(
                self._sql(
                    "INSERT INTO alerts (alert_id, run_id, track_id, rule, severity, state,"
                    " opened_t, updated_t, closed_t, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (alert_id) DO UPDATE SET severity = excluded.severity,"
                    " state = excluded.state, updated_t = excluded.updated_t,"
                    " closed_t = excluded.closed_t, data = excluded.data"
                ),
                (alert["alert_id"], run_id, alert["track_id"], alert["rule"],
                 alert["severity"], alert["state"], alert["t"], alert["t"], closed_t,
                 _dumps(alert)),
            )

    _ALERT_COLUMNS = ("SELECT data, opened_t, updated_t, closed_t, acked_by, acked_at, ack_note,"
                      " run_id FROM alerts")

    @staticmethod
    def _alert_row(row: Sequence[Any]) -> dict[str, Any]:
        alert: dict[str, Any] = _loads(row[0])
        alert.update(
            opened_t=row[1], updated_t=row[2], closed_t=row[3], run_id=row[7],
            ack=None if row[4] is None else {"by": row[4], "at": row[5], "note": row[6] or ""},
        )
        return alert

    def alerts(self, state: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
        """Alerts, latest first, each with its lifecycle times and acknowledgement.

        ``state="open"`` gives the alerts not closed yet (opened or updated);
        ``"closed"`` the closed ones; ``"unacked"`` the open ones nobody acknowledged.
        """
        where = {
            None: "",
            "open": " WHERE state <> 'closed'",
            "closed": " WHERE state = 'closed'",
            "unacked": " WHERE state <> 'closed' AND acked_by IS NULL",
        }
        if state not in where:
            raise ValueError(f"unknown alert state filter {state!r}")
        rows = self._query(f"{self._ALERT_COLUMNS}{where[state]} ORDER BY updated_t DESC LIMIT ?",
                           (limit,))
        return [self._alert_row(r) for r in rows]

    def alert(self, alert_id: str) -> dict[str, Any] | None:
        """One alert with its lifecycle events, or ``None``."""
        rows = self._query(f"{self._ALERT_COLUMNS} WHERE alert_id = ?", (alert_id,))
        if not rows:
            return None
        alert = self._alert_row(rows[0])
        events = self._query(
            "SELECT data FROM alert_events WHERE alert_id = ? ORDER BY event_id", (alert_id,)
        )
        alert["events"] = [_loads(e[0]) for e in events]
        return alert

    def acknowledge(
        self, alert_id: str, by: str, at: float, note: str = ""
    ) -> dict[str, Any] | None:
        """Acknowledge an alert (the first acknowledgement stands); ``None`` when there is
        no such alert."""
        with self._tx() as cur:
            cur.execute(
                self._sql("UPDATE alerts SET acked_by = ?, acked_at = ?, ack_note = ?"
                          " WHERE alert_id = ? AND acked_by IS NULL"),
                (by, at, note, alert_id),
            )
        return self.alert(alert_id)

    # --- audit ----------------------------------------------------------------------

    def audit(self, at: float, actor: str, role: str, action: str, target: str,
              detail: dict[str, Any] | None = None) -> None:
        """Append an operator action to the audit log."""
        with self._tx() as cur:
            cur.execute(
                self._sql("INSERT INTO audit_log (at, actor, role, action, target, detail)"
                          " VALUES (?, ?, ?, ?, ?, ?)"),
                (at, actor, role, action, target, _dumps(detail or {})),
            )

    def audit_log(self, limit: int = 200) -> list[dict[str, Any]]:
        """The latest audit entries, latest first."""
        rows = self._query(
            "SELECT at, actor, role, action, target, detail FROM audit_log"
            " ORDER BY entry_id DESC LIMIT ?",
            (limit,),
        )
        return [{"at": r[0], "actor": r[1], "role": r[2], "action": r[3], "target": r[4],
                 "detail": _loads(r[5])} for r in rows]

    # --- sensors --------------------------------------------------------------------

    def save_sensor_health(self, at: float, sensors: Sequence[dict[str, Any]]) -> None:
        """Record the latest health of sensors (objects with an ``id``)."""
        if not sensors:
            return
        with self._tx() as cur:
            cur.executemany(
                self._sql("INSERT INTO sensor_health (sensor_id, updated_at, data)"
                          " VALUES (?, ?, ?) ON CONFLICT (sensor_id) DO UPDATE SET"
                          " updated_at = excluded.updated_at, data = excluded.data"),
                [(s["id"], at, _dumps(s)) for s in sensors],
            )

    def sensor_health(self) -> list[dict[str, Any]]:
        """The last recorded health of every sensor."""
        return [_loads(r[0]) for r in
                self._query("SELECT data FROM sensor_health ORDER BY sensor_id")]

    # --- raw reports ----------------------------------------------------------------

    def log_reports(self, rows: Sequence[tuple[float, float, str, str, dict[str, Any]]]) -> None:
        """Append raw reports ``(received_at, t, source, sensor, report object)``."""
        if not rows:
            return
        with self._tx() as cur:
            cur.executemany(
                self._sql("INSERT INTO raw_reports (received_at, t, source, sensor, data)"
                          " VALUES (?, ?, ?, ?, ?)"),
                [(r[0], r[1], r[2], r[3], _dumps(r[4])) for r in rows],
            )

    def raw_reports(self, t0: float, t1: float, limit: int = 100_000) -> list[dict[str, Any]]:
        """Raw reports measured in ``[t0, t1]``, in time order, for forensic replay."""
        rows = self._query(
            "SELECT received_at, source, data FROM raw_reports WHERE t >= ? AND t <= ?"
            " ORDER BY t LIMIT ?",
            (t0, t1, limit),
        )
        return [{"received_at": r[0], "source": r[1], "report": _loads(r[2])} for r in rows]

    # --- zones ----------------------------------------------------------------------

    def save_zone(self, at: float, zone: dict[str, Any]) -> None:
        """Record an edited zone (a site-file zone object)."""
        with self._tx() as cur:
            cur.execute(
                self._sql("INSERT INTO zones (zone_id, updated_at, data) VALUES (?, ?, ?)"
                          " ON CONFLICT (zone_id) DO UPDATE SET updated_at = excluded.updated_at,"
                          " data = excluded.data"),
                (zone["id"], at, _dumps(zone)),
            )

    def zones(self) -> list[dict[str, Any]]:
        """Every zone edited through the API."""
        return [_loads(r[0]) for r in self._query("SELECT data FROM zones ORDER BY zone_id")]

    # --- tokens ---------------------------------------------------------------------

    def add_token(self, token_hash: str, role: str, name: str, at: float) -> None:
        """Keep a token's hash with its role."""
        with self._tx() as cur:
            cur.execute(
                self._sql("INSERT INTO api_tokens (token_hash, role, name, created_at)"
                          " VALUES (?, ?, ?, ?) ON CONFLICT (token_hash) DO NOTHING"),
                (token_hash, role, name, at),
            )

    def token(self, token_hash: str) -> TokenRecord | None:
        """The role and name of a token, or ``None``."""
        rows = self._query("SELECT role, name FROM api_tokens WHERE token_hash = ?",
                           (token_hash,))
        return TokenRecord(rows[0][0], rows[0][1]) if rows else None

    def has_token_named(self, name: str) -> bool:
        """Whether a token was issued under this name."""
        return bool(self._query("SELECT 1 FROM api_tokens WHERE name = ?", (name,)))


def _sqlite_path(url: str) -> str:
    path = url.removeprefix("sqlite:///")
    if not path:
        raise StoreError(f"{url}: no database file (write sqlite:///skywarden.db)")
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    return path


def open_store(url: str) -> Store:
    """Open (and create if needed) the store a URL names: ``sqlite:///FILE`` or
    ``postgresql://...``."""
    if url.startswith("sqlite:///"):
        connection = sqlite3.connect(_sqlite_path(url), check_same_thread=False, timeout=30.0)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        return Store(connection, placeholder="?",
                     autoid="INTEGER PRIMARY KEY AUTOINCREMENT", url=url)
    if url.startswith(("postgresql://", "postgres://")):
        import psycopg

        try:
            pg_connection = psycopg.connect(url, connect_timeout=10)
        except psycopg.OperationalError as error:
            raise StoreError(f"cannot connect to PostgreSQL: {error}") from None
        return Store(pg_connection, placeholder="%s", autoid="BIGSERIAL PRIMARY KEY", url=url)
    raise StoreError(f"{url}: unsupported database URL (sqlite:///FILE or postgresql://...)")
