"""A large input for the dashboard: N MeshExternalServices across a few meshes, some broken."""

from __future__ import annotations

from pathlib import Path


def many_mes_yaml(n: int, *, meshes: int = 5, broken_every: int = 97) -> str:
    """`n` MES on Kubernetes: plain HTTP ones, and every `broken_every`-th referencing a missing Secret."""
    docs = []
    for m in range(meshes):
        docs.append(
            "apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n"
            f"  name: mesh-{m}\nspec:\n  mtls:\n    enabledBackend: ca-1\n    backends:\n"
            "      - name: ca-1\n        type: builtin\n"
        )
    docs.append(  # one Secret, so references are checked (an input without Secrets leaves them unchecked)
        "apiVersion: v1\nkind: Secret\ntype: system.kuma.io/secret\nmetadata:\n  name: unrelated\n"
        "  namespace: kuma-system\n  labels:\n    kuma.io/mesh: mesh-0\ndata:\n  value: aGVsbG8=\n"
    )
    for i in range(n):
        mesh = f"mesh-{i % meshes}"
        tls = ""
        port = 80
        if i % broken_every == 0:
            port = 443
            tls = (
                "  tls:\n    enabled: true\n    verification:\n"
                f"      clientCert: {{secret: missing-cert-{i}}}\n      clientKey: {{secret: missing-key-{i}}}\n"
            )
        docs.append(
            "apiVersion: kuma.io/v1alpha1\nkind: MeshExternalService\nmetadata:\n"
            f"  name: svc-{i:05d}\n  namespace: kuma-system\n  labels:\n    kuma.io/mesh: {mesh}\n"
            "spec:\n  match: {type: HostnameGenerator, port: 80, protocol: http}\n"
            f"  endpoints:\n    - {{address: svc-{i:05d}.example.com, port: {port}}}\n" + tls
        )
    return "---\n".join(docs)


def write_many_mes(directory: Path, n: int = 5000) -> Path:
    path = directory / f"many-{n}.yaml"
    path.write_text(many_mes_yaml(n), encoding="utf-8")
    return path
