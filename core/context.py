"""The state shared by the pipeline stages of one analysis."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from core.index import Index
from core.model import CertificateRecord, EndpointMap, Finding, Kind, SecretReference, SecretsCoverage
from core.options import DEFAULT_ZONE, AnalysisOptions
from core.versions import KumaVersion

T = TypeVar("T")

# what `AnalysisOptions.complete` vouches for: the input holds every resource of these kinds in the zone
COMPLETE_KINDS = frozenset({Kind.SECRET, Kind.ZONE_EGRESS, Kind.MESH_IDENTITY, Kind.DATAPLANE})


@dataclass(slots=True)
class Context:
    options: AnalysisOptions
    version: KumaVersion
    now: datetime
    index: Index
    secrets_coverage: SecretsCoverage
    secrets_note: str = ""
    # kinds whose absence is a fact, not a gap of the input: listed by a live source, or vouched for
    # by `options.complete` (see `known`)
    known_kinds: frozenset[Kind] = frozenset()
    # filled stage by stage, keyed by the MES resource key
    validation: dict[str, list[Finding]] = field(default_factory=dict)
    references: dict[str, list[SecretReference]] = field(default_factory=dict)
    certificates: dict[str, list[CertificateRecord]] = field(default_factory=dict)
    material_findings: dict[str, list[Finding]] = field(default_factory=dict)
    target_map: EndpointMap | None = None
    legacy_map: EndpointMap | None = None
    # values derived once per analysis and read by many checks (spec views, effective labels,
    # name indexes...), keyed by (purpose, key): see `cached`
    memo: dict[tuple[str, Any], Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # the analysis resolves the zone (core.zone_choice) before it builds the context; a context built
        # directly from options without one models zone `default`, so every stage can read `options.zone` as a str
        if self.options.zone is None:
            self.options = replace(self.options, zone=DEFAULT_ZONE)

    def admission_valid(self, service_key: str) -> bool:
        """Would the MES reach the store? (no error at the write stage)"""
        return not any(
            f.severity == "error" and f.stage == "write" for f in self.validation.get(service_key, ())
        )

    def known(self, kind: Kind) -> bool:
        """Whether the input holds every resource of `kind` (so none found means none exists)."""
        return kind in self.known_kinds

    def cached(self, purpose: str, key: Any, compute: Callable[[], T]) -> T:
        """`compute()` once per analysis for (`purpose`, `key`); later calls return the same value.

        For values that depend only on the input and the options, never on what a check did:
        the pipeline never changes a resource, so an entry cannot go stale. Callers must treat
        the value as read-only.
        """
        entry = (purpose, key)
        memo = self.memo
        if entry in memo:
            return memo[entry]  # type: ignore[no-any-return]
        value = memo[entry] = compute()
        return value

    def per_resource(self, purpose: str, resource: Any, compute: Callable[[Any], T]) -> T:
        """`compute(resource)` once per analysis and resource object (same contract as `cached`).

        Keyed by the object's identity, which is cheaper than its key; the memo holds the object,
        so no other object can take over its id while the entry exists.
        """
        entry = (purpose, id(resource))
        held = self.memo.get(entry)
        if held is None or held[0] is not resource:
            held = self.memo[entry] = (resource, compute(resource))
        return held[1]  # type: ignore[no-any-return]
