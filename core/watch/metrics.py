"""The watcher's Prometheus metrics: one collector that turns the last good analysis into metric families at each
scrape (so an MES that disappears from the input disappears from `/metrics` too, with no stale series kept).

Names follow Prometheus' conventions (a `mesdoctor_` prefix, base units in the name: `_seconds`,
`_timestamp_seconds`; counters end in `_total`; enum-style 0/1 gauges for states; `_info` gauges of value 1 for
labels). The README's "Metrics" table documents each one with its labels.

Label cardinality stays proportional to the input, never to its history or to free text: per MES three status
series, two map-inclusion series and, for MES in the 2.9 loop, one cascade-role series; one series per certificate
and per failing secret reference; findings are counted per code and severity only (never per message). Label
values come from the input, so each is made printable (control characters as `\\xNN`) and cut to `LABEL_LIMIT`
characters; the exposition format's own escaping (backslash, quote, line feed) is prometheus_client's. Key
material never reaches a label: names are the loader's (key material in a name is already replaced by a redaction
marker), certificates contribute their subject CN and a SHA-256 prefix only.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from core import __version__
from core.model import ReferenceStatus, Report, ServiceStatus, Severity
from core.report.text import printable
from core.watch.state import View, WatchState

LABEL_LIMIT = 200
SHA256_PREFIX = 12  # hex characters of a certificate's fingerprint (as in redaction markers)
CASCADE_ROLES = ("culprit", "latent-culprit", "victim")
STATUSES = tuple(s.value for s in ServiceStatus)
_CN = re.compile(r"(?:^|,)\s*CN=((?:\\.|[^,\\])*)", re.IGNORECASE)
_ESCAPED = re.compile(r"\\(.)")


def label(value: object) -> str:
    """An input-derived label value: printable, one line, at most LABEL_LIMIT characters."""
    text = printable("" if value is None else value).replace("\n", "\\n").replace("\r", "\\r")
    text = text.encode("utf-8", "replace").decode("utf-8")  # a lone surrogate cannot be exposed
    return text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1] + "…"


def subject_cn(subject: str) -> str:
    """The common name of an RFC 4514 subject (`CN=mesh-client,O=Example` → `mesh-client`), "" when none."""
    found = _CN.search(subject or "")
    return _ESCAPED.sub(r"\1", found.group(1)) if found else ""


class WatchCollector(Collector):
    """Collects the watcher's metrics from its `WatchState` at each scrape."""

    def __init__(self, state: WatchState) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        view = self.state.view()
        yield from _watcher_metrics(self.state, view)
        if view.last is not None:
            yield from report_metrics(view.last.report)


def registry(state: WatchState, *, process: bool = True) -> CollectorRegistry:
    """A registry of the watcher's metrics (and, with `process`, the process and Python runtime ones)."""
    found = CollectorRegistry(auto_describe=False)
    found.register(WatchCollector(state))
    if process:
        from prometheus_client.gc_collector import GCCollector
        from prometheus_client.platform_collector import PlatformCollector
        from prometheus_client.process_collector import ProcessCollector

        ProcessCollector(registry=found)
        PlatformCollector(registry=found)
        GCCollector(registry=found)
    return found


def _watcher_metrics(state: WatchState, view: View) -> Iterable[Metric]:
    info = GaugeMetricFamily("mesdoctor_build_info", "MES Doctor's version (value 1).", labels=["version"])
    info.add_metric([__version__], 1)
    yield info
    watcher = GaugeMetricFamily(
        "mesdoctor_watcher_info",
        "What this watcher reads and, when a dashboard URL is configured, the prefix of a service's deep link in "
        "the dashboard (value 1).",
        labels=["source", "dashboard_link"])
    watcher.add_metric([label(state.source), state.dashboard_link], 1)
    yield watcher
    yield GaugeMetricFamily("mesdoctor_watch_interval_seconds", "Seconds between two analyses (--interval).",
                            value=state.interval)
    analyses = CounterMetricFamily("mesdoctor_analyses", "Analysis cycles (read and analyse) by outcome.",
                                   labels=["outcome"])
    analyses.add_metric(["ok"], view.analyses_ok)
    analyses.add_metric(["failed"], view.analyses_failed)
    yield analyses
    yield CounterMetricFamily("mesdoctor_source_errors", "Reads of the source that failed (the last good analysis "
                              "is kept and served; mesdoctor_report_stale says so).", value=view.source_errors)
    if view.last_attempt_ok is not None:
        yield GaugeMetricFamily("mesdoctor_source_up", "1 when the last read and analysis succeeded, 0 when it "
                                "failed.", value=1 if view.last_attempt_ok else 0)
    if view.last_attempt_at is not None:
        yield GaugeMetricFamily("mesdoctor_last_attempt_timestamp_seconds", "When the last cycle ended (Unix time).",
                                value=view.last_attempt_at.timestamp())
    if view.last_error_at is not None:
        yield GaugeMetricFamily("mesdoctor_last_error_timestamp_seconds", "When a cycle last failed (Unix time).",
                                value=view.last_error_at.timestamp())
    last = view.last
    yield GaugeMetricFamily("mesdoctor_report_stale", "1 when the last cycle failed and the report served (metrics "
                            "included) is an older, good one.", value=1 if view.stale else 0)
    if last is None:
        return
    yield GaugeMetricFamily("mesdoctor_last_success_timestamp_seconds", "When the last successful analysis ended "
                            "(Unix time).", value=last.finished_at.timestamp())
    yield GaugeMetricFamily("mesdoctor_analysis_duration_seconds", "How long the last successful cycle took (read "
                            "and analysis).", value=last.seconds)
    yield GaugeMetricFamily("mesdoctor_source_read_duration_seconds", "How long reading the source took in the "
                            "last successful cycle.", value=last.read_seconds)
    report = last.report
    analysis = GaugeMetricFamily(
        "mesdoctor_analysis_info",
        "The last analysis: target Kuma version (2.9, 2.10, ...), how it was chosen (chosen, control-plane, api, "
        "shape, default) and the zone (value 1).", labels=["kuma_version", "version_source", "zone"])
    analysis.add_metric([label(report.kuma_version), label(report.version_source), label(report.zone)], 1)
    yield analysis


def report_metrics(report: Report) -> Iterator[Metric]:
    """The metric families of one report (pure: tests parse them back)."""
    status = GaugeMetricFamily(
        "mesdoctor_service_status",
        "MeshExternalService status, enum-style: 1 for the status it has (healthy, warning, broken), 0 for the others.",
        labels=["mesh", "namespace", "name", "status"])
    included = GaugeMetricFamily("mesdoctor_service_included",
                                 "1 when the MES is in the analysed zone's egress endpoint map (target version).",
                                 labels=["mesh", "namespace", "name"])
    on_29 = GaugeMetricFamily("mesdoctor_service_included_on_29",
                              "1 when a Kuma 2.9.x control plane would put the MES in its endpoint map.",
                              labels=["mesh", "namespace", "name"])
    role = GaugeMetricFamily(
        "mesdoctor_service_cascade_role",
        "The MES's role in the 2.9 cascade (kumahq/kuma#12821), computed on every target: culprit (its TLS material "
        "fails and stops the 2.9 loop), latent-culprit (next in line), victim (dropped by a culprit). Value 1; no "
        "series for MES outside the cascade.", labels=["mesh", "namespace", "name", "role"])
    for s in report.services:
        r = s.resource
        key = [label(r.mesh), label(r.namespace), label(r.name)]
        for value in STATUSES:
            status.add_metric([*key, value], 1 if s.status.value == value else 0)
        included.add_metric(key, 1 if s.included else 0)
        on_29.add_metric(key, 1 if s.included_on_2_9 else 0)
        if s.cascade_role in CASCADE_ROLES:
            role.add_metric([*key, s.cascade_role], 1)
    yield from (status, included, on_29, role)
    yield from _reference_metrics(report)
    yield from _certificate_metrics(report)
    findings = GaugeMetricFamily("mesdoctor_findings", "Findings of the last analysis per code and severity.",
                                 labels=["code", "severity"])
    by_code = Counter((f.code, f.severity.value) for f in report.findings)
    for (code, severity), n in sorted(by_code.items()):
        findings.add_metric([label(code), severity], n)
    yield findings
    severities = GaugeMetricFamily("mesdoctor_findings_by_severity", "Findings of the last analysis per severity.",
                                   labels=["severity"])
    counts = Counter(f.severity.value for f in report.findings)
    for severity in Severity:
        severities.add_metric([severity.value], counts.get(severity.value, 0))
    yield severities


def _reference_metrics(report: Report) -> Iterator[Metric]:
    by_status = GaugeMetricFamily(
        "mesdoctor_secret_references",
        "TLS data sources of MES per status: ok, not-checked (Secrets could not be read), or the failure reason "
        "(not-found, wrong-namespace, wrong-type, ...).", labels=["status"])
    counts = Counter(ref.status.value for ref in report.secret_references)
    for value in sorted({ReferenceStatus.OK.value, *counts}):
        by_status.add_metric([value], counts.get(value, 0))
    yield by_status
    failing = GaugeMetricFamily(
        "mesdoctor_secret_reference_failing",
        "A TLS data source of an MES that does not load, with the reason (value 1; no series for references that "
        "load or were not checked).", labels=["mesh", "namespace", "service", "field", "secret", "reason"])
    seen: set[tuple[str, ...]] = set()
    for ref in report.secret_references:
        if not ref.status.fails:
            continue
        labels = (label(ref.service.mesh), label(ref.service.namespace), label(ref.service.name), label(ref.field),
                  label(ref.secret), ref.status.value)
        if labels not in seen:
            seen.add(labels)
            failing.add_metric(list(labels), 1)
    yield failing


def _certificate_metrics(report: Report) -> Iterator[Metric]:
    names = ["mesh", "namespace", "service", "field", "secret", "subject_cn", "sha256"]
    not_after = GaugeMetricFamily(
        "mesdoctor_certificate_not_after_timestamp_seconds",
        "When a certificate reached through an MES data source expires (Unix time). Labels identify it by "
        "subject CN and SHA-256 prefix; never key material.", labels=names)
    days_left = GaugeMetricFamily(
        "mesdoctor_certificate_days_left",
        "Whole days from the analysis to the certificate's notAfter, rounded toward zero (negative: expired).",
        labels=names)
    seen: set[tuple[str, ...]] = set()
    for c in report.certificates:
        labels = (label(c.service.mesh), label(c.service.namespace), label(c.service.name), label(c.field),
                  label(c.secret), label(subject_cn(c.subject)), c.sha256[:SHA256_PREFIX].lower())
        if labels in seen:  # the same certificate twice in one bundle
            continue
        seen.add(labels)
        not_after.add_metric(list(labels), c.not_after.timestamp())
        days_left.add_metric(list(labels), c.days_left)
    yield not_after
    yield days_left
