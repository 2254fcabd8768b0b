"""Prometheus metrics of the live service, in a registry of its own (one per service)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)


class Metrics:
    """Counters, gauges and histograms that ``/metrics`` exposes."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.reports = Counter("skywarden_reports", "Reports accepted, by source",
                               ["source"], registry=r)
        self.rejected = Counter("skywarden_rejected", "Input rejected, by source and reason",
                                ["source", "reason"], registry=r)
        self.queue_depth = Gauge("skywarden_ingest_queue_depth",
                                 "Reports waiting for the tracker", registry=r)
        self.tracks = Gauge("skywarden_tracks", "Confirmed tracks in the picture", registry=r)
        self.open_alerts = Gauge("skywarden_open_alerts", "Alerts not closed", registry=r)
        self.tick_seconds = Histogram("skywarden_tick_seconds",
                                      "Time to advance the pipeline one period", registry=r)
        self.report_latency = Histogram(
            "skywarden_report_to_publish_seconds",
            "From a report's arrival to the publication of the picture that holds it",
            buckets=LATENCY_BUCKETS, registry=r)
        self.ws_clients = Gauge("skywarden_ws_clients", "Connected WebSocket clients",
                                registry=r)
        self.ws_dropped = Counter("skywarden_ws_dropped_messages",
                                  "Messages dropped for slow WebSocket clients", registry=r)
        self.sapient_nodes = Gauge("skywarden_sapient_nodes", "Registered SAPIENT nodes",
                                   registry=r)
