"""Always on: `mesdoctor watch` re-reads a live source on a timer, analyses it, and serves what a platform team
monitors: Prometheus metrics (`/metrics`), probes (`/healthz`, `/readyz`), the last JSON report (`/report.json`) and
its snapshot for the dashboard (`/snapshot.json`). Issue #17.

* `core.watch.state`: the last good analysis and the read/analysis history, shared by the loop and the server;
* `core.watch.metrics`: the Prometheus collector (metric names, labels, values from a report);
* `core.watch.server`: the HTTP endpoints;
* `core.watch.loop`: one analysis cycle, the timer, structured logs, SIGTERM;
* `core.watch.client`: reading a watcher's report (the dashboard's watcher source, `mesdoctor check --report-url`).

`prometheus_client` is imported only here (a dependency of the package, used by the watcher alone).
"""

DEFAULT_PORT = 9469  # the watcher's HTTP port (here, so that `mesdoctor`'s parser needs no HTTP server)
