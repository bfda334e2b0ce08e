"""Parsed objects to normalised `Resource`s: recognise the format, check the shape, record.

Formats: Kubernetes objects (`apiVersion`/`kind`, Kuma CRDs and core `v1` Secrets), Universal
objects and Kuma REST items (`type`/`name`/`mesh`), and list wrappers (`kind: List`,
`<Kind>List`, REST `{total, items, next}`, top-level sequences). Anything else is recorded as
ignored. The spec is kept as written: its contents are the validator's business.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.catalogue import finding
from core.finding_cap import FindingCap
from core.loading import control_plane
from core.loading.scrub import scrub_document
from core.loading.times import kubernetes_times, kuma_times
from core.loading.tree import Parsed, is_list_wrapper
from core.model import (
    DocumentRecord,
    DocumentStatus,
    Finding,
    Flavour,
    Kind,
    Origin,
    Resource,
    SecretPayload,
)
from core.records import record
from core.validation.values import described

KUMA_API_VERSION = "kuma.io/v1alpha1"
GLOBAL_SECRET_TYPE = "system.kuma.io/global-secret"
MESH_LABEL = "kuma.io/mesh"

# Kubernetes kind / Universal type -> Kind (core Secrets are decided by their `type`)
KUMA_KINDS: dict[str, Kind] = {k.value: k for k in Kind if k not in (Kind.SECRET, Kind.GLOBAL_SECRET)}
UNIVERSAL_TYPES: dict[str, Kind] = {k.value: k for k in Kind}
# old-style (protobuf) resources inline their spec at the top level on Universal
INLINED_SPEC = frozenset({Kind.MESH, Kind.ZONE_EGRESS, Kind.DATAPLANE, Kind.EXTERNAL_SERVICE})
# old-style (protobuf) mesh-scoped kinds carry their mesh in a top-level `mesh` field on Kubernetes too
TOP_LEVEL_MESH = frozenset({Kind.DATAPLANE, Kind.EXTERNAL_SERVICE})
UNIVERSAL_META = frozenset({"type", "name", "mesh", "labels", "creationTime", "modificationTime", "kri"})
CLUSTER_SCOPED = frozenset({Kind.MESH, Kind.EXTERNAL_SERVICE})
MAX_NAME_CHARS = 1024  # core.options.Limits.max_name_chars


class ShapeError(Exception):
    def __init__(self, path: str, message: str, code: str = "MES002") -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.code = code


@record
class FileRef:
    source: str
    file: str
    fetched_at: datetime | None = None

    def origin(self, document: int, line: int | None) -> Origin:
        return Origin(self.source, self.file, document, line, self.fetched_at)


@dataclass(slots=True)
class Sink:
    """Where normalised results go (the loader's running LoadResult, plus a record counter), and the cap
    on findings of one code per file or resource (`core.finding_cap`), when there is one."""

    resources: list[Resource]
    documents: list[DocumentRecord]
    findings: list[Finding]
    on_resource: Callable[[Resource], None]
    # kuma-cp containers of ignored workloads (Deployment, Pod…) by workload: version and zone hints, never
    # resources; a workload defined again later (a what-if overlay) replaces the earlier one
    control_planes: dict[str, list[control_plane.Sighting]] = field(default_factory=dict)
    cap: FindingCap | None = None

    def add_finding(self, item: Finding) -> None:
        if self.cap is None or self.cap.admit(item):
            self.findings.append(item)


class Normaliser:
    def __init__(self, sink: Sink, default_namespace: str, max_name_chars: int = MAX_NAME_CHARS) -> None:
        self.sink = sink
        self.default_namespace = default_namespace
        self.max_name_chars = max_name_chars

    def add(self, parsed: Parsed, ref: FileRef, inherit: tuple[str, Any] | None = None) -> None:
        origin = ref.origin(parsed.document, parsed.line)
        obj = parsed.obj
        if parsed.items is not None:
            self._wrapper(parsed, ref, origin)
            return
        if not isinstance(obj, dict):
            if obj is not None:
                self._record(origin, DocumentStatus.IGNORED, reason=f"not an object ({described(obj)})")
            return
        if parsed.keys_at is None:  # a plain object (live source): key material is replaced here
            obj, parsed.keys_at = scrub_document(obj)
            parsed.obj = obj
        if inherit is not None and "kind" not in obj:
            obj = {"apiVersion": inherit[1], "kind": inherit[0], **obj}
            parsed.obj = obj
        kind, api = obj.get("kind"), obj.get("apiVersion")
        if "items" in obj and is_list_wrapper(kind, obj):
            self._fail(parsed, origin, "items", f"`items` of the {kind or 'list'} is not a list",
                       kind=_text(kind), api=_text(api))
            return
        try:
            resource = self._resource(parsed, obj, origin)
        except ShapeError as exc:
            label = _text(kind) or _text(obj.get("type"))
            self._fail(parsed, origin, exc.path, exc.message, kind=label, api=_text(api),
                       name=_shorten(_name_hint(obj), self.max_name_chars), code=exc.code)
            return
        if resource is None:
            return
        self.sink.resources.append(resource)
        self.sink.documents.append(DocumentRecord(origin, DocumentStatus.LOADED, resource.kind.value,
                                                  resource.api_version, resource.name))
        self._duplicate_keys(parsed, origin, resource)
        self._key_material(parsed, origin, resource)
        self.sink.on_resource(resource)

    # --- recognising ----------------------------------------------------------------------------

    def _resource(self, parsed: Parsed, obj: dict[Any, Any], origin: Origin) -> Resource | None:
        kind, api = obj.get("kind"), obj.get("apiVersion")
        if "kind" in obj or "apiVersion" in obj:
            if kind == "Secret" and api in ("v1", None):
                return self._kubernetes(parsed, obj, origin, None)
            if isinstance(kind, str) and kind in KUMA_KINDS:
                group = api.split("/", 1)[0] if isinstance(api, str) else None
                if api is None or group == "kuma.io":
                    return self._kubernetes(parsed, obj, origin, KUMA_KINDS[kind])
            read = control_plane.collect(self.sink.control_planes, obj)
            also = f"; its kuma-cp container ({read}) was read for the control plane's version and zone" if read else ""
            self._ignore(parsed, origin, obj, f"{_text(api) or '(no apiVersion)'} {_text(kind) or '(no kind)'} "
                                              f"is not a kind MES Doctor analyses{also}")
            return None
        type_ = obj.get("type")
        if isinstance(type_, str) and type_ in UNIVERSAL_TYPES:
            return self._universal(parsed, obj, origin, UNIVERSAL_TYPES[type_])
        if "type" in obj:
            reason = f"Kuma type {_text(type_) or described(type_)} is not analysed"
        else:
            reason = "not a Kubernetes object (no apiVersion/kind) nor a Kuma object (no type)"
        self._ignore(parsed, origin, obj, reason)
        return None

    def _kubernetes(self, parsed: Parsed, obj: dict[Any, Any], origin: Origin, kind: Kind | None) -> Resource:
        meta = obj.get("metadata")
        if meta is None:
            raise ShapeError("metadata", "`metadata` is missing (an object needs `metadata.name`)")
        if not isinstance(meta, dict):
            raise ShapeError("metadata", f"`metadata` must be a mapping, not {described(meta)}")
        name = meta.get("name")
        _require_name(name, "metadata.name")
        labels = _string_map(meta.get("labels"), "metadata.labels")
        annotations = _string_map(meta.get("annotations"), "metadata.annotations")
        namespace = meta.get("namespace")
        if namespace is not None and not isinstance(namespace, str):
            raise ShapeError("metadata.namespace", f"`metadata.namespace` must be a string, not {described(namespace)}")
        limit = self.max_name_chars
        if len(name) > limit or (namespace is not None and len(namespace) > limit) or len(
                labels.get(MESH_LABEL) or "") > limit:
            self._identity_lengths((name, "metadata.name"), (namespace, "metadata.namespace"),
                                   (labels.get(MESH_LABEL), f'metadata.labels["{MESH_LABEL}"]'))
        api = obj.get("apiVersion")
        if api is not None and not isinstance(api, str):
            raise ShapeError("apiVersion", f"`apiVersion` must be a string, not {described(api)}")
        payload = None
        spec: dict[str, Any] = {}
        if kind is None:  # a core v1 Secret
            secret_type = obj.get("type")
            if secret_type is not None and not isinstance(secret_type, str):
                raise ShapeError("type", f"`type` must be a string, not {described(secret_type)}")
            data = _optional_map(obj.get("data"), "data")
            string_data = _optional_map(obj.get("stringData"), "stringData")
            kind = Kind.GLOBAL_SECRET if secret_type == GLOBAL_SECRET_TYPE else Kind.SECRET
            payload = SecretPayload(secret_type=secret_type, data=data, string_data=string_data)
        else:
            spec = _optional_map(obj.get("spec"), "spec") or {}
        if kind in CLUSTER_SCOPED:
            namespace = None
        elif not namespace:
            namespace = self.default_namespace
        mesh = labels.get(MESH_LABEL)
        if kind in TOP_LEVEL_MESH:
            top = obj.get("mesh")
            if top is not None and not isinstance(top, str):
                raise ShapeError("mesh", f"`mesh` must be a string, not {described(top)}")
            mesh = top or mesh
        created, modified = kubernetes_times(meta)
        resource = Resource(
            kind=kind,
            flavour=Flavour.KUBERNETES,
            name=name,
            origin=origin,
            mesh=mesh or "default",
            namespace=namespace,
            labels=labels,
            annotations=annotations,
            spec=spec,
            status=_status(obj),
            payload=payload,
            raw=obj,
            field_lines=parsed.lines or {},
            api_version=api,
            raw_redaction=parsed.redaction,
            created_at=created,
            modified_at=modified,
        )
        if kind not in (Kind.SECRET, Kind.GLOBAL_SECRET) and api != KUMA_API_VERSION:
            self.sink.add_finding(finding(
                "MES009",
                f"{kind.value} {name!r} has apiVersion {api!r}; MES Doctor reads it as {KUMA_API_VERSION}",
                resource.ref, path="apiVersion", origin=origin.at_line(_line(parsed, "apiVersion")),
                hint=f"Kuma serves {kind.value} as `apiVersion: {KUMA_API_VERSION}`.",
            ))
        return resource

    def _universal(self, parsed: Parsed, obj: dict[Any, Any], origin: Origin, kind: Kind) -> Resource:
        name = obj.get("name")
        _require_name(name, "name")
        mesh = obj.get("mesh")
        if mesh is not None and not isinstance(mesh, str):
            raise ShapeError("mesh", f"`mesh` must be a string, not {described(mesh)}")
        if len(name) > self.max_name_chars or (mesh is not None and len(mesh) > self.max_name_chars):
            self._identity_lengths((name, "name"), (mesh, "mesh"))
        labels = _string_map(obj.get("labels"), "labels")
        payload = None
        spec: dict[str, Any] = {}
        lines = parsed.lines or {}
        if kind in (Kind.SECRET, Kind.GLOBAL_SECRET):
            data = obj.get("data")
            if data is not None and not isinstance(data, str):
                raise ShapeError("data", f"`data` of a Universal {kind.value} must be one base64 string, "
                                         f"not {described(data)}")
            payload = SecretPayload(secret_type=None, data=data)
        elif kind in INLINED_SPEC:
            spec = {k: v for k, v in obj.items() if k not in UNIVERSAL_META}
            lines = _spec_lines(lines)
        else:
            spec = _optional_map(obj.get("spec"), "spec") or {}
        created, modified = kuma_times(obj)
        return Resource(
            kind=kind,
            flavour=Flavour.UNIVERSAL,
            name=name,
            origin=origin,
            mesh=mesh or "default",
            namespace=None,
            labels=labels,
            spec=spec,
            status=_status(obj) if kind not in INLINED_SPEC else None,
            payload=payload,
            raw=obj,
            field_lines=lines,
            raw_redaction=parsed.redaction,
            created_at=created,
            modified_at=modified,
        )

    def _identity_lengths(self, *fields: tuple[Any, str]) -> None:
        """Names, namespaces and meshes are repeated in every finding, log line, destination and row of their
        resource: one of 300,000 characters made a 10 MB report of a 300 kB file. Kubernetes and Kuma accept at
        most 253 characters; longer ones up to `max_name_chars` still reach the validators (MES110, MES143)."""
        for value, path in fields:
            if isinstance(value, str) and len(value) > self.max_name_chars:
                raise ShapeError(path, f"`{path}` has {len(value):,} characters, more than the {self.max_name_chars:,} "
                                       "MES Doctor reads (Kubernetes and Kuma accept at most 253)", code="MES003")

    # --- wrappers, records, findings ------------------------------------------------------------

    def _wrapper(self, parsed: Parsed, ref: FileRef, origin: Origin) -> None:
        obj = parsed.obj
        inherit = None
        if isinstance(obj, dict):
            kind = obj.get("kind")
            if isinstance(kind, str) and kind.endswith("List") and kind != "List":
                inherit = (kind[: -len("List")], obj.get("apiVersion"))
            self._duplicate_keys(parsed, origin, None)
            self._key_material(parsed, origin, None)
        items = parsed.items or []
        if not items:
            self._record(origin, DocumentStatus.IGNORED, kind=_text(obj.get("kind")) if isinstance(obj, dict) else None,
                         reason="empty list")
        for item in items:
            self.add(item, ref, inherit)

    def _ignore(self, parsed: Parsed, origin: Origin, obj: dict[Any, Any], reason: str) -> None:
        kind = _text(obj.get("kind")) or _text(obj.get("type"))
        self._record(origin, DocumentStatus.IGNORED, kind=kind, api=_text(obj.get("apiVersion")),
                     name=_name_hint(obj), reason=reason)
        self._duplicate_keys(parsed, origin, None)
        self._key_material(parsed, origin, None)

    def _fail(self, parsed: Parsed, origin: Origin, path: str, message: str, *, kind: str | None = None,
              api: str | None = None, name: str | None = None, code: str = "MES002") -> None:
        where = origin.at_line(_line(parsed, path))
        what = f"{kind} {name!r}" if kind and name else (kind or "object")
        self.sink.add_finding(finding(code, f"{what} skipped: {message}", None, path=path, origin=where))
        self._record(origin, DocumentStatus.FAILED, kind=kind, api=api, name=name, reason=message)
        self._key_material(parsed, origin, None)

    def _record(self, origin: Origin, status: DocumentStatus, *, kind: str | None = None, api: str | None = None,
                name: str | None = None, reason: str = "") -> None:
        self.sink.documents.append(DocumentRecord(origin, status, kind, api, name, reason))

    def _duplicate_keys(self, parsed: Parsed, origin: Origin, resource: Resource | None) -> None:
        ref = resource.ref if resource else None
        for dup in parsed.dups:
            first = f" (first at line {dup.first_line})" if dup.first_line else ""
            self.sink.add_finding(finding(
                "MES007",
                f"key `{dup.path}` is repeated{first}; the last value is used",
                ref,
                path=dup.path,
                origin=origin.at_line(dup.line),
                hint="Remove one of the two keys: kubectl and the API server reject duplicate fields.",
            ))
        if parsed.dups_dropped and self.sink.cap is not None:  # repeats the builder counted without listing
            self.sink.cap.count_unlisted("MES007", parsed.dups_dropped, ref, origin)


    def _key_material(self, parsed: Parsed, origin: Origin, resource: Resource | None) -> None:
        """MES020: private-key material was found (and replaced by its marker) outside a Secret's payload
        and the inline TLS fields. One finding per document, naming where (never what)."""
        found = parsed.keys_at
        if not found:
            return
        where = ", ".join(f"`{p}`" for p in found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
        fields = "a field" if len(found) == 1 else f"{len(found)} fields"
        self.sink.add_finding(finding(
            "MES020",
            f"private-key material in {fields} outside a Secret: {where}. It is shown and exported only as its "
            "size and SHA-256 (`<redacted: …>`)",
            resource.ref if resource else None,
            path=found[0],
            origin=origin.at_line(_line(parsed, found[0])),
            hint="Anyone who can read this resource, or the file or repository it comes from, can read the key: "
                 "remove it, keep keys only in Secrets (referenced by name), and rotate it.",
        ))


# --- shape helpers ------------------------------------------------------------------------------


def _require_name(name: Any, path: str) -> None:
    if name is None:
        raise ShapeError(path, f"`{path}` is missing")
    if not isinstance(name, str):
        raise ShapeError(path, f"`{path}` must be a string, not {described(name)}")
    if not name:
        raise ShapeError(path, f"`{path}` is empty")


def _string_map(value: Any, path: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ShapeError(path, f"`{path}` must be a map of strings, not {described(value)}")
    if any(item is None for item in value.values()):
        value = {key: "" if item is None else item for key, item in value.items()}  # null is "" in Kubernetes
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            bad = key if not isinstance(key, str) else item
            raise ShapeError(f'{path}["{key}"]', f'`{path}["{key}"]` must be a string, not {described(bad)} '
                                                 "(quote values such as true, 1 or 2024-01-01)")
    return value


def _optional_map(value: Any, path: str) -> dict[Any, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ShapeError(path, f"`{path}` must be a mapping, not {described(value)}")
    return value


def _status(obj: dict[Any, Any]) -> dict[str, Any] | None:
    status = obj.get("status")
    return status if isinstance(status, dict) else None


def _spec_lines(lines: dict[str, int]) -> dict[str, int]:
    """Universal old-style resources: top-level spec fields are reported as `spec.<field>`."""
    out: dict[str, int] = {}
    for path, line in lines.items():
        head = path.split(".", 1)[0].split("[", 1)[0]
        out[path if head in UNIVERSAL_META else f"spec.{path}"] = line
    return out


def _line(parsed: Parsed, path: str) -> int | None:
    lines = parsed.lines or {}
    probe = path
    while probe:
        if probe in lines:
            return lines[probe]
        cut = max(probe.rfind("."), probe.rfind("["))
        probe = probe[:cut] if cut > 0 else ""
    return parsed.line


def _shorten(value: str | None, limit: int) -> str | None:
    return value if value is None or len(value) <= limit else f"{value[:64]}… ({len(value):,} characters)"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _name_hint(obj: dict[Any, Any]) -> str | None:
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else obj.get("name")
    return name if isinstance(name, str) else None
