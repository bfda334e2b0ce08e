"""Kubernetes API objects to plain manifests, and the Secret names MES reference.

Pure functions (no `kubernetes` import), shared by the cluster reader and its tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

KEPT_KEYS = ("spec", "status", "type", "data", "stringData", "mesh")  # `mesh`: old-style Dataplane, ExternalService
KEPT_METADATA = ("name", "namespace", "labels", "annotations", "creationTimestamp", "uid", "managedFields")
# of each managedFields entry: who changed the object and when (the loader's modification time), not the
# field sets (`fieldsV1`), which are large and say nothing MES Doctor uses
KEPT_MANAGED = ("manager", "operation", "apiVersion", "time", "subresource")
# kubectl's copy of the last applied manifest: noise for every kind, and for Secrets a second,
# unredacted copy of the payload. Never kept.
DROPPED_ANNOTATIONS = frozenset({"kubectl.kubernetes.io/last-applied-configuration"})
TLS_FIELDS = ("caCert", "clientCert", "clientKey")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")


def plain_manifest(obj: Any, api_version: str, kind: str) -> Any:
    """The object as a manifest: apiVersion/kind (filled in for list items that omit them), trimmed
    metadata (managedFields without their field sets), spec/status/type/data/stringData. Non-objects are
    returned unchanged (the loader records them as not an object)."""
    if not isinstance(obj, dict):
        return obj
    out: dict[str, Any] = {
        "apiVersion": obj.get("apiVersion") or api_version,
        "kind": obj.get("kind") or kind,
    }
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        kept = {k: meta[k] for k in KEPT_METADATA if k in meta}
        managed = kept.get("managedFields")
        if isinstance(managed, list):
            kept["managedFields"] = [{k: e[k] for k in KEPT_MANAGED if k in e} if isinstance(e, dict) else e
                                     for e in managed]
        annotations = kept.get("annotations")
        if isinstance(annotations, dict) and DROPPED_ANNOTATIONS & set(annotations):
            kept["annotations"] = {k: v for k, v in annotations.items() if k not in DROPPED_ANNOTATIONS}
        out["metadata"] = kept
    elif "metadata" in obj:
        out["metadata"] = meta
    for key in KEPT_KEYS:
        if key in obj:
            out[key] = obj[key]
    return out


def referenced_secret_names(services: Iterable[Any]) -> list[str]:
    """Secret names the MES TLS data sources reference (legacy `secret: name` and 3.0
    `secretRef.name`), sorted, whatever the TLS switch says."""
    names: set[str] = set()
    for mes in services:
        spec = mes.get("spec") if isinstance(mes, dict) else None
        tls = spec.get("tls") if isinstance(spec, dict) else None
        verification = tls.get("verification") if isinstance(tls, dict) else None
        if not isinstance(verification, dict):
            continue
        for field in TLS_FIELDS:
            source = verification.get(field)
            if not isinstance(source, dict):
                continue
            legacy = source.get("secret")
            ref = source.get("secretRef")
            current = ref.get("name") if isinstance(ref, dict) else None
            for name in (legacy, current):
                if isinstance(name, str) and name:
                    names.add(name)
    return sorted(names)


def is_object_name(name: str) -> bool:
    """A valid Kubernetes object name (a DNS-1123 subdomain): safe inside a field selector."""
    return len(name) <= 253 and _DNS_SUBDOMAIN.match(name) is not None
