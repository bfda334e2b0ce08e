"""Bad input never raises out of the builder or its checks."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.builder import build
from core.model import Flavour, ReferenceStatus
from tests.factories import context, mes, mesh_resource

from .helpers import ref, set_refs, zone_egress
from .test_builder_checks import run

_scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                     st.text(max_size=8), st.sampled_from(["Secured", "SkipAll", "TLS13", "1.1.1.1", "a.example"]))
_keys = st.sampled_from(["match", "port", "protocol", "endpoints", "address", "priority", "tls", "enabled",
                         "verification", "mode", "serverName", "subjectAltNames", "type", "value", "caCert",
                         "clientCert", "clientKey", "secret", "version", "min", "max", "extension", "vip", "ip",
                         "addresses", "hostnameGenerators", "conditions", "reason", "mtls", "enabledBackend",
                         "backends", "name", "routing", "zone"])
_json: st.SearchStrategy[Any] = st.recursive(
    _scalars, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_keys, inner, max_size=4)),
    max_leaves=20)


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(spec=_json, status=_json, mesh_spec=_json, ze_spec=_json,
       version=st.sampled_from(["2.9", "2.11", "2.14", "3.0"]), flavour=st.sampled_from(list(Flavour)))
def test_garbage_never_raises(spec, status, mesh_spec, ze_spec, version, flavour) -> None:
    m = mes("svc", spec if isinstance(spec, dict) else {"match": spec}, flavour=flavour,
            status=status if isinstance(status, dict) else None, labels={"kuma.io/origin": "zone"})
    other = mes("svc-2", {"tls": spec}, flavour=flavour)
    egress = zone_egress("ze")
    egress.spec = ze_spec if isinstance(ze_spec, dict) else {}
    ctx = context(m, other, egress, mesh_resource(spec=mesh_spec if isinstance(mesh_spec, dict) else {}),
                  version=version)
    set_refs(ctx, m, ref(m, "caCert", "x", ReferenceStatus.NOT_FOUND), ref(m, "clientKey", None))
    emap = build(ctx, ctx.version)
    assert set(emap.included) | set(emap.excluded) == {m.key, other.key}
    for finding in run(ctx):
        assert finding.hint
