"""targetRefs and backendRefs of kind MeshExternalService: how Kuma validates them and what they select.

Validation (`mes_ref_violations`) follows the shared `ValidateTargetRef` of each release line
(`<branch>:pkg/core/resources/apis/mesh/validators.go`), MES case, with its field order and texts:

* kind not in the position's list: `value is not supported` (2.9-2.12), `value 'X' is not supported` (2.13+);
* 2.9-2.14: `name` charset, `mesh` / `tags` / `proxyTypes` must not be set, `name` or `labels` must be set
  (2.9-2.13 `name: must be set with kind MeshExternalService`, 2.14 at the ref itself
  `name or labels must be set when kind is MeshExternalService`), `labels` with `name`/`namespace`,
  `sectionName` must not be set;
* 3.0: the ref has no `name`/`namespace`/`mesh`/`tags`/`proxyTypes` any more (the CRD prunes them, Universal
  ignores them): `sectionName` must not be set, `labels: must be set when kind is MeshExternalService`.

Selection (`select_mes`) follows `resolve.BackendRef` (2.14) / `realResourceSelector` (master): by name, the
ref names the MES's display name in the ref's `namespace`, else the policy's own namespace (Kubernetes), so a
route in an application namespace that names an MES without `namespace` looks in the wrong namespace; by
labels, the MES whose labels hold every selector label, the oldest first (`ResolveResourceIdentifier`); on 3.0
a selector with `kuma.io/display-name` and no `k8s.kuma.io/namespace` gets the policy's namespace added.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.builder.labels import DISPLAY_NAME, NAMESPACE, display_name, labels_of
from core.context import Context
from core.model import Flavour, Resource
from core.versions import KumaVersion

MES = "MeshExternalService"
_NAME_CHARSET = re.compile(r"^[0-9a-z.\-_]*$")
_FAR_FUTURE = datetime.max.replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class RefViolation:
    path: str
    message: str


def text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def string_map(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(k, str) and isinstance(v, str | int | bool)}


def unsupported_kind(kind: str, version: KumaVersion) -> str:
    """`ValidateTargetRef`'s message for a kind outside the position's list."""
    return f"value '{kind}' is not supported" if version.at_least("2.13") else "value is not supported"


def kind_violations(ref: Mapping[str, Any], path: str, allowed: tuple[str, ...],
                    version: KumaVersion) -> list[RefViolation]:
    """The kind checks of `ValidateTargetRef` (empty kind, kind outside `allowed`)."""
    kind = text(ref.get("kind"))
    if not kind:
        return [RefViolation(f"{path}.kind", "must be defined")]
    if kind not in allowed:
        return [RefViolation(f"{path}.kind", unsupported_kind(kind, version))]
    return []


def mes_ref_violations(ref: Mapping[str, Any], path: str, allowed: tuple[str, ...],
                       version: KumaVersion) -> list[RefViolation]:
    """Kuma's verdict on a ref of kind MeshExternalService in a position that allows `allowed`."""
    found = kind_violations(ref, path, allowed, version)
    if found:
        return found
    labels = ref.get("labels") if isinstance(ref.get("labels"), Mapping) else {}
    section = text(ref.get("sectionName"))
    out: list[RefViolation] = []
    if version.generation.value == "current":
        if section:
            out.append(RefViolation(f"{path}.sectionName", f"must not be set with kind {MES}"))
        if not labels:
            out.append(RefViolation(f"{path}.labels", f"must be set when kind is {MES}"))
        return out
    name = text(ref.get("name"))
    namespace = text(ref.get("namespace"))
    if not _NAME_CHARSET.match(name):
        out.append(RefViolation(f"{path}.name", "invalid characters: must consist of lower case alphanumeric "
                                                "characters, '-', '.' and '_'."))
    for field in ("mesh", "tags", "proxyTypes"):
        value = ref.get(field)
        if value not in (None, "", {}, []):
            out.append(RefViolation(f"{path}.{field}", f"must not be set with kind {MES}"))
    if not labels and not name:
        if version.at_least("2.14"):
            out.append(RefViolation(path, f"name or labels must be set when kind is {MES}"))
        else:
            out.append(RefViolation(f"{path}.name", f"must be set with kind {MES}"))
    if labels and (name or namespace):
        out.append(RefViolation(f"{path}.labels", "either labels or name must be specified"))
    if section:
        out.append(RefViolation(f"{path}.sectionName", f"must not be set with kind {MES}"))
    return out


@dataclass(frozen=True, slots=True)
class Selection:
    """What a ref of kind MES selects: `matches` (oldest first for a selector), and how it looked."""

    matches: tuple[Resource, ...]
    by_labels: bool
    looked_for: str  # e.g. `name httpbin in namespace payments` / `labels {team: a}`
    namespace_added: str = ""  # 3.0: the namespace Kuma added to a display-name selector


def select_mes(ctx: Context, ref: Mapping[str, Any], policy: Resource, version: KumaVersion) -> Selection:
    """The MES of `policy`'s mesh that `ref` selects on `version` (see the module docstring)."""
    candidates = ctx.index.services_by_mesh.get(policy.mesh, [])
    labels = string_map(ref.get("labels"))
    policy_ns = policy.namespace if policy.flavour is Flavour.KUBERNETES else None
    current = version.generation.value == "current"
    if labels or current:
        added = ""
        if current and labels.get(DISPLAY_NAME) and not labels.get(NAMESPACE) and policy_ns:
            labels = {**labels, NAMESPACE: policy_ns}
            added = policy_ns
        matches = [m for m in candidates if labels and _holds(labels_of(ctx, m, version), labels)]
        matches.sort(key=lambda m: (creation_time(m) or _FAR_FUTURE, m.core_name))
        shown = ", ".join(f"{k}: {v}" for k, v in sorted(labels.items())) or "none"
        return Selection(tuple(matches), True, f"labels {{{shown}}}", added)
    name = text(ref.get("name"))
    namespace = text(ref.get("namespace")) or policy_ns or ""
    matches = [m for m in candidates
               if display_name(m, labels_of(ctx, m, version)) == name
               and labels_of(ctx, m, version).get(NAMESPACE, "") == namespace]
    where = f" in namespace {namespace}" if namespace else ""
    return Selection(tuple(matches), False, f"name {name}{where}")


def _holds(labels: Mapping[str, str], selector: Mapping[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def creation_time(resource: Resource) -> datetime | None:
    """`metadata.creationTimestamp` (Kubernetes) or `creationTime` (Universal / Kuma API), naive UTC."""
    raw = resource.raw if isinstance(resource.raw, Mapping) else {}
    meta = raw.get("metadata") if isinstance(raw.get("metadata"), Mapping) else {}
    value = meta.get("creationTimestamp") if meta else None
    if value is None:
        value = raw.get("creationTime")
    if isinstance(value, str) and value:
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None  # YAML reads an unquoted timestamp as a datetime already
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
