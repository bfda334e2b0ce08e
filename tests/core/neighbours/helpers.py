"""Analyse small manifests written for these tests (from Kuma's behaviour, not from its test files)."""

from __future__ import annotations

from core.analysis import analyse
from core.model import Finding, LoadResult, Report
from core.options import AnalysisOptions
from core.sources import Source
from tests.factories import NOW

MES_HTTPBIN = """\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata: {name: httpbin, namespace: kuma-system}
spec:
  match: {port: 80, protocol: http}
  endpoints: [{address: httpbin.org, port: 80}]
"""

EGRESS_DP = """\
apiVersion: kuma.io/v1alpha1
kind: Dataplane
mesh: default
metadata: {name: zone-proxy, namespace: kuma-system, labels: {app: zone-proxy}}
spec:
  networking:
    address: 10.0.0.5
    listeners: [{type: ZoneEgress, name: egress, port: 10002}]
"""

ZONE_EGRESS = """\
apiVersion: kuma.io/v1alpha1
kind: ZoneEgress
metadata: {name: zone-egress, namespace: kuma-system}
spec:
  networking: {address: 10.0.0.9, port: 10002}
"""


def identity(selector: str = "{}", name: str = "identity", status: str = "") -> str:
    return f"""\
apiVersion: kuma.io/v1alpha1
kind: MeshIdentity
metadata: {{name: {name}, namespace: kuma-system, labels: {{kuma.io/mesh: default}}}}
spec:
  selector: {{dataplane: {{matchLabels: {selector}}}}}
  provider: {{type: Bundled, bundled: {{autogenerate: {{enabled: true}}}}}}
{status}"""


def client(name: str, namespace: str, labels: str) -> str:
    return f"""\
apiVersion: kuma.io/v1alpha1
kind: Dataplane
mesh: default
metadata: {{name: {name}, namespace: {namespace}, labels: {labels}}}
spec:
  networking:
    address: 10.0.1.7
    inbound: [{{port: 8080, tags: {{kuma.io/service: {name}}}}}]
"""


def mesh(spec: str = "{}") -> str:
    return f"apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata: {{name: default}}\nspec: {spec}\n"


MTLS_MESH = mesh("{mtls: {enabledBackend: ca-1, backends: [{name: ca-1, type: builtin}]}}")


def run(*docs: str, version: str = "2.14", complete: bool = False, zone: str = "default",
        preloaded: LoadResult | None = None, federated: bool = False) -> Report:
    text = "---\n".join(docs)
    options = AnalysisOptions(kuma_version=version, now=NOW, complete=complete, zone=zone, federated=federated)
    return analyse([Source("test", "input.yaml", text.encode())], options, preloaded=preloaded)


def found(report: Report, code: str) -> list[Finding]:
    return [f for f in report.findings if f.code == code]


def codes(report: Report) -> set[str]:
    return {f.code for f in report.findings}
