"""Placeholder Secrets for the what-if "stub this Secret": they make a missing reference load, lift the 2.9
cascade behind it, and carry no TLS material (the MES is left with MES301, which is the truth)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml

from core.analysis import analyse
from core.model import Flavour, ReferenceStatus
from core.options import AnalysisOptions
from core.secrets.placeholder import (
    PLACEHOLDER_VALUE,
    can_stub,
    placeholder_file_name,
    placeholder_manifest,
)
from core.sources import Source
from tests.scenarios import motivating_case

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def analysed(*texts: str, version: str = "2.9"):
    sources = [Source(label="test", name=f"f{i}.yaml", data=t.encode()) for i, t in enumerate(texts)]
    return analyse(sources, AnalysisOptions(kuma_version=version, now=NOW))


@pytest.mark.parametrize("flavour", ["kubernetes", "universal"])
def test_stubbing_the_missing_secrets_lifts_the_cascade(flavour):
    case = motivating_case(NOW, flavour=flavour)
    before = analysed(case.yaml)
    broken = before.service("default", case.broken)
    healthy = before.service("default", case.healthy)
    assert broken is not None and healthy is not None
    assert not healthy.included_on_2_9  # dropped behind the culprit
    missing = [r for r in broken.references if r.status is ReferenceStatus.NOT_FOUND]
    assert [r.secret for r in missing] == ["kuma-cert", "kuma-key"]
    assert all(can_stub(r) for r in missing)
    stubs = [placeholder_manifest(r, flavour=Flavour(flavour), system_namespace="kuma-system") for r in missing]

    after = analysed(case.yaml, *stubs)
    broken, healthy = after.service("default", case.broken), after.service("default", case.healthy)
    assert [r.status for r in broken.references] == [ReferenceStatus.OK, ReferenceStatus.OK]
    assert healthy.included and healthy.included_on_2_9, "the cascade is lifted"
    assert broken.included, "its material loads now"
    # ... and the placeholder is no certificate: the culprit is left with that, honestly
    assert "MES301" in {f.code for f in broken.findings}
    assert not any(f.code.startswith("MES2") for f in broken.findings)


def test_a_stub_goes_where_kuma_reads_secrets_and_says_what_it_is():
    case = motivating_case(NOW)
    ref = next(r for r in analysed(case.yaml).secret_references if r.secret == "kuma-cert")
    text = placeholder_manifest(ref, flavour=Flavour.KUBERNETES, system_namespace="mesh-system")
    doc = yaml.safe_load(text)
    assert doc["kind"] == "Secret" and doc["type"] == "system.kuma.io/secret"
    assert doc["metadata"]["namespace"] == "mesh-system"
    assert doc["metadata"]["labels"] == {"kuma.io/mesh": "default"}
    assert "placeholder" in doc["metadata"]["annotations"]["mesdoctor.io/placeholder"]
    assert text.startswith("# what-if placeholder for clientCert of MeshExternalService billing")
    assert placeholder_file_name(ref) == "stub-kuma-cert.yaml"


def test_a_stub_holds_no_key_material():
    case = motivating_case(NOW)
    for ref in analysed(case.yaml).secret_references:
        if not can_stub(ref):
            continue
        for flavour in Flavour:
            text = placeholder_manifest(ref, flavour=flavour, system_namespace="kuma-system")
            assert "BEGIN" not in text and "PRIVATE" not in text
    assert b"BEGIN" not in PLACEHOLDER_VALUE and b"KEY-----" not in PLACEHOLDER_VALUE


def test_only_missing_secrets_are_stubbed():
    case = motivating_case(NOW)
    report = analysed(case.yaml)
    ok = [r for r in report.secret_references if r.status is ReferenceStatus.OK]
    assert ok and not any(can_stub(r) for r in ok)
    with pytest.raises(ValueError, match="does not fix"):
        placeholder_manifest(ok[0], flavour=Flavour.KUBERNETES, system_namespace="kuma-system")


def test_a_stub_of_a_secret_in_the_wrong_namespace_is_created_in_the_system_namespace():
    manifest = (
        "apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata: {name: default}\n"
        "spec: {mtls: {enabledBackend: ca-1, backends: [{name: ca-1, type: builtin}]}}\n---\n"
        "apiVersion: kuma.io/v1alpha1\nkind: MeshExternalService\n"
        "metadata: {name: ledger, namespace: kuma-system, labels: {kuma.io/mesh: default}}\n"
        "spec:\n  match: {type: HostnameGenerator, port: 443, protocol: tcp}\n"
        "  endpoints: [{address: ledger.example, port: 443}]\n"
        "  tls: {enabled: true, verification: {caCert: {secret: ledger-ca}}}\n---\n"
        "apiVersion: v1\nkind: Secret\ntype: system.kuma.io/secret\n"
        "metadata: {name: ledger-ca, namespace: apps, labels: {kuma.io/mesh: default}}\n"
        "data: {value: eA==}\n"
    )
    [ref] = analysed(manifest).secret_references
    assert ref.status is ReferenceStatus.WRONG_NAMESPACE and can_stub(ref)
    stub = placeholder_manifest(ref, flavour=Flavour.KUBERNETES, system_namespace="kuma-system")
    [after] = analysed(manifest, stub).secret_references
    assert after.status is ReferenceStatus.OK
