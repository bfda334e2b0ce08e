"""What a live read produces, and how fetched objects become a `LoadResult`.

Fetched objects are normalised by the manifest loader's own `Normaliser` (the same code that
reads files), one document per object, without line numbers: a live object has no file line to
point at. Every resource's `Origin` says where it came from: `source` is the live source label
(`kube:<context>`, the Kuma API base URL, the URL), `file` what was read (a listing such as
`meshexternalservices (all namespaces)` or an API path), `document` the object's position in
that listing and `fetched_at` when it was read.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.catalogue import finding
from core.live.errors import LiveSourceError, scrub_secrets
from core.loading import control_plane
from core.loading.objects import FileRef, Normaliser, Sink
from core.loading.tree import Parsed, depth_of
from core.model import DocumentRecord, DocumentStatus, Kind, LoadResult, Resource, SecretsCoverage
from core.options import Limits

_KINDS = frozenset(k.value for k in Kind)


@dataclass(slots=True)
class LiveResult:
    """One live read: the loaded resources plus what the dashboard needs around them.

    `load` goes to `core.analysis.analyse(..., preloaded=result.load)`. `digest` is a stable
    SHA-256 over the fetched content (not the fetch time): equal digests mean identical input,
    so it can key a cache. `notes` are one-line remarks about parts that could not be read
    (RBAC, missing optional CRDs); `counts` are resources per kind.
    """

    label: str
    load: LoadResult
    digest: str
    fetched_at: datetime
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    server: str = ""  # what answered, e.g. "Kuma 2.9.3 (cp-0)" or "Kubernetes v1.31.2"

    def summary(self) -> str:
        parts = [f"{n} {kind}" for kind, n in sorted(self.counts.items())]
        return f"{self.label}: " + (", ".join(parts) if parts else "no resources")


@dataclass(slots=True)
class Listing:
    file: str
    objects: list[Any]


class Collector:
    """Accumulates the listings of one live source, enforcing the loader's limits."""

    def __init__(self, label: str, limits: Limits, fetched_at: datetime, known: tuple[str | None, ...] = ()) -> None:
        self.label = label
        self.known = known  # secrets this source sends (a bearer token): scrubbed from notes
        self.limits = limits
        self.fetched_at = fetched_at
        self.listings: list[Listing] = []
        self.notes: list[str] = []
        self.objects = 0
        self.bytes = 0
        self.secrets: SecretsCoverage | None = None
        self.secrets_note = ""
        self.detected_version: str | None = None
        self.detected_zone: str | None = None
        self.zone_evidence = ""
        self.server = ""
        self.listed_kinds: set[str] = set()  # kinds listed in full (see `listed`)
        self._failed: set[str] = set()

    def account(self, size: int) -> None:
        self.bytes += size
        if self.bytes > self.limits.max_total_bytes:
            raise LiveSourceError(self.label, f"the answers are larger than {self.limits.max_total_bytes} bytes "
                                              "in total; stopped reading")

    def add(self, file: str, objects: list[Any]) -> None:
        self.objects += len(objects)
        if self.objects > self.limits.max_documents:
            raise LiveSourceError(self.label, f"more than {self.limits.max_documents} objects; stopped reading")
        for listing in self.listings:
            if listing.file == file:
                listing.objects.extend(objects)
                return
        self.listings.append(Listing(file, list(objects)))

    def listed(self, kind: str) -> None:
        """`kind` was listed completely (every page, every mesh asked): finding none is a fact."""
        self.listed_kinds.add(kind)

    def unlisted(self, kind: str) -> None:
        """A listing of `kind` failed (for one mesh, say): the kind is not known in full after all."""
        self.listed_kinds.discard(kind)
        self._failed.add(kind)

    def note(self, text: str) -> None:
        text = scrub_secrets(text, self.known)  # notes quote server replies; they reach stderr and the page
        if text not in self.notes:
            self.notes.append(text)

    def deny_secrets(self, note: str) -> None:
        self.secrets = SecretsCoverage.DENIED
        self.secrets_note = scrub_secrets(note, self.known)  # quoted by MES905 in every report

    def result(self, default_namespace: str) -> LiveResult:
        load = normalise(self.listings, self.label, self.fetched_at, self.limits, default_namespace)
        load.secrets = self.secrets
        load.secrets_note = self.secrets_note
        if self.detected_version:
            load.detected_version = self.detected_version
            load.version_source = "api"
            load.version_evidence = f"the control plane API reports {self.server or 'Kuma ' + self.detected_version}"
        if self.detected_zone:
            load.detected_zone = self.detected_zone
            load.zone_source = "api"
            load.zone_evidence = self.zone_evidence
        load.listed_kinds = frozenset(Kind(k) for k in self.listed_kinds - self._failed if k in _KINDS)
        counts: dict[str, int] = {}
        for resource in load.resources:
            counts[resource.kind.value] = counts.get(resource.kind.value, 0) + 1
        return LiveResult(self.label, load, self.digest(), self.fetched_at, list(self.notes), counts, self.server)

    def digest(self) -> str:
        h = hashlib.sha256()
        h.update(json.dumps([self.label, self.secrets, self.secrets_note, self.detected_version, self.detected_zone,
                             self.notes, sorted(self.listed_kinds - self._failed)],
                            default=str).encode())
        for listing in self.listings:
            h.update(b"\0" + listing.file.encode("utf-8", "replace") + b"\0")
            for obj in listing.objects:
                h.update(_canonical(obj) + b"\n")
        return h.hexdigest()


def normalise(listings: list[Listing], label: str, fetched_at: datetime, limits: Limits,
              default_namespace: str) -> LoadResult:
    """Fetched objects to resources, through the loader's normaliser (one document per object)."""
    load = LoadResult()

    def seen(_resource: Resource) -> None:  # live listings hold no duplicate keys
        return None

    normaliser = Normaliser(Sink(load.resources, load.documents, load.findings, seen), default_namespace)
    for listing in listings:
        ref = FileRef(label, listing.file, fetched_at)
        for position, obj in enumerate(listing.objects):
            if depth_of(obj, limits.max_depth) > limits.max_depth:
                origin = ref.origin(position, None)
                message = f"object {position} of {listing.file} is nested deeper than {limits.max_depth} levels"
                load.findings.append(finding("MES003", message, None, origin=origin))
                load.documents.append(DocumentRecord(origin, DocumentStatus.FAILED, reason=message))
                continue
            normaliser.add(Parsed(obj, None, position), ref)
    control_plane.apply(load, normaliser.sink.control_planes)
    return load


def _canonical(obj: Any) -> bytes:
    try:
        return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8", "replace")
    except (TypeError, ValueError, RecursionError):
        return repr(obj).encode("utf-8", "replace")


def combine(results: list[LiveResult], fetched_at: datetime) -> LiveResult:
    """Several live reads as one (in order: later resources of the same key win in the analysis)."""
    if len(results) == 1:
        return results[0]
    load = LoadResult()
    notes: list[str] = []
    counts: dict[str, int] = {}
    h = hashlib.sha256()
    for r in results:
        load.extend(r.load)
        notes.extend(f"{r.label}: {n}" for n in r.notes)
        for kind, n in r.counts.items():
            counts[kind] = counts.get(kind, 0) + n
        h.update(r.digest.encode() + b"\n")
    label = " + ".join(r.label for r in results)
    server = "; ".join(r.server for r in results if r.server)
    return LiveResult(label, load, h.hexdigest(), fetched_at, notes, counts, server)
