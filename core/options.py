"""What the user chooses for an analysis: target version, zone, namespace, window, clock, limits."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

DEFAULT_SYSTEM_NAMESPACE = "kuma-system"
DEFAULT_ZONE = "default"
DEFAULT_EXPIRY_WARNING_DAYS = 30


@dataclass(frozen=True, slots=True)
class Limits:
    """Protective limits; reaching one is a finding (MES003/MES008/MES010), never a crash.

    Each limit ends the least it can: a file-level limit (size, documents, parse time, nodes of a
    document) ends that file or document and never the files after it. What they bound, and the memory
    that follows from them, is documented in docs/deploy.md ("Memory and time limits").
    """

    max_file_bytes: int = 32 * 1024 * 1024
    max_total_bytes: int = 256 * 1024 * 1024  # a file that would cross it is not read; smaller later ones are
    max_documents: int = 200_000  # per file; empty documents (`---` alone, `{}`, `[]`, null) do not count
    max_depth: int = 64
    max_alias_nodes: int = 10_000  # nodes an alias may expand to, summed over a document
    max_alias_bytes: int = 1024 * 1024  # text (scalars and keys) aliases may expand to, summed over a document
    # YAML nodes one document may have: this many, plus one per `node_allowance_bytes` characters of its file
    max_document_nodes: int = 250_000
    node_allowance_bytes: int = 24
    max_findings_per_code: int = 50  # per code and file (or resource); one MES010 finding counts the rest
    max_name_chars: int = 1024  # of a name, namespace or mesh (Kubernetes and Kuma accept 253); a longer one: skipped
    max_archive_members: int = 10_000
    max_archive_ratio: int = 200  # uncompressed / compressed
    max_archive_total_bytes: int = 256 * 1024 * 1024
    max_parse_seconds: float = 60.0  # per file

    def document_nodes(self, file_chars: int) -> int:
        """The node limit of each document of a file of `file_chars` characters."""
        return self.max_document_nodes + file_chars // max(self.node_allowance_bytes, 1)


@dataclass(frozen=True, slots=True)
class AnalysisOptions:
    kuma_version: str = "auto"  # "auto" or one of core.versions.SUPPORTED
    zone: str | None = None  # None: detected from the input (core.zone_choice), else DEFAULT_ZONE
    system_namespace: str = DEFAULT_SYSTEM_NAMESPACE
    expiry_warning_days: int = DEFAULT_EXPIRY_WARNING_DAYS
    now: datetime | None = None  # None = the wall clock at analysis time
    federated: bool = False  # the zone is connected to a Global CP (origin label rules)
    # the input holds every Secret, ZoneEgress, MeshIdentity and Dataplane of the zone (`--complete`): the
    # absence of one of those kinds is then a finding, not a "not checked" note (core.context.COMPLETE_KINDS)
    complete: bool = False
    limits: Limits = field(default_factory=Limits)

    @property
    def zone_name(self) -> str:
        """The zone to model when no detection ran (a resolved analysis always has `zone` set)."""
        return self.zone or DEFAULT_ZONE

    def resolved_now(self) -> datetime:
        now = self.now or datetime.now(UTC)
        return now if now.tzinfo else now.replace(tzinfo=UTC)

    def digest(self) -> str:
        """Stable digest of the options (for cache keys)."""
        data = asdict(self)
        data["now"] = self.now.isoformat() if self.now else None
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
