"""Garbage anywhere in a spec or a Secret payload never raises out of resolve / inspect / checks."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import certs, secrets
from core.certs.checks import material_findings
from core.model import SecretPayload
from core.secrets.checks import coverage_findings, reference_findings, secret_admission_findings
from tests.factories import context, k8s_secret, mes, universal_secret

scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                    st.text(max_size=20), st.sampled_from(["Secret", "InsecureInline", "File", "", "ca", "eA=="]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3),
    st.dictionaries(st.sampled_from(["secret", "inline", "inlineString", "type", "secretRef", "name", "kind",
                                     "insecureInline", "value", "enabled", "verification", "caCert",
                                     "clientCert", "clientKey", "mode"]), inner, max_size=4),
), max_leaves=12)
data_sources = st.one_of(values, st.fixed_dictionaries({}, optional={
    "secret": st.one_of(st.sampled_from(["ca", ""]), values), "inline": values, "inlineString": values,
    "type": st.one_of(st.sampled_from(["Secret", "InsecureInline", "File", "EnvVar", ""]), values),
    "secretRef": st.one_of(st.fixed_dictionaries({"name": st.one_of(st.just("ca"), values)}), values),
    "insecureInline": st.one_of(st.fixed_dictionaries({"value": values}), values),
}))
tls = st.one_of(values, st.fixed_dictionaries({"enabled": st.one_of(st.just(True), values)}, optional={
    "verification": st.one_of(values, st.fixed_dictionaries({}, optional={
        "caCert": data_sources, "clientCert": data_sources, "clientKey": data_sources})),
}))
payload_values = st.one_of(st.none(), st.integers(), st.text(max_size=30), st.lists(st.integers(), max_size=2))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tls=tls, version=st.sampled_from(["2.9", "2.11", "3.0"]),
       k8s_data=st.one_of(payload_values, st.dictionaries(st.sampled_from(["value", "tls.crt"]), payload_values)),
       k8s_string=st.one_of(st.none(), st.dictionaries(st.sampled_from(["value"]), payload_values)),
       universal_data=payload_values)
def test_garbage_never_raises(tls, version, k8s_data, k8s_string, universal_data):
    resource = mes("svc", {"match": {"port": 80}, "endpoints": [{"address": "a.example.com", "port": 443}],
                           "tls": tls})
    k8s = k8s_secret("ca", b"x")
    k8s.payload = SecretPayload("system.kuma.io/secret", data=k8s_data, string_data=k8s_string)
    uni = universal_secret("ca", None)
    uni.payload = SecretPayload(None, data=universal_data)
    ctx = context(resource, k8s, uni, version=version)
    materials = secrets.resolve(ctx)
    certs.inspect(ctx, materials)
    list(reference_findings(ctx, resource))
    list(material_findings(ctx, resource))
    list(secret_admission_findings(ctx))
    list(coverage_findings(ctx))
