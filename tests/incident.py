"""Kubernetes manifests for incident scenarios (zones, control planes, several 2.9 culprits), as YAML text.

Every CA is generated at test time (`core.pki`), relative to `tests.factories.NOW`.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from functools import cache

from core import pki
from core.analysis import analyse
from core.model import Report
from core.options import AnalysisOptions
from core.sources import Source
from tests.factories import NOW

SECRET_TYPE = "system.kuma.io/secret"


@cache
def ca_pem(name: str = "Partner Root CA", days: int = 400) -> bytes:
    return pki.make_ca(name, NOW, days=days).cert_pem


def mesh(name: str = "default", *, mtls: bool = True) -> str:
    spec = ("spec:\n  mtls:\n    enabledBackend: ca-1\n    backends:\n      - name: ca-1\n        type: builtin\n"
            if mtls else "spec: {}\n")
    return f"apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: {name}\n{spec}"


def mes(name: str, *, ca: str | None = None, mesh: str = "default", labels: dict[str, str] | None = None,
        namespace: str = "kuma-system", port: int = 443, extra_spec: str = "", current: bool = False) -> str:
    """An MES; `ca` names the Secret of its `caCert` (TLS on), else plain TCP. `current`: the 3.0 data-source
    shape (`type: Secret`), else the 2.9-2.14 one (`secret:`)."""
    all_labels = {"kuma.io/mesh": mesh, **(labels or {})}
    label_text = "".join(f"\n    {k}: {v}" for k, v in all_labels.items())
    source = f"{{type: Secret, secretRef: {{kind: Secret, name: {ca}}}}}" if current else f"{{secret: {ca}}}"
    tls = (f"  tls:\n    enabled: true\n    verification:\n      serverName: api.{name}.example\n"
           f"      caCert: {source}\n") if ca else ""
    return (f"apiVersion: kuma.io/v1alpha1\nkind: MeshExternalService\nmetadata:\n  name: {name}\n"
            f"  namespace: {namespace}\n  labels:{label_text}\n"
            f"spec:\n  match: {{port: {port}, protocol: tcp}}\n"
            f"  endpoints: [{{address: api.{name}.example, port: 443}}]\n{tls}{extra_spec}")


def secret(name: str, pem: bytes | None = None, *, mesh: str = "default", namespace: str = "kuma-system") -> str:
    value = base64.b64encode(pem if pem is not None else ca_pem()).decode()
    return (f"apiVersion: v1\nkind: Secret\ntype: {SECRET_TYPE}\nmetadata:\n  name: {name}\n"
            f"  namespace: {namespace}\n  labels:\n    kuma.io/mesh: {mesh}\ndata:\n  value: {value}\n")


def zone_egress(name: str = "zone-egress", *, zone: str | None = None, label: str | None = None,
                namespace: str = "kuma-system") -> str:
    labels = f"  labels:\n    kuma.io/zone: {label}\n" if label else ""
    spec_zone = f"  zone: {zone}\n" if zone else ""
    return (f"apiVersion: kuma.io/v1alpha1\nkind: ZoneEgress\nmetadata:\n  name: {name}\n  namespace: {namespace}\n"
            f"{labels}spec:\n{spec_zone}  networking: {{address: 10.0.0.9, port: 10002}}\n")


def control_plane(image: str, *, kind: str = "Deployment", zone: str | None = None, mode: str | None = None,
                  name: str = "kuma-control-plane", replicas: int | None = None, phase: str | None = None) -> str:
    """A kuma-cp workload the way `kubectl get deploy,rs,pods -o yaml` shows it."""
    env = ""
    if zone or mode:
        env = "    env:\n"
        env += f"    - {{name: KUMA_MODE, value: {mode}}}\n" if mode else ""
        env += f"    - {{name: KUMA_MULTIZONE_ZONE_NAME, value: {zone}}}\n" if zone else ""
    container = f"  - name: control-plane\n    image: {image}\n{env}"
    head = f"apiVersion: {'v1' if kind == 'Pod' else 'apps/v1'}\nkind: {kind}\nmetadata:\n  name: {name}\n" \
           "  namespace: kuma-system\n"
    if kind == "Pod":
        status = f"status:\n  phase: {phase}\n" if phase else ""
        return f"{head}spec:\n  containers:\n{container}{status}"
    body = "".join("      " + line + "\n" for line in f"containers:\n{container}".splitlines())
    count = f"  replicas: {replicas}\n" if replicas is not None else ""
    return f"{head}spec:\n{count}  template:\n    spec:\n{body}"


def documents(*docs: str) -> str:
    return "---\n".join(docs)


def report(*docs: str, version: str = "auto", zone: str | None = None, overlays: Iterable[str] = ()) -> Report:
    """Analyse the documents (plus what-if overlays laid on top, in order)."""
    sources = [Source("test", "input.yaml", documents(*docs).encode())]
    sources += [Source("what-if", f"overlay-{i}.yaml", text.encode()) for i, text in enumerate(overlays, 1)]
    return analyse(sources, AnalysisOptions(kuma_version=version, zone=zone, now=NOW))
