"""Shared by the watcher's tests: a report of the bundled incident sample at a fixed instant, the state a watcher
holds after analysing it, and the exposition parsed back with prometheus_client's own parser."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from prometheus_client.exposition import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from core.analysis import analyse
from core.model import Report
from core.options import AnalysisOptions
from core.report.json_report import to_json
from core.report.snapshot import to_snapshot
from core.watch.metrics import registry
from core.watch.state import Analysis, WatchState
from tests.factories import NOW

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@functools.cache
def incident() -> tuple[Report, AnalysisOptions]:
    from core.sample import sample_sources

    options = AnalysisOptions(now=NOW)
    return analyse(sample_sources(NOW, "incident"), options), options


def analysis(report: Report, options: AnalysisOptions, at: datetime = NOW) -> Analysis:
    return Analysis(report, options, at, 1.25, 0.5, to_json(report).encode(), to_snapshot(report, options))


def state_with(report: Report, options: AnalysisOptions, *, link: str = "",
               source: str = "sample:incident") -> WatchState:
    state = WatchState(source=source, interval=60, dashboard_link=link)
    state.succeeded(analysis(report, options))
    return state


def exposition(state: WatchState) -> str:
    return generate_latest(registry(state, process=False)).decode("utf-8")


def parse(text: str) -> Samples:
    """Every sample as {(name, sorted labels): value}, through prometheus_client's parser."""
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            key = (sample.name, tuple(sorted(sample.labels.items())))
            assert key not in found, f"duplicate series {key}"
            found[key] = sample.value
    return found


def series(samples: Samples, metric: str, /, **labels: str) -> dict[tuple[tuple[str, str], ...], float]:
    """The samples of `name` whose labels include `labels`."""
    return {k: v for (n, k), v in samples.items()
            if n == metric and all(dict(k).get(a) == b for a, b in labels.items())}


def at(moment: datetime) -> float:
    return moment.astimezone(UTC).timestamp()
