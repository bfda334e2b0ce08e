"""`mesdoctor watch`: re-read a live source every --interval, analyse it, and serve Prometheus metrics, probes, the
last JSON report and its snapshot (core/watch/). Kept here so core/cli.py stays thin."""

from __future__ import annotations

import argparse
import re
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TextIO
from urllib.parse import quote, urlsplit

from core.watch import DEFAULT_PORT

DEFAULT_INTERVAL = 60.0
MIN_INTERVAL = 1.0
DEFAULT_LISTEN = f"127.0.0.1:{DEFAULT_PORT}"
IN_CLUSTER_LISTEN = f":{DEFAULT_PORT}"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")  # as the dashboard's `watchers:` names


def add_watch_parser(sub: Any, *, add_common: Callable[[argparse.ArgumentParser], None]) -> None:
    watch = sub.add_parser(
        "watch", help="re-read a live source on a timer and serve Prometheus metrics and the last report",
        description="Re-read a live source (or files, or the sample) every --interval seconds, analyse it, and serve "
        "/metrics (Prometheus), /healthz, /readyz, /report.json (the JSON report of the last good analysis) and "
        "/snapshot.json (the same for the dashboard's watcher source). One JSON log line per analysis on stderr; "
        "SIGTERM stops it.")
    watch.add_argument("paths", nargs="*", metavar="PATH",
                       help="files or directories read again at every analysis (on top of a live source)")
    watch.add_argument("--sample", nargs="?", const="incident", default=None, metavar="NAME",
                       help="watch a bundled sample (incident or gallery), dated relative to each analysis: a demo")
    watch.add_argument("--interval", type=float, default=DEFAULT_INTERVAL, metavar="SECONDS",
                       help=f"seconds between two analyses (default: {DEFAULT_INTERVAL:g})")
    watch.add_argument("--listen", default=None, metavar="HOST:PORT",
                       help=f"where to serve (default: {DEFAULT_LISTEN}, or {IN_CLUSTER_LISTEN} with --in-cluster); "
                       ":PORT is every interface")
    watch.add_argument("--dashboard-url", metavar="URL",
                       help="the MES Doctor dashboard's URL: alert descriptions then link each MES there")
    watch.add_argument("--watcher-name", metavar="NAME",
                       help="this watcher's name in the dashboard's `watchers:` configuration: deep links then open "
                       "this watcher's report")
    watch.add_argument("--once", action="store_true",
                       help="analyse once, print the metrics on stdout and exit (1 when the analysis failed)")
    add_common(watch)
    from core.live.cli_args import add_arguments as add_live_arguments

    add_live_arguments(watch)


def dashboard_link(url: str | None, name: str | None) -> str:
    """The prefix of an MES's deep link (the alert rules append `<mesh>/<name>`), "" without a dashboard URL."""
    from core.cli import UsageError

    if name and not _NAME.match(name):
        raise UsageError("--watcher-name: 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit")
    if not url:
        if name:
            raise UsageError("--watcher-name needs --dashboard-url")
        return ""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise UsageError("--dashboard-url: an http(s) URL without query or fragment, e.g. "
                         "https://mesdoctor.example.com")
    if parts.username is not None or parts.password is not None:
        raise UsageError("--dashboard-url must not embed credentials")
    base = url.strip().rstrip("/")
    return f"{base}/Services?" + (f"watcher={quote(name, safe='')}&" if name else "") + "service="


def run_watch(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from core.cli import UsageError, options_from_args, sample_name
    from core.live.cli_args import specs_from_args
    from core.live.guard import ALLOW_FLAG
    from core.live.policy import ReadPolicy
    from core.sample_names import SAMPLES
    from core.watch.loop import Watcher, WatchInputs, line, start_line
    from core.watch.metrics import registry
    from core.watch.server import ListenError, WatchServer, parse_listen
    from core.watch.state import WatchState

    options = options_from_args(args)
    if args.sample is not None and args.sample not in SAMPLES:
        sample_name(args)
    if not args.interval >= MIN_INTERVAL or args.interval > 86400:
        raise UsageError(f"--interval must be between {MIN_INTERVAL:g} and 86400 seconds")
    try:
        specs = specs_from_args(args, options.system_namespace)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if not 0 < args.kube_exec_timeout < 3600:
        raise UsageError("--kube-exec-timeout must be a number of seconds between 0 and 3600")
    # never interactive: a credential plugin prompting on the terminal would stop the loop
    policy = ReadPolicy.local(allow_link_local=args.allow_link_local, interactive=False,
                              plugin_timeout=args.kube_exec_timeout, hint=f"allow it with {ALLOW_FLAG}")
    inputs = WatchInputs(specs=specs, policy=policy, paths=list(args.paths), sample=args.sample)
    if not specs and not args.paths and not args.sample:
        raise UsageError("nothing to watch: give a live source (--kube, --kube-context, --in-cluster, --kuma-url, "
                         "--url), PATHs, or --sample")
    link = dashboard_link(args.dashboard_url, args.watcher_name)
    state = WatchState(source=inputs.describe(), interval=args.interval, dashboard_link=link)

    def emit(text: str) -> None:
        err.write(text + "\n")
        err.flush()

    watcher = Watcher(inputs, options, state, emit)
    if args.once:
        from prometheus_client.exposition import generate_latest

        ok = watcher.cycle()
        out.write(generate_latest(registry(state, process=False)).decode("utf-8"))
        return 0 if ok else 1
    listen = args.listen or (IN_CLUSTER_LISTEN if args.in_cluster else DEFAULT_LISTEN)
    try:
        host, port = parse_listen(listen)
        server = WatchServer(state, registry(state), host, port, stuck_after=max(900.0, 10 * args.interval))
    except ListenError as exc:
        raise UsageError(str(exc)) from exc
    stop = threading.Event()
    reason: list[str] = []
    previous = _on_signals(stop, reason)
    server.start()
    emit(start_line(datetime.now(UTC), listen=server.address, interval=args.interval, source=state.source))
    try:
        watcher.run(stop)
    finally:
        server.stop()
        _restore(previous)
        emit(line("stop", datetime.now(UTC), reason=reason[0] if reason else "stopped"))
    return 0


def _on_signals(stop: threading.Event, reason: list[str]) -> dict[int, Any]:
    """SIGTERM (Kubernetes stopping the pod) and SIGINT (Ctrl-C) end the loop after the current cycle."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous: dict[int, Any] = {}

    def handler(signum: int, _frame: Any) -> None:
        if not reason:
            reason.append(signal.Signals(signum).name)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, handler)
    return previous


def _restore(previous: dict[int, Any]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)
