"""The state shared by the pipeline stages of one analysis."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.index import Index
from core.model import CertificateRecord, EndpointMap, Finding, SecretReference, SecretsCoverage
from core.options import AnalysisOptions
from core.versions import KumaVersion


@dataclass(slots=True)
class Context:
    options: AnalysisOptions
    version: KumaVersion
    now: datetime
    index: Index
    secrets_coverage: SecretsCoverage
    secrets_note: str = ""
    # filled stage by stage, keyed by the MES resource key
    validation: dict[str, list[Finding]] = field(default_factory=dict)
    references: dict[str, list[SecretReference]] = field(default_factory=dict)
    certificates: dict[str, list[CertificateRecord]] = field(default_factory=dict)
    material_findings: dict[str, list[Finding]] = field(default_factory=dict)
    target_map: EndpointMap | None = None
    legacy_map: EndpointMap | None = None

    def admission_valid(self, service_key: str) -> bool:
        """Would the MES reach the store? (no error at the write stage)"""
        return not any(
            f.severity == "error" and f.stage == "write" for f in self.validation.get(service_key, ())
        )
