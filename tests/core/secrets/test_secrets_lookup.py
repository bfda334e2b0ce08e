"""Secret lookup rules (reference 3.3/3.4): every status and reason, Kubernetes and Universal."""

from __future__ import annotations

import base64
import random

import pytest

from core.model import Flavour, Kind, ReferenceStatus, SecretPayload, SecretsCoverage
from core.secrets import resolve
from core.secrets.lookup import look_up, read_value, secret_type, visible
from tests.factories import context, k8s_secret, tls_mes, universal_secret

PEM = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
K8S, UNI = Flavour.KUBERNETES, Flavour.UNIVERSAL


def ref_for(*secrets, flavour=K8S, mesh="demo", name="ca", field="caCert", coverage=None, version="2.14",
            **ctx_options):
    verification = {field: {"secret": name}} if field == "caCert" else {
        "clientCert": {"secret": name}, "clientKey": {"secret": name}}
    resource = tls_mes("svc", verification, mesh=mesh, flavour=flavour)
    ctx = context(resource, *secrets, version=version, secrets=coverage or SecretsCoverage.PRESENT, **ctx_options)
    materials = resolve(ctx)
    reference = ctx.references[resource.key][0]
    return reference, materials


def loaded(reference, materials):
    return materials.get(reference.material_sha256) if reference.material_sha256 else None


# --- found --------------------------------------------------------------------------------------


def test_kubernetes_secret_in_system_namespace_with_label_and_value():
    ref, materials = ref_for(k8s_secret("ca", PEM, mesh="demo"))
    assert ref.status is ReferenceStatus.OK and ref.code is None and ref.log_line is None
    assert loaded(ref, materials) == PEM
    assert ref.matched.key == "Secret/demo/ca.kuma-system"


def test_kubernetes_string_data_value_is_plain_text_and_wins_over_data():
    secret = k8s_secret("ca", b"ignored", mesh="demo")
    secret.payload = SecretPayload("system.kuma.io/secret", data=dict(secret.payload.data),
                                   string_data={"value": PEM.decode()})
    ref, materials = ref_for(secret)
    assert loaded(ref, materials) == PEM


def test_kubernetes_custom_system_namespace():
    secret = k8s_secret("ca", PEM, mesh="demo", namespace="kong-mesh-system")
    ref, _ = ref_for(secret, system_namespace="kong-mesh-system")
    assert ref.status is ReferenceStatus.OK
    ref, _ = ref_for(secret)
    assert ref.status is ReferenceStatus.WRONG_NAMESPACE


def test_universal_secret_of_the_mesh():
    ref, materials = ref_for(universal_secret("ca", PEM, mesh="demo"), flavour=UNI)
    assert ref.status is ReferenceStatus.OK and loaded(ref, materials) == PEM


def test_universal_url_safe_unpadded_data_still_loads():
    secret = universal_secret("ca", None, mesh="demo")
    secret.payload = SecretPayload(None, data=base64.urlsafe_b64encode(b"\xfb\xff" * 5).decode().rstrip("="))
    ref, materials = ref_for(secret, flavour=UNI)
    assert loaded(ref, materials) == b"\xfb\xff" * 5


# --- not found and near misses -----------------------------------------------------------------


@pytest.mark.parametrize("flavour", [K8S, UNI])
def test_not_found(flavour):
    ref, materials = ref_for(flavour=flavour)
    assert (ref.status, ref.code, ref.matched) == (ReferenceStatus.NOT_FOUND, "MES201", None)
    assert not ref.status.loads and materials == {}
    assert '"ca"' in ref.message


def test_not_found_suggests_similar_names_of_the_mesh():
    ref, _ = ref_for(k8s_secret("kuma-cert-1", PEM, mesh="demo"), name="kuma-cert", field="clientCert")
    assert ref.status is ReferenceStatus.NOT_FOUND
    assert '"kuma-cert-1"' in ref.message


def test_not_found_explains_a_namespace_suffix():
    ref, _ = ref_for(k8s_secret("ca", PEM, mesh="demo"), name="ca.kuma-system")
    assert ref.status is ReferenceStatus.NOT_FOUND
    assert 'plain name ("ca")' in ref.message


def test_not_found_mentions_a_secret_of_the_other_flavour():
    ref, _ = ref_for(universal_secret("ca", PEM, mesh="demo"), flavour=K8S)
    assert ref.status is ReferenceStatus.NOT_FOUND and "universal Secret" in ref.message


def test_wrong_namespace():
    ref, _ = ref_for(k8s_secret("ca", PEM, mesh="demo", namespace="payments"))
    assert (ref.status, ref.code) == (ReferenceStatus.WRONG_NAMESPACE, "MES202")
    assert 'namespace "payments"' in ref.message and ref.matched.namespace == "payments"


@pytest.mark.parametrize("flavour", [K8S, UNI])
def test_wrong_mesh(flavour):
    secret = k8s_secret("ca", PEM, mesh="other") if flavour is K8S else universal_secret("ca", PEM, mesh="other")
    ref, _ = ref_for(secret, flavour=flavour)
    assert (ref.status, ref.code) == (ReferenceStatus.WRONG_MESH, "MES203")
    assert '"other"' in ref.message


@pytest.mark.parametrize("mesh", ["demo", "default"])
def test_missing_mesh_label_is_invisible_even_for_default(mesh):
    ref, _ = ref_for(k8s_secret("ca", PEM, mesh=None), mesh=mesh)
    assert (ref.status, ref.code) == (ReferenceStatus.MISSING_MESH_LABEL, "MES204")


def test_empty_mesh_label_counts_as_missing():
    secret = k8s_secret("ca", PEM, mesh=None)
    secret.labels["kuma.io/mesh"] = ""
    ref, _ = ref_for(secret)
    assert ref.status is ReferenceStatus.MISSING_MESH_LABEL


@pytest.mark.parametrize("secret_type", ["Opaque", "kubernetes.io/tls"])
def test_wrong_type(secret_type):
    ref, _ = ref_for(k8s_secret("ca", PEM, mesh="demo", secret_type=secret_type))
    assert (ref.status, ref.code) == (ReferenceStatus.WRONG_TYPE, "MES205")
    assert secret_type in ref.message


@pytest.mark.parametrize("flavour", [K8S, UNI])
def test_global_secret_never_matches(flavour):
    secret = (k8s_secret("ca", PEM, mesh=None, secret_type="system.kuma.io/global-secret") if flavour is K8S
              else universal_secret("ca", PEM, global_=True))
    ref, _ = ref_for(secret, flavour=flavour, mesh="default")
    assert (ref.status, ref.code) == (ReferenceStatus.GLOBAL_SECRET, "MES206")


def test_closest_near_miss_wins_and_all_its_problems_are_listed():
    far = k8s_secret("ca", PEM, mesh=None, namespace="apps", secret_type="Opaque")
    close = k8s_secret("ca", PEM, mesh="other")
    ref, _ = ref_for(far, close)
    assert ref.status is ReferenceStatus.WRONG_MESH
    ref, _ = ref_for(far)
    assert ref.status is ReferenceStatus.WRONG_NAMESPACE
    assert "Opaque" in ref.message and "kuma.io/mesh" in ref.message


# --- visible, but the value is not right --------------------------------------------------------


def test_no_value_key_loads_empty():
    ref, materials = ref_for(k8s_secret("ca", PEM, mesh="demo", key="tls.crt"))
    assert (ref.status, ref.code) == (ReferenceStatus.NO_VALUE_KEY, "MES207")
    assert ref.status.loads and ref.material_sha256 is None and materials == {}
    assert "tls.crt" in ref.message and "system CA" in ref.message


@pytest.mark.parametrize("flavour", [K8S, UNI])
def test_empty_value_loads_empty(flavour):
    secret = k8s_secret("ca", b"", mesh="demo") if flavour is K8S else universal_secret("ca", b"", mesh="demo")
    ref, materials = ref_for(secret, flavour=flavour, field="clientCert")
    assert (ref.status, ref.code) == (ReferenceStatus.EMPTY_VALUE, "MES208")
    assert ref.status.loads and materials == {}
    assert "client certificate" in ref.message


def test_universal_secret_without_data_is_empty():
    ref, _ = ref_for(universal_secret("ca", None, mesh="demo"), flavour=UNI)
    assert ref.status is ReferenceStatus.EMPTY_VALUE


@pytest.mark.parametrize("flavour", [K8S, UNI])
def test_invalid_base64_means_the_secret_was_never_stored(flavour):
    if flavour is K8S:
        secret = k8s_secret("ca", PEM, mesh="demo", encode=False)
    else:
        secret = universal_secret("ca", None, mesh="demo")
        secret.payload = SecretPayload(None, data=PEM.decode())
    ref, materials = ref_for(secret, flavour=flavour)
    assert (ref.status, ref.code) == (ReferenceStatus.INVALID_BASE64, "MES209")
    assert not ref.status.loads and materials == {}
    assert "not found" in ref.error_chain.lower()


def test_invalid_base64_in_another_key_rejects_the_whole_secret():
    secret = k8s_secret("ca", PEM, mesh="demo")
    secret.payload = SecretPayload("system.kuma.io/secret", data={**secret.payload.data, "extra": "%%%"})
    ref, _ = ref_for(secret)
    assert ref.status is ReferenceStatus.INVALID_BASE64 and "data.extra" in ref.message


@pytest.mark.parametrize("flavour", [K8S, UNI])
def test_empty_name(flavour):
    resource = tls_mes("svc", {"caCert": {"secret": ""}}, flavour=flavour, mesh="demo")
    ctx = context(resource, version="2.11")
    resolve(ctx)
    [ref] = ctx.references[resource.key]
    assert ref.status is ReferenceStatus.EMPTY_NAME
    assert 'name="" mesh="demo"' in ref.error_chain


# --- coverage -----------------------------------------------------------------------------------


@pytest.mark.parametrize("coverage", [SecretsCoverage.ABSENT, SecretsCoverage.DENIED])
@pytest.mark.parametrize("flavour", [K8S, UNI])
def test_secret_references_are_not_checked_without_secrets_but_inline_is(coverage, flavour):
    resource = tls_mes("svc", {"caCert": {"inlineString": PEM.decode()}, "clientCert": {"secret": "c"},
                               "clientKey": {"secret": ""}}, flavour=flavour)
    ctx = context(resource, secrets=coverage)
    materials = resolve(ctx)
    ca, cert, key = ctx.references[resource.key]
    assert ca.status is ReferenceStatus.OK and materials[ca.material_sha256] == PEM
    assert cert.status is ReferenceStatus.NOT_CHECKED and cert.status.loads and cert.code is None
    assert key.status is ReferenceStatus.EMPTY_NAME  # decided by the shape alone


def test_universal_mes_never_gets_kubernetes_only_statuses():
    secrets = [universal_secret("ca", PEM, mesh="other"), universal_secret("ca", PEM, global_=True)]
    ref, _ = ref_for(*secrets, flavour=UNI)
    assert ref.status in (ReferenceStatus.WRONG_MESH, ReferenceStatus.GLOBAL_SECRET)


@pytest.mark.parametrize("flavour", [K8S, UNI])
def test_denied_listing_still_resolves_secrets_present_in_the_input(flavour):
    """A live source refused Secrets, but a local overlay supplies one: it is checked, the rest is not."""
    secret = (k8s_secret("ca", PEM, mesh="demo") if flavour is K8S else universal_secret("ca", PEM, mesh="demo"))
    ref, materials = ref_for(secret, flavour=flavour, coverage=SecretsCoverage.DENIED)
    assert ref.status is ReferenceStatus.OK and loaded(ref, materials) == PEM
    missing, _ = ref_for(secret, flavour=flavour, name="other", coverage=SecretsCoverage.DENIED)
    assert missing.status is ReferenceStatus.NOT_CHECKED
    misplaced, _ = ref_for(k8s_secret("ca", PEM, mesh="demo", secret_type="Opaque"), coverage=SecretsCoverage.DENIED)
    assert misplaced.status is ReferenceStatus.WRONG_TYPE


# --- the per-analysis index of visible Secrets answers as a scan of every candidate would ----------


def _plain_secret_type(secret):
    declared = secret.payload.secret_type if secret.payload else None
    if secret.kind is Kind.GLOBAL_SECRET and secret.flavour is Flavour.KUBERNETES:
        return declared or "system.kuma.io/global-secret"
    return declared or ("Opaque" if secret.flavour is Flavour.KUBERNETES else secret.kind.value)


def _plain_visible(secret, mesh, flavour, namespace):
    is_global = secret.kind is Kind.GLOBAL_SECRET or _plain_secret_type(secret) == "system.kuma.io/global-secret"
    if secret.flavour is not flavour or is_global or secret.kind is not Kind.SECRET:
        return False
    if flavour is UNI:
        return secret.mesh == mesh
    return (secret.namespace == namespace and _plain_secret_type(secret) == "system.kuma.io/secret"
            and secret.labels.get("kuma.io/mesh") == mesh)


def _random_secret(rng):
    name = rng.choice(["ca", "cert", "key", "ca.kuma-system"])
    if rng.random() < 0.5:
        secret = universal_secret(name, PEM, mesh=rng.choice(["demo", "other", "default"]),
                                  global_=rng.random() < 0.15)
        if rng.random() < 0.15:
            secret.payload = SecretPayload(rng.choice(["", "system.kuma.io/global-secret", "Opaque"]), data="")
        return secret
    secret_type = rng.choice(["system.kuma.io/secret"] * 4 + ["Opaque", "system.kuma.io/global-secret", ""])
    secret = k8s_secret(name, PEM, mesh=rng.choice(["demo", "other", "default", None]),
                        namespace=rng.choice(["kuma-system", "kuma-system", "apps"]), secret_type=secret_type)
    if rng.random() < 0.1:
        secret.payload = None
    return secret


def test_visible_index_matches_a_scan_of_the_candidates():
    rng = random.Random(11)
    for _ in range(400):
        secrets = [_random_secret(rng) for _ in range(rng.randint(0, 12))]
        ctx = context(*secrets, secrets=SecretsCoverage.PRESENT)
        for secret in ctx.index.secrets + ctx.index.global_secrets:
            assert secret_type(secret) == _plain_secret_type(secret)
            for flavour in (K8S, UNI):
                for mesh in ("demo", "other", "default"):
                    assert visible(secret, mesh, flavour, "kuma-system") == _plain_visible(
                        secret, mesh, flavour, "kuma-system")
        for flavour in (K8S, UNI):
            for mesh in ("demo", "other", "default"):
                service = tls_mes("svc", {"caCert": {"secret": "ca"}}, mesh=mesh, flavour=flavour)
                for name in ("ca", "cert", "key", "ca.kuma-system", "missing"):
                    expected = next((s for s in ctx.index.secrets_by_name.get(name, [])
                                     if _plain_visible(s, mesh, flavour, "kuma-system")), None)
                    found = look_up(ctx, service, name)
                    if expected is not None:
                        assert found.secret is expected and found.status is read_value(expected)[0]
                    else:
                        assert found.secret is None or not _plain_visible(found.secret, mesh, flavour, "kuma-system")
