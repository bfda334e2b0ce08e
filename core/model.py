"""The one result model every stage of the pipeline reads and writes.

Resources are normalised here whatever format they came from (Kubernetes object, Universal
object, Kuma REST item), and every problem is a `Finding` with a stable code from
`core.catalogue`. Secret payloads live only in `SecretPayload`, which never prints them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from core.records import record


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


class Stage(StrEnum):
    """When a problem bites, in the order an operator meets them."""

    INPUT = "input"  # MES Doctor could not read or understand the input itself
    WRITE = "write"  # kube-apiserver / Kuma API rejects the resource
    CONTROL_PLANE = "control-plane"  # kuma-cp drops it (or others) while generating xDS
    ENVOY = "envoy"  # Envoy NACKs the configuration
    HANDSHAKE = "handshake"  # the upstream TLS handshake fails
    RISK = "risk"  # works today, at risk or surprising
    NOTE = "note"  # information, never changes a service's status


class Kind(StrEnum):
    MESH_EXTERNAL_SERVICE = "MeshExternalService"
    SECRET = "Secret"
    GLOBAL_SECRET = "GlobalSecret"
    MESH = "Mesh"
    ZONE_EGRESS = "ZoneEgress"
    DATAPLANE = "Dataplane"
    HOSTNAME_GENERATOR = "HostnameGenerator"
    MESH_IDENTITY = "MeshIdentity"
    MESH_TRAFFIC_PERMISSION = "MeshTrafficPermission"
    # the resources around an MES (routes and policies that point at it, its alternatives)
    MESH_HTTP_ROUTE = "MeshHTTPRoute"
    MESH_TCP_ROUTE = "MeshTCPRoute"
    MESH_TIMEOUT = "MeshTimeout"
    MESH_RETRY = "MeshRetry"
    MESH_CIRCUIT_BREAKER = "MeshCircuitBreaker"
    MESH_HEALTH_CHECK = "MeshHealthCheck"
    MESH_PASSTHROUGH = "MeshPassthrough"
    EXTERNAL_SERVICE = "ExternalService"  # legacy (2.x), removed in 3.0


class Flavour(StrEnum):
    """The environment a resource was written for: it changes names, lookup rules and defaults."""

    KUBERNETES = "kubernetes"
    UNIVERSAL = "universal"


class Redaction(StrEnum):
    """Where `redact_document` may change a resource's `raw`, when the loader knows (see `Resource`)."""

    NONE = "none"  # no key it acts on anywhere: the manifest is shown as it is
    TOP = "top"  # only among the document's own top-level keys (a Secret's `data`)
    DEEP = "deep"  # anywhere, or unknown


@record
class Origin:
    """Where a resource (or a problem) came from.

    `source` names the input (an uploaded file, `sample`, `kube:<context>`, a URL); `file` is the
    file inside it (archive member or path); `document` is the 0-based index of the YAML/JSON
    document in that file; `line` is 1-based. `fetched_at` is set for live sources.
    """

    source: str
    file: str
    document: int = 0
    line: int | None = None
    fetched_at: datetime | None = None

    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def at_line(self, line: int | None) -> Origin:
        if line is None or line == self.line:
            return self
        return Origin(self.source, self.file, self.document, line, self.fetched_at)


@record
class SecretPayload:
    """The bytes-bearing part of a Secret, kept apart so nothing prints it by accident.

    Kubernetes: `secret_type` is the Secret `type`, `data` its `data` map (base64 strings as
    written) and `string_data` its `stringData` map. Universal: `secret_type` is None and
    `data` is the single base64 string of the `data` field.
    """

    secret_type: str | None
    data: dict[str, Any] | str | None = field(default=None, repr=False)
    string_data: dict[str, Any] | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"SecretPayload(type={self.secret_type!r}, <redacted>)"

    def keys(self) -> list[str]:
        keys: list[str] = []
        if isinstance(self.data, dict):
            keys.extend(str(k) for k in self.data)
        if isinstance(self.string_data, dict):
            keys.extend(str(k) for k in self.string_data if str(k) not in keys)
        return keys


@dataclass(slots=True, eq=False)
class Resource:
    """A Kuma resource normalised from any input format.

    `name` is the name as the user wrote it (Kubernetes `metadata.name`, Universal `name`).
    `labels` are the labels as written; pipeline stages that need the labels Kuma would add
    (mutating webhook, zone CP) compute them from these and the analysis options.
    `spec` is the resource's spec mapping (`{}` when absent). `raw` is the whole document,
    used to show the manifest (always through `redacted_manifest()`). `raw_redaction` says where
    in `raw` redaction has anything to do: the loader knows it from the keys it built (NONE lets
    the redacted copy share the manifest instead of walking it); DEEP, the default, is always safe.
    """

    kind: Kind
    flavour: Flavour
    name: str
    origin: Origin
    mesh: str = "default"
    namespace: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    spec: dict[str, Any] = field(default_factory=dict)
    status: dict[str, Any] | None = None
    payload: SecretPayload | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    field_lines: dict[str, int] = field(default_factory=dict, repr=False)
    api_version: str | None = None
    raw_redaction: Redaction = field(default=Redaction.DEEP, repr=False)
    # Kubernetes `metadata.creationTimestamp` / Kuma `creationTime`; the latest `metadata.managedFields[].time`
    # (status subresource excluded) / Kuma `modificationTime`. None when absent or unreadable.
    created_at: datetime | None = None
    modified_at: datetime | None = None
    # (kind, name, mesh, namespace, flavour, origin, core name, key, ref): see `_identity`
    _identity_memo: tuple[Any, ...] | None = field(default=None, init=False, repr=False)

    def _identity(self) -> tuple[Any, ...]:
        """Core name, key and ref, computed once and recomputed only when an identity field is
        reassigned (checked by object identity: every field involved is immutable). Analyses ask
        for them hundreds of thousands of times."""
        memo = self._identity_memo
        if (memo is not None and memo[0] is self.kind and memo[1] is self.name and memo[2] is self.mesh
                and memo[3] is self.namespace and memo[4] is self.flavour and memo[5] is self.origin):
            return memo
        kind, name, mesh, namespace, flavour = self.kind, self.name, self.mesh, self.namespace, self.flavour
        core = f"{name}.{namespace}" if flavour is Flavour.KUBERNETES and namespace else name
        meshless = kind in _MESHLESS
        key = f"{kind.value}/{'-' if meshless else mesh}/{core}"
        ref = ResourceRef(kind=kind, name=name, mesh=None if meshless else mesh, namespace=namespace,
                          core_name=core, origin=self.origin)
        memo = self._identity_memo = (kind, name, mesh, namespace, flavour, self.origin, core, key, ref)
        return memo

    @property
    def core_name(self) -> str:
        """Kuma's core name: `name.namespace` on Kubernetes, the plain name on Universal."""
        return self._identity()[6]  # type: ignore[no-any-return]

    @property
    def display_name(self) -> str:
        """Kuma's display name: on Kubernetes the `kuma.io/display-name` annotation, else
        `metadata.name` (Kuma overwrites a label of that name); on Universal the label, else the name."""
        if self.flavour is Flavour.KUBERNETES:
            value = self.annotations.get("kuma.io/display-name") if isinstance(self.annotations, dict) else None
        else:
            value = self.labels.get("kuma.io/display-name") if isinstance(self.labels, dict) else None
        return value if isinstance(value, str) and value else str(self.name)

    @property
    def key(self) -> str:
        """Unique identity within one analysis: kind, mesh and core name."""
        return self._identity()[7]  # type: ignore[no-any-return]

    @property
    def ref(self) -> ResourceRef:
        return self._identity()[8]  # type: ignore[no-any-return]

    def line_of(self, path: str) -> int | None:
        """Line of a field path (`spec.endpoints[1].port`), else of its closest known parent."""
        probe = path
        while probe:
            if probe in self.field_lines:
                return self.field_lines[probe]
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        return self.origin.line

    def redacted_manifest(self) -> dict[str, Any]:
        """The manifest with every payload replaced by a marker (read-only: parts may be shared with `raw`)."""
        if self.raw_redaction is Redaction.NONE:
            return self.raw
        if self.raw_redaction is Redaction.TOP and isinstance(self.raw, dict):
            return redact_top_level(self.raw, self.kind)
        return redact_document(self.raw, self.kind)

    def redacted(self) -> Resource:
        """A copy safe to keep in reports and caches: no payload, manifest and spec redacted.

        A resource the loader saw no redactable key in (most MES, every Mesh) is already safe:
        it is returned as it is (resources are never modified once loaded).
        """
        if (self.raw_redaction is Redaction.NONE and self.payload is None and self.kind is not Kind.SECRET
                and self.kind is not Kind.GLOBAL_SECRET
                and not (isinstance(self.annotations, dict) and LAST_APPLIED in self.annotations)):
            return self
        raw = self.redacted_manifest()
        if self.kind is Kind.SECRET:
            spec: Any = {}
        elif isinstance(self.raw, dict) and self.raw.get("spec") is self.spec and isinstance(raw.get("spec"), dict):
            spec = raw["spec"]  # the manifest's spec is the same object, just redacted the same way
        elif self.raw_redaction is Redaction.NONE:
            spec = self.spec  # made of the manifest's own plain parts (e.g. a Universal Mesh's top-level fields)
        else:
            spec = redact_document(self.spec, None)
        # positional, in field order (test_loading_redaction_scope.py pins it): a keyword call
        # costs about twice as much, and assembling a report copies every Secret. The copy's manifest is
        # redacted already: NONE, so that showing it never redacts the markers again
        copy = Resource(
            self.kind,
            self.flavour,
            self.name,
            self.origin,
            self.mesh,
            self.namespace,
            self.labels,  # plain strings, never changed after loading: shared, not copied
            redact_annotations(self.annotations),
            spec,
            self.status,
            SecretPayload(self.payload.secret_type) if self.payload else None,
            raw,
            self.field_lines,
            self.api_version,
            Redaction.NONE,
            self.created_at,
            self.modified_at,
        )
        copy._identity_memo = self._identity()  # the same identity fields (the very objects): key and ref shared
        return copy


_MESHLESS = frozenset({Kind.MESH, Kind.GLOBAL_SECRET, Kind.ZONE_EGRESS, Kind.HOSTNAME_GENERATOR})


@record
class ResourceRef:
    """A light, printable reference to a resource (what findings and exports carry)."""

    kind: Kind
    name: str
    mesh: str | None
    namespace: str | None
    core_name: str
    origin: Origin | None = None

    @property
    def key(self) -> str:
        return f"{self.kind.value}/{self.mesh or '-'}/{self.core_name}"

    def label(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        mesh = f" (mesh {self.mesh})" if self.mesh else ""
        return f"{self.kind.value} {where}{self.name}{mesh}"


@record
class Finding:
    """One problem (or note), with a stable catalogue code.

    Build findings with `core.catalogue.finding(...)`, which fills severity, stage and title
    from the catalogue so a code always means the same thing.
    """

    code: str
    severity: Severity
    stage: Stage
    message: str
    resource: ResourceRef | None = None
    path: str = ""
    hint: str = ""
    fix: str = ""  # a ready-to-run snippet (kubectl / kumactl / YAML), never secret bytes
    origin: Origin | None = None  # file:line of the field (falls back to the resource origin)
    related: tuple[ResourceRef, ...] = ()

    @property
    def location(self) -> str:
        origin = self.origin or (self.resource.origin if self.resource else None)
        return origin.location() if origin else ""

    def sort_key(self) -> tuple[Any, ...]:
        return (
            self.severity.rank,
            self.resource.key if self.resource else "",
            self.code,
            self.path,
            self.message,
        )


LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def redact_annotations(annotations: Any) -> Any:
    if not isinstance(annotations, dict) or LAST_APPLIED not in annotations:
        return annotations
    return {k: redaction_marker(v) if k == LAST_APPLIED else v for k, v in annotations.items()}


# the keys `redact_document` acts on: a document without any of them is left as it is
REDACTED_KEYS = frozenset({"data", "stringData", "inline", "inlineString", "insecureInline", LAST_APPLIED})


def redact_top_level(doc: dict[Any, Any], kind: Kind | None = None) -> dict[Any, Any]:
    """`redact_document(doc, kind)` for a mapping whose nested values hold none of `REDACTED_KEYS`
    (`Redaction.TOP`): those values would come out unchanged, so they are kept, not copied."""
    return _redact_mapping(doc, _is_secret(doc, kind), deep=False)


def redact_document(doc: Any, kind: Kind | None = None) -> Any:
    """Copy of a manifest with every Secret payload replaced by a size + fingerprint marker.

    Redacts `data` / `stringData` of Secrets (Kubernetes and Universal), any inline TLS
    material in MES specs (`inline`, `inlineString`, `insecureInline.value`, or `insecureInline`
    itself when it is not a mapping) and kubectl's `last-applied-configuration` annotation (a
    verbatim second copy of the object, payload included) so a displayed or exported manifest can
    never carry key material. (Key material anywhere else was replaced when the manifest was read:
    `core.loading.scrub`.) A marker is never redacted again: the marker describes the payload.
    """
    if isinstance(doc, dict):
        return _redact_mapping(doc, _is_secret(doc, kind))
    if isinstance(doc, list):
        return [redact_document(v, kind) for v in doc]
    return doc


def _is_secret(doc: dict[Any, Any], kind: Kind | None) -> bool:
    return kind in (Kind.SECRET, Kind.GLOBAL_SECRET) or doc.get("kind") == "Secret" or doc.get(
        "type"
    ) in ("Secret", "GlobalSecret")


def _redact_mapping(doc: dict[Any, Any], is_secret: bool, deep: bool = True) -> dict[Any, Any]:
    out: dict[str, Any] = {}
    for k, v in doc.items():
        if is_secret and k in ("data", "stringData"):
            out[k] = _redact_payload(v)
        elif k in ("inline", "inlineString", LAST_APPLIED):
            out[k] = redaction_marker(v)
        elif k == "insecureInline" and v is not None:
            out[k] = ({ik: redaction_marker(iv) if ik == "value" else iv for ik, iv in v.items()}
                      if isinstance(v, dict) else redaction_marker(v))
        elif deep and isinstance(v, dict | list):
            out[k] = redact_document(v, None)
        else:
            out[k] = v  # a scalar is kept as it is (no call per leaf: manifests are mostly leaves)
    return out


def _redact_payload(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: redaction_marker(v) for k, v in value.items()}
    return redaction_marker(value)


_MARKER = re.compile(r"<redacted: \d+ bytes, sha256 [0-9a-f]{12}…>")


def is_redaction_marker(value: Any) -> bool:
    return type(value) is str and value.startswith("<redacted: ") and _MARKER.fullmatch(value) is not None


def redaction_marker(value: Any) -> str:
    """`<redacted: N bytes, sha256 0123456789ab…>`: the size and the start of the SHA-256 of the payload as
    written (UTF-8), enough to tell two payloads apart or match one against a file, nothing to recover it.
    A marker stays as it is: redacting twice would describe the marker, not the payload."""
    if type(value) is str:
        if is_redaction_marker(value):
            return value
        data = value.encode("utf-8", "surrogateescape")
    else:
        text = value if isinstance(value, str | bytes) else repr(value)
        data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
    digest = hashlib.sha256(data).hexdigest()[:12]
    return f"<redacted: {len(data)} bytes, sha256 {digest}…>"


# --- results of the later pipeline stages -----------------------------------------------------


class ServiceStatus(StrEnum):
    HEALTHY = "healthy"
    WARNING = "warning"
    BROKEN = "broken"


class ReferenceStatus(StrEnum):
    """Why a TLS data source of an MES does (`ok`) or does not load, as kuma-cp would see it."""

    OK = "ok"
    NOT_FOUND = "not-found"
    WRONG_NAMESPACE = "wrong-namespace"
    WRONG_MESH = "wrong-mesh"
    MISSING_MESH_LABEL = "missing-mesh-label"
    WRONG_TYPE = "wrong-type"
    GLOBAL_SECRET = "global-secret"
    NO_VALUE_KEY = "no-value-key"
    EMPTY_VALUE = "empty-value"
    INVALID_BASE64 = "invalid-base64"
    EMPTY_NAME = "empty-name"
    LEGACY_SHAPE = "legacy-shape"
    UNSUPPORTED_TYPE = "unsupported-type"
    INCOMPLETE = "incomplete"
    NOT_CHECKED = "not-checked"  # the input held no Secrets, or they could not be read

    @property
    def fails(self) -> bool:
        """A problem was found (an error or a warning); `not-checked` is unknown, not a failure."""
        return self not in (ReferenceStatus.OK, ReferenceStatus.NOT_CHECKED)

    @property
    def loads(self) -> bool:
        """Whether kuma-cp would load this reference without an error (possibly empty bytes)."""
        return self in (
            ReferenceStatus.OK,
            ReferenceStatus.NO_VALUE_KEY,
            ReferenceStatus.EMPTY_VALUE,
            ReferenceStatus.NOT_CHECKED,
        )


@record
class SecretReference:
    """One TLS data source of one MES (`caCert`, `clientCert` or `clientKey`) and how it resolves.

    `source` is the data-source kind as written: `secret`, `inline`, `inlineString` (legacy),
    `Secret`, `InsecureInline`, `File`, `EnvVar` (3.0), or `empty` for a legacy `{}`.
    `secret` is the referenced name (None for inline sources). `material_sha256` identifies the
    bytes Kuma would load (never the bytes themselves) and joins to `CertificateRecord`s.
    """

    service: ResourceRef
    field: str
    path: str
    source: str
    secret: str | None
    mesh: str
    status: ReferenceStatus
    message: str
    code: str | None = None
    matched: ResourceRef | None = None
    log_line: str | None = None
    error_chain: str | None = None
    material_sha256: str | None = None


class CertificateStatus(StrEnum):
    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"


class KeyPairStatus(StrEnum):
    """Whether the `clientKey` belongs to the leaf of the `clientCert` it is paired with (the comparison the
    MES306 / MES307 key-mismatch findings make: `mismatch` exactly when one of them is raised for the pair)."""

    MATCH = "match"
    MISMATCH = "mismatch"
    NO_KEY = "no-key"  # no clientKey configured, or its material holds no private key
    UNKNOWN = "unknown"  # the key did not load, is encrypted, or cannot be compared


@record
class CertificateRecord:
    """One X.509 certificate reached through an MES data source. No key material, ever."""

    service: ResourceRef
    field: str
    secret: str | None
    source: str
    position: int  # index in the bundle / chain, 0-based
    subject: str
    issuer: str
    sans: tuple[str, ...]
    serial: str
    sha256: str
    not_before: datetime
    not_after: datetime
    days_left: int
    status: CertificateStatus
    key_type: str
    key_size: int | None
    is_ca: bool
    self_signed: bool
    signature_algorithm: str
    key_usage: tuple[str, ...] = ()
    extended_key_usage: tuple[str, ...] = ()
    # the clientCert leaf (position 0) only: does the MES's clientKey belong to it? None for every other
    # certificate (caCert bundles, the issuers of a client chain)
    key_pair: KeyPairStatus | None = None


@record
class Endpoint:
    address: str
    port: int
    priority: int = 0
    kind: str = "static"  # "static" (IP) or "dns" (hostname)
    weight: int = 1
    locality_zone: str | None = None
    sub_zone: str | None = None  # 2.14+: locality sub-zone `priority-<N>`


@record
class UpstreamTls:
    """The upstream TLS context the egress gets for an MES, after the verification mode."""

    mode: str
    sni: str | None
    sni_source: str | None  # "serverName", "first-endpoint" or None
    validation_context: bool
    ca: str | None  # "inline" (from caCert), "system" (egress system CA bundle) or None
    system_ca_fallback: bool
    client_certificate: bool
    hostname_verification: bool
    san_matchers: tuple[str, ...]
    min_version: str | None
    max_version: str | None
    versions_applied: bool
    allow_renegotiation: bool


@record
class Destination:
    """What kuma-cp computes for one MES on the zone egress."""

    service: ResourceRef
    mesh: str
    name: str  # legacy destination / cluster name `<mesh>_<name>_<ns>_<zone>_extsvc_<port>`
    kri: str
    cluster: str  # the cluster / endpoint-map key the target version uses
    egress_sni: str  # SNI between sidecar and egress for the target version
    legacy_sni: str
    kri_sni: str
    hostname: str
    port: int
    protocol: str
    cluster_type: str  # "STATIC" or "STRICT_DNS"
    endpoints: tuple[Endpoint, ...]
    tags: dict[str, str]
    tls: UpstreamTls | None


@record
class Exclusion:
    """Why an MES is not in an endpoint map: its own failure, a culprit's (2.9), or zone."""

    service: ResourceRef
    reason: str  # "tls-load-failed", "cascade", "unreachable-zone", "rejected-on-write", "no-mtls"
    code: str
    culprit: ResourceRef | None = None
    log_line: str | None = None
    destination: Destination | None = None  # what it would have been (names to grep for), when computable


@dataclass(slots=True)
class EndpointMap:
    """The egress endpoint map of one control-plane version, per mesh, in Kuma's list order."""

    version: str
    zone: str
    included: dict[str, Destination] = field(default_factory=dict)  # by service key
    excluded: dict[str, Exclusion] = field(default_factory=dict)  # by service key
    lost_filter_chains: dict[str, Exclusion] = field(default_factory=dict)  # 2.9-2.11 (inferred)
    # keys of the MES in the mesh loops (store-valid, reachable, of a served mesh) whose TLS material fails to
    # load, in loop order: also those a 2.9 cascade dropped before kuma-cp got to them (core.report.cascade)
    failing: list[str] = field(default_factory=list)


# --- loading ------------------------------------------------------------------------------------


class DocumentStatus(StrEnum):
    LOADED = "loaded"
    IGNORED = "ignored"  # parsed fine, but not a kind MES Doctor analyses (Deployment, ConfigMap...)
    FAILED = "failed"  # could not be parsed or read as its kind (a finding says why)


@record
class DocumentRecord:
    """What happened to one document (or list item) of the input: the Sources page's inventory."""

    origin: Origin
    status: DocumentStatus
    kind: str | None = None
    api_version: str | None = None
    name: str | None = None
    reason: str = ""


class SecretsCoverage(StrEnum):
    PRESENT = "present"  # Secrets were provided (possibly zero, when a live source listed none)
    ABSENT = "absent"  # the input holds no Secret at all: references cannot be checked
    DENIED = "denied"  # a live source was refused (RBAC / admin-only API)


@dataclass(slots=True)
class LoadResult:
    resources: list[Resource] = field(default_factory=list)
    documents: list[DocumentRecord] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    secrets: SecretsCoverage | None = None  # None: decide from the resources
    secrets_note: str = ""  # why Secrets are absent/denied (shown in the coverage note)
    detected_version: str | None = None  # e.g. from a live Kuma API `GET /`
    # kinds a live source listed successfully (every page, every mesh): finding none of them is a fact
    listed_kinds: frozenset[Kind] = frozenset()
    # where detected_version came from: "api" (live Kuma API) or "control-plane" (a kuma-cp image tag in the
    # input); `version_evidence` says what was seen, also when it named no usable version (a digest-only image)
    version_source: str = ""
    version_evidence: str = ""
    detected_zone: str | None = None  # the zone the control plane runs as (API `GET /config`, kuma-cp env)
    zone_source: str = ""  # "api" or "control-plane"
    zone_evidence: str = ""

    def extend(self, other: LoadResult) -> None:
        self.resources.extend(other.resources)
        self.documents.extend(other.documents)
        self.findings.extend(other.findings)
        self.listed_kinds = self.listed_kinds | other.listed_kinds
        if other.secrets is not None and self.secrets is not SecretsCoverage.DENIED:
            self.secrets = other.secrets
            self.secrets_note = other.secrets_note or self.secrets_note
        if other.detected_version:  # a later source (a what-if overlay) wins, with what it says about itself
            self.detected_version = other.detected_version
            self.version_source, self.version_evidence = other.version_source, other.version_evidence
        elif other.version_evidence and not self.detected_version:
            self.version_evidence = other.version_evidence
        if other.detected_zone:
            self.detected_zone, self.zone_source, self.zone_evidence = (
                other.detected_zone, other.zone_source, other.zone_evidence)


# --- the report every surface reads ---------------------------------------------------------------


@dataclass(slots=True)
class ServiceOutcome:
    """Everything MES Doctor concludes about one MeshExternalService."""

    resource: Resource  # redacted copy (no inline TLS material in `raw`)
    status: ServiceStatus
    included: bool  # in the target control plane's egress endpoint map
    admission_valid: bool  # would reach the store (no write-stage error)
    reachable: bool  # reachable from the selected zone
    destination: Destination | None
    findings: list[Finding]
    references: list[SecretReference]
    certificates: list[CertificateRecord]
    tls_mode: str  # "disabled", or the verification mode (`Secured`, `SkipSAN`...)
    earliest_expiry: datetime | None
    included_on_2_9: bool  # what a 2.9.x control plane would do with the same input
    dropped_by: ResourceRef | None = None  # 2.9 cascade culprit (when dropped collaterally)
    log_lines: list[str] = field(default_factory=list)  # predicted kuma-cp log lines
    # the 2.9 cascade, whatever the target (core.report.cascade): "culprit" | "latent-culprit" | "victim" | None,
    # and the core names (loop order) of every MES whose TLS material must load for this one to be in a 2.9.x
    # map: () when it already is, None when fixing TLS would not put it there (out of zone, rejected, no mTLS)
    cascade_role: str | None = None
    restore_on_29: tuple[str, ...] | None = None
    # (hostname, HostnameGenerator core name) the MES gets, each generator's template rendered in Kuma's order
    hostnames: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class Report:
    now: datetime
    kuma_version: str
    version_reason: str
    zone: str
    system_namespace: str
    expiry_warning_days: int
    services: list[ServiceOutcome]
    secret_references: list[SecretReference]
    certificates: list[CertificateRecord]
    findings: list[Finding]  # every finding, sorted (services, Secrets, Meshes, input documents)
    coverage: list[Finding]  # the MES9xx notes (also in `findings`)
    documents: list[DocumentRecord]
    resources: list[Resource]  # redacted copies of every loaded resource
    endpoint_map: EndpointMap  # target version
    legacy_map: EndpointMap  # the same input on a 2.9.x control plane
    inputs_digest: str = ""
    # on a 2.9 target (where endpoint_map is legacy_map): the same input on a control plane that isolates a
    # failing MES (core.analysis.ISOLATING_VERSION), to show side by side with 2.9.x what isolation keeps
    isolated_map: EndpointMap | None = None
    zone_reason: str = ""  # how the zone was chosen, like version_reason ("auto: ZoneEgress … is in zone …")
    zones: dict[str, int] = field(default_factory=dict)  # MES per written `kuma.io/zone` ("" unlabelled), most first
    version_detected: bool = False  # the version came from the control plane (kuma-cp image tag, API)
    version_source: str = ""  # "chosen" | "control-plane" | "api" | "shape" | "default"
    # the input holds every resource of these kinds (`--complete`, or a live source listed them)
    complete: bool = False
    known_kinds: tuple[str, ...] = ()
    # the merge gate (core.gate.apply.apply_gate, run by the CLI): a core.gate.result.GateResult, or None when none
    # ran. Typed Any and left out of __init__ so the model needs no import of core.gate (which imports the model)
    # and a snapshot (core.report.snapshot, the dashboard's: never gated) does not carry it
    gate: Any = field(default=None, init=False, compare=False, repr=False)

    def service(self, mesh: str, name: str) -> ServiceOutcome | None:
        """Find a service by mesh and name (as written, or core name)."""
        for s in self.services:
            r = s.resource
            if r.mesh == mesh and name in (r.name, r.core_name):
                return s
        return None
