"""Predicted kuma-cp log lines and error chains per version (reference 5.7), and the first failing
reference the builder uses."""

from __future__ import annotations

import json

import pytest

from core.model import Flavour, ReferenceStatus, SecretsCoverage
from core.secrets import first_failing, first_failing_reference, resolve, sidecar_log_line
from core.versions import KumaVersion
from tests.factories import context, k8s_secret, tls_mes, universal_secret

PEM = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
PREFIX = "ERROR\txds.outbound\tunable to create MeshExternalService endpoint. Endpoint won't be included in the XDS.\t"


def resolved(resource, *secrets, version):
    ctx = context(resource, *secrets, version=version, secrets=SecretsCoverage.PRESENT)
    resolve(ctx)
    return ctx, ctx.references[resource.key]


@pytest.mark.parametrize(("version", "head"), [
    ("2.9", "Resource not found"),
    ("2.10", "Resource not found"),
    ("2.11", "resource not found"),
    ("2.14", "resource not found"),
])
def test_legacy_not_found_chain_and_log_line(version, head):
    resource = tls_mes("kong-1", {"clientCert": {"secret": "kong-cert-1"}, "clientKey": {"secret": "kong-key-1"}},
                       mesh="demo", namespace="kong-mesh-system")
    _, (cert, key) = resolved(resource, version=version)
    chain = f'could not load clientCert: could not load data: {head}: type="Secret" name="kong-cert-1" mesh="demo"'
    assert cert.error_chain == chain
    assert cert.log_line == PREFIX + json.dumps({"name": "kong-1.kong-mesh-system", "mesh": "demo", "error": chain})
    # as in the real log of kumahq/kuma#12821
    assert '"name": "kong-1.kong-mesh-system", "mesh": "demo", "error": "could not load clientCert: could not ' \
           'load data: ' + head + ': type=\\"Secret\\" name=\\"kong-cert-1\\" mesh=\\"demo\\""' in cert.log_line
    assert key.error_chain.startswith("could not load clientKey: ")


def test_3_0_secret_ref_not_found_chain():
    resource = tls_mes("svc", {"caCert": {"type": "Secret", "secretRef": {"kind": "Secret", "name": "ca"}}})
    _, (ref,) = resolved(resource, version="3.0")
    assert ref.error_chain == 'could not load caCert: could not load data: resource not found: type="Secret" ' \
                              'name="ca" mesh="default"'


@pytest.mark.parametrize(("value", "chain"), [
    ({"secret": "ca"}, "could not load caCert: datasource type:  is not supported on MeshExternalService"),
    ({"type": "File", "file": {"path": "/x"}},
     "could not load caCert: datasource type: File is not supported on MeshExternalService"),
    ({"type": "EnvVar", "envVar": {"name": "X"}},
     "could not load caCert: datasource type: EnvVar is not supported on MeshExternalService"),
    ({"type": "Secret"}, "could not load caCert: secretRef must be defined"),
    ({"type": "InsecureInline"}, "could not load caCert: insecureInline must be defined"),
    ({"type": "Secret", "secretRef": {"kind": "Secret", "name": ""}},
     'could not load caCert: could not load data: resource not found: type="Secret" name="" mesh="default"'),
])
def test_3_0_shape_chains(value, chain):
    _, (ref,) = resolved(tls_mes("svc", {"caCert": value}), version="3.0")
    assert ref.error_chain == chain
    assert ref.log_line == PREFIX + json.dumps({"name": "svc.kuma-system", "mesh": "default", "error": chain})


def test_universal_log_line_uses_the_plain_name():
    resource = tls_mes("svc", {"caCert": {"secret": "ca"}}, flavour=Flavour.UNIVERSAL, mesh="m")
    _, (ref,) = resolved(resource, universal_secret("ca", PEM, mesh="other"), version="2.10")
    assert ref.status is ReferenceStatus.WRONG_MESH
    assert '"name": "svc", "mesh": "m"' in ref.log_line
    assert 'Resource not found: type=\\"Secret\\" name=\\"ca\\" mesh=\\"m\\"' in ref.log_line


@pytest.mark.parametrize("status_secret", [
    k8s_secret("ca", PEM, mesh="demo", namespace="other"),
    k8s_secret("ca", PEM, mesh="other"),
    k8s_secret("ca", PEM, mesh=None),
    k8s_secret("ca", PEM, mesh="demo", secret_type="Opaque"),
    k8s_secret("ca", PEM, mesh=None, secret_type="system.kuma.io/global-secret"),
    k8s_secret("ca", PEM, mesh="demo", encode=False),
])
def test_every_invisible_secret_is_logged_as_not_found(status_secret):
    _, (ref,) = resolved(tls_mes("svc", {"caCert": {"secret": "ca"}}, mesh="demo"), status_secret, version="2.11")
    assert not ref.status.loads
    assert ref.error_chain.endswith('resource not found: type="Secret" name="ca" mesh="demo"')


@pytest.mark.parametrize("secret", [
    k8s_secret("ca", PEM, mesh="demo"),
    k8s_secret("ca", PEM, mesh="demo", key="other"),
    k8s_secret("ca", b"", mesh="demo"),
])
def test_loading_references_have_no_log_line(secret):
    _, (ref,) = resolved(tls_mes("svc", {"caCert": {"secret": "ca"}}, mesh="demo"), secret, version="2.9")
    assert ref.status.loads and ref.log_line is None and ref.error_chain is None


def test_first_failing_reference_follows_load_order():
    verification = {"caCert": {"secret": "ca"}, "clientCert": {"secret": "missing-cert"},
                    "clientKey": {"secret": "missing-key"}}
    resource = tls_mes("svc", verification, mesh="demo")
    ctx, refs = resolved(resource, k8s_secret("ca", b"", mesh="demo"), version="2.9")
    failing = first_failing_reference(ctx, resource)
    assert failing is refs[1] and failing.field == "clientCert"
    assert first_failing(refs[:1]) is None
    assert first_failing_reference(ctx, tls_mes("other", None)) is None


def test_not_checked_references_do_not_fail():
    resource = tls_mes("svc", {"caCert": {"secret": "ca"}})
    ctx = context(resource, secrets=SecretsCoverage.ABSENT)
    resolve(ctx)
    assert first_failing_reference(ctx, resource) is None


def test_sidecar_log_line_only_from_2_10():
    chain = "could not load caCert: secretRef must be defined"
    assert sidecar_log_line(KumaVersion.parse("2.9"), "a.ns", "m", chain) is None
    line = sidecar_log_line(KumaVersion.parse("2.10"), "a.ns", "m", chain)
    assert line.startswith("ERROR\txds.outbound\tunable to create MeshExternalService endpoint for egress. ")


def test_reference_fields_in_the_order_the_resolver_passes_them():
    """`resolve` builds SecretReference positionally (keyword arguments make it twice as slow)."""
    from dataclasses import fields

    from core.model import SecretReference

    assert [f.name for f in fields(SecretReference)] == [
        "service", "field", "path", "source", "secret", "mesh", "status", "message", "code", "matched", "log_line",
        "error_chain", "material_sha256"]
