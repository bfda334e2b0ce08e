"""The manifest loader: input files to normalised resources, an inventory and input findings.

`load()` accepts any mix of YAML streams, JSON, Kubernetes objects, Universal objects, Kuma REST
responses, list wrappers and archives. Every document (and list item) gets a `DocumentRecord`;
every problem is a finding (MES001-MES009), never an exception, and never costs the other
documents.

What the later stages can rely on (the normalisation contract):

* `Resource.flavour` is KUBERNETES for objects with `apiVersion`/`kind` (also `?format=k8s`
  output), UNIVERSAL for `type:` objects (Universal manifests and REST items).
* Kubernetes: `name` = `metadata.name`; `namespace` = `metadata.namespace`, or `default_namespace`
  when absent/empty (None for the cluster-scoped Mesh); `mesh` = label `kuma.io/mesh` or
  "default" (Secrets too: check `labels` to know whether the label was really there); `labels`
  and `annotations` exactly as written (str -> str, checked). `api_version` as written; a Kuma kind
  whose apiVersion is not `kuma.io/v1alpha1` loads with a MES009 warning.
* Core `v1` Secrets: type `system.kuma.io/global-secret` -> Kind.GLOBAL_SECRET, any other (or no)
  type -> Kind.SECRET; `payload = SecretPayload(type or None, data map, stringData map)` with the
  base64 strings as written (never decoded here); `spec` is `{}`.
* Universal: `mesh` = `mesh` or "default"; `namespace` None; `annotations` `{}`. Secret and
  GlobalSecret: `payload = SecretPayload(None, data=<the base64 string or None>)`. Mesh, ZoneEgress
  and Dataplane inline their spec: every top-level key but type/name/mesh/labels/creationTime/
  modificationTime/kri becomes `spec` (and their field lines are `spec.<key>`).
* `created_at` / `modified_at`: Kubernetes `metadata.creationTimestamp` / latest non-subresource
  `metadata.managedFields[].time`; Kuma `creationTime` / `modificationTime` (`core.loading.times`);
  None when absent or not a date/time (never a finding: the API server sets them itself).
* `spec` is the mapping as written (`{}` when absent), never type-checked inside; `status` is kept
  when it is a mapping; `raw` is the whole object (items of a typed `<Kind>List` get the implied
  `apiVersion`/`kind`).
* `origin.line` is the line where the object starts (for list items, the item); `field_lines`
  maps Kuma-style paths (`spec.endpoints[1].port`, `metadata.labels["kuma.io/origin"]`,
  `labels["x"]`, `name`) to the line of the key: every field for MeshExternalService and Mesh,
  the first two levels for other kinds.
* Values follow YAML 1.1 as PyYAML reads them, except that timestamps and `!!binary` stay
  strings; documents that start with `{`/`[` are read as JSON.
* `resources` keeps every definition in input order, duplicates included (MES006 names both);
  `Index` keeps the last.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from core.catalogue import finding
from core.loading import archives, control_plane
from core.loading.objects import FileRef, Normaliser, Sink
from core.loading.stream import Problem, parse_file
from core.loading.text import decode
from core.model import DocumentRecord, DocumentStatus, LoadResult, Origin, Resource
from core.options import DEFAULT_SYSTEM_NAMESPACE, Limits
from core.sources import Source

__all__ = ["load"]


def load(
    sources: Sequence[Source], limits: Limits, default_namespace: str = DEFAULT_SYSTEM_NAMESPACE
) -> LoadResult:
    """Load every source in order (a resource defined again later replaces the earlier one)."""
    loader = _Load(limits, default_namespace)
    try:
        return loader.run(sources)
    finally:
        loader.close()


class _Stop(Exception):
    """A limit that ends the whole load (documents, total bytes, parse time)."""


class _Load:
    def __init__(self, limits: Limits, default_namespace: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.result = LoadResult()
        self.clock = clock
        self.deadline = clock() + limits.max_parse_seconds
        self.total_bytes = 0
        self.stopped = ""  # why the load stopped early
        self.first_seen: dict[str, Resource] = {}
        sink = Sink(self.result.resources, self.result.documents, self.result.findings, self._seen)
        self.normaliser = Normaliser(sink, default_namespace)

    def run(self, sources: Sequence[Source]) -> LoadResult:
        for source in sources:
            if self.stopped:
                self._record(FileRef(source.label, source.name, source.fetched_at), DocumentStatus.FAILED,
                             f"not read: {self.stopped}")
                continue
            try:
                self._source(source)
            except _Stop:
                continue
        control_plane.apply(self.result, self.normaliser.sink.control_planes)
        return self.result

    def close(self) -> None:
        """Drop the loader's own references: the normaliser's sink calls back into the loader, a
        cycle that would otherwise keep every loaded resource alive until the garbage collector's
        next full pass, long after the analysis that read them."""
        self.normaliser.sink.on_resource = _ignore
        self.first_seen = {}

    # --- files ----------------------------------------------------------------------------------

    def _source(self, source: Source) -> None:
        ref = FileRef(source.label, source.name, source.fetched_at)
        if source.error is not None:
            self._file_problem(ref, "MES005", f"cannot read {source.error}")
        elif source.is_archive:
            self._archive(source, ref)
        else:
            self._file(ref, source.data)

    def _archive(self, source: Source, ref: FileRef) -> None:
        fmt = archives.archive_format(source.name, source.data)
        if fmt is None:
            self._file_problem(ref, "MES005", f"{source.name} is named like an archive but its content is not one")
            return
        before = len(self.result.documents)
        for member in archives.expand(fmt, source.data, self.limits):
            member_ref = FileRef(ref.source, f"{ref.file}!{member.path}" if member.path else ref.file, ref.fetched_at)
            if member.data is not None:
                self._file(member_ref, member.data)
            elif member.code == "MES008":
                self._file_problem(member_ref, member.code, f"{member.path}: not extracted ({member.reason})")
            elif member.code:
                self._file_problem(member_ref, member.code,
                                   f"{member.path}: {member.reason}" if member.path else member.reason)
            else:
                self._record(member_ref, DocumentStatus.IGNORED, member.reason)
        if len(self.result.documents) == before:
            self._record(ref, DocumentStatus.IGNORED, "the archive holds no manifest files")

    def _file(self, ref: FileRef, data: bytes) -> None:
        limits = self.limits
        if len(data) > limits.max_file_bytes:
            self._file_problem(ref, "MES003", f"{ref.file} is larger than {limits.max_file_bytes} bytes; not read")
            return
        self.total_bytes += len(data)
        if self.total_bytes > limits.max_total_bytes:
            self._stop(ref, f"the input is larger than {limits.max_total_bytes} bytes in total")
        decoded = decode(data)
        if decoded.error:
            self._file_problem(ref, "MES005", decoded.error)
            return
        before = len(self.result.documents)
        problems_before = len(self.result.findings)
        for item in parse_file(decoded, limits):
            if len(self.result.documents) >= limits.max_documents:
                self._stop(ref, f"the input has more than {limits.max_documents} documents", line=item.line)
            if isinstance(item, Problem):
                origin = Origin(ref.source, ref.file, item.document, item.line, ref.fetched_at)
                self.result.findings.append(finding(item.code, item.message, None, path=item.path, origin=origin))
                self.result.documents.append(DocumentRecord(origin, DocumentStatus.FAILED, reason=item.message))
            else:
                self.normaliser.add(item, ref)
            if self.clock() > self.deadline:
                self._stop(ref, f"parsing took longer than {limits.max_parse_seconds:g} s")
        if len(self.result.documents) == before and len(self.result.findings) == problems_before:
            self._record(ref, DocumentStatus.IGNORED, "empty file (no documents)")

    # --- bookkeeping ----------------------------------------------------------------------------

    def _seen(self, resource: Resource) -> None:
        key = resource.key
        earlier = self.first_seen.get(key)
        if earlier is not None:
            self.result.findings.append(finding(
                "MES006",
                f"{resource.kind.value} {resource.core_name!r} (mesh {resource.mesh}) is defined again at "
                f"{resource.origin.location()} (also at {earlier.origin.location()}); the later definition wins",
                resource.ref,
                origin=resource.origin,
                related=(earlier.ref,),
            ))
        self.first_seen[key] = resource

    def _file_problem(self, ref: FileRef, code: str, message: str) -> None:
        origin = ref.origin(0, None)
        self.result.findings.append(finding(code, message, None, origin=origin))
        self.result.documents.append(DocumentRecord(origin, DocumentStatus.FAILED, reason=message))

    def _record(self, ref: FileRef, status: DocumentStatus, reason: str) -> None:
        self.result.documents.append(DocumentRecord(ref.origin(0, None), status, reason=reason))

    def _stop(self, ref: FileRef, why: str, line: int | None = None) -> None:
        self.stopped = why
        message = f"{why}: stopped reading at {ref.file}; what was read before is analysed"
        origin = ref.origin(0, line)
        self.result.findings.append(finding("MES003", message, None, origin=origin))
        self.result.documents.append(DocumentRecord(origin, DocumentStatus.FAILED, reason=message))
        raise _Stop(why)


def _ignore(_resource: Resource) -> None:
    return None
