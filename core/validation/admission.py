"""Admission checks of a zone control plane (reference sections 3.1 and 3.2).

Kubernetes (validating webhook), per version:

* MES140: the MES must be in the system namespace
  (`resource type MeshExternalService can be created only in the system namespace:<ns>`).
* MES141 (federated zone, system namespace): `kuma.io/origin` must be `zone`. 2.9-2.11 and
  2.12+ word the denial differently.
* MES142 (federated zone): a `kuma.io/zone` label must name this zone. 2.9/2.10 check every
  resource whose origin is set and not `global`, 2.11+ those with origin `zone`.

An exported resource (it carries `status` or server-set metadata) labelled `kuma.io/origin: zone`
with another zone's name is that zone's own resource (Global lists every zone's MES), not a manifest
to apply here: it gets no MES142 and the builder reports it as not reachable (MES504).

Universal (REST API, every version):

* MES141 (federated zone): `labels["kuma.io/origin"]: the origin label must be set to 'zone'`.
* MES142 / MES144 (any zone CP, origin not `global`): `kuma.io/zone` must name this zone,
  `kuma.io/mesh` must equal `mesh`.
* MES143: the name must be an RFC 1123 subdomain of at most 253 characters (on Kubernetes too:
  kube-apiserver's rule for every object name).

Resources with `kuma.io/origin: global` were synced by Kuma itself (a privileged user the
webhook lets through), so they are exempt from the origin rule.
"""

from __future__ import annotations

from core.model import Flavour, Resource
from core.options import AnalysisOptions
from core.validation.names import (
    MESH_LABEL,
    ORIGIN_LABEL,
    ZONE_LABEL,
    dns1123_subdomain_errors,
    go_quote,
    universal_name_error,
)
from core.validation.violation import Violation
from core.versions import KumaVersion

OUTSIDE_SYSTEM_NAMESPACE = "MES140"
ORIGIN_MISSING = "MES141"
WRONG_ZONE = "MES142"
UNIVERSAL_NAME = "MES143"
MESH_LABEL_MISMATCH = "MES144"


def _labels(mes: Resource) -> dict[str, str]:
    labels = mes.labels
    if not labels or not isinstance(labels, dict):
        return {}  # at once for the usual empty labels
    return {str(k): val if isinstance(val, str) else str(val) for k, val in labels.items()}


def _label_path(mes: Resource, key: str) -> str:
    prefix = "metadata.labels" if mes.flavour is Flavour.KUBERNETES else "labels"
    return f'{prefix}["{key}"]'


def _in_system_namespace(mes: Resource, options: AnalysisOptions) -> bool:
    """A manifest without a namespace is given the benefit of the doubt (`kubectl apply -n`)."""
    return not mes.namespace or mes.namespace == options.system_namespace


def namespace_violation(mes: Resource, options: AnalysisOptions) -> Violation | None:
    if mes.flavour is not Flavour.KUBERNETES or _in_system_namespace(mes, options):
        return None
    ns = options.system_namespace
    message = f"resource type MeshExternalService can be created only in the system namespace:{ns}"
    return Violation(OUTSIDE_SYSTEM_NAMESPACE, "metadata.namespace", message, "namespace", mes.namespace)


def origin_violation(mes: Resource, options: AnalysisOptions, version: KumaVersion) -> Violation | None:
    if not options.federated:
        return None
    origin = _labels(mes).get(ORIGIN_LABEL)
    if origin in ("zone", "global"):
        return None
    path = _label_path(mes, ORIGIN_LABEL)
    if mes.flavour is Flavour.UNIVERSAL:
        return Violation(ORIGIN_MISSING, path, "the origin label must be set to 'zone'", "origin", origin)
    if not _in_system_namespace(mes, options):
        return None  # the namespace denial comes first
    where = " on a system namespace" if version.at_least("2.12") else ""
    message = (f"Operation not allowed. Applying policies on Zone CP{where} requires 'kuma.io/origin' label to be "
               "set to 'zone'.")
    return Violation(ORIGIN_MISSING, path, message, "origin", origin)


def zone_violation(mes: Resource, options: AnalysisOptions, version: KumaVersion) -> Violation | None:
    labels = _labels(mes)
    if ZONE_LABEL not in labels or labels[ZONE_LABEL] == options.zone_name:
        return None
    origin = labels.get(ORIGIN_LABEL)
    other = labels[ZONE_LABEL]
    path = _label_path(mes, ZONE_LABEL)
    if origin == "zone" and _exported(mes):
        # Another zone's own resource, as exported from Global or from that zone: it is never written
        # to this zone, so it is not a denial here; the builder reports it as not reachable (MES504).
        return None
    if mes.flavour is Flavour.UNIVERSAL:
        if origin == "global":
            return None
        return Violation(WRONG_ZONE, path, f"kuma.io/zone label should have {options.zone_name} value", "zone", other)
    if not options.federated:
        return None
    if version.below("2.11"):
        if origin is None or origin == "global":
            return None
        message = f"Operation not allowed. kuma.io/zone label should have {options.zone_name} value, got {other}"
    else:
        if origin != "zone":
            return None
        message = f"Operation not allowed. 'kuma.io/zone' label should have '{options.zone_name}' value, got '{other}'"
    return Violation(WRONG_ZONE, path, message, "zone", other)


def _exported(mes: Resource) -> bool:
    """Read back from a control plane rather than written by hand: status or server-set metadata."""
    raw = mes.raw if isinstance(mes.raw, dict) else {}
    metadata = raw.get("metadata")
    server_set = ("uid", "resourceVersion", "creationTimestamp")
    return (
        mes.status is not None
        or "creationTime" in raw
        or (isinstance(metadata, dict) and any(k in metadata for k in server_set))
    )


def universal_name_violation(mes: Resource) -> Violation | None:
    """MES143: the Kuma API's name rule on Universal; kube-apiserver's object-name rule on Kubernetes
    (every object name must be an RFC 1123 subdomain, so `<script>` or `My_Service` never get stored)."""
    name = mes.name if isinstance(mes.name, str) else str(mes.name or "")
    if mes.flavour is not Flavour.UNIVERSAL:
        errors = dns1123_subdomain_errors(name)
        if not errors:
            return None
        return Violation(UNIVERSAL_NAME, "metadata.name", f"Invalid value: {go_quote(name)}: {'; '.join(errors)}",
                         "name", name)
    error = universal_name_error(name)
    return Violation(UNIVERSAL_NAME, "name", error, "name", name) if error else None


def mesh_label_violation(mes: Resource) -> Violation | None:
    if mes.flavour is not Flavour.UNIVERSAL:
        return None
    labels = _labels(mes)
    if labels.get(ORIGIN_LABEL) == "global" or MESH_LABEL not in labels or labels[MESH_LABEL] == mes.mesh:
        return None
    return Violation(MESH_LABEL_MISMATCH, _label_path(mes, MESH_LABEL),
                     "kuma.io/mesh label must not differ from mesh set on resource", "mesh", labels[MESH_LABEL])
