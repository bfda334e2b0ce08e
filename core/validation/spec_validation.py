"""Schema and Kuma-validator violations of one MES, reconciled into what an operator should read.

Both layers run on the defaulted spec. Where they report the same field, Kuma's validator text
wins (it is the exact message the reference documents); where the schema reports a missing or
wrongly typed object, validator complaints about its members are dropped (they only restate
that the object is missing). On 3.0, unknown legacy members (`secret`, `inline`,
`inlineString`) of a data source without `type` are left to D6 (MES129), which explains them.

The semantic warnings of the defaulted spec (MES150-MES159, `semantic.warnings`) are computed
with it and kept in the result, so the checks that report them share one lookup of the spec.
"""

from __future__ import annotations

from typing import Any

from core.model import Resource
from core.records import record
from core.validation.defaults import apply_defaults
from core.validation.kuma_validator import kuma_violations
from core.validation.schema import LEGACY_DATA_SOURCE_KEYS
from core.validation.semantic import NO_WARNINGS, Warnings, warnings
from core.validation.structural import UNKNOWN_FIELD, defaulted_schema_violations, schema_violations
from core.validation.violation import Violation, is_under
from core.versions import KumaVersion


@record
class SpecValidation:
    spec: dict[str, Any]  # the defaulted spec both layers validated
    schema: tuple[Violation, ...]
    kuma: tuple[Violation, ...]
    warnings: Warnings = NO_WARNINGS  # the semantic warnings of `spec`


def validate_spec(mes: Resource, version: KumaVersion) -> SpecValidation:
    spec, schema = defaulted_spec(mes, version)
    kuma = kuma_violations(mes, version, spec)
    found = warnings(spec, version)
    if not schema and not kuma:
        return SpecValidation(spec, (), (), found)

    missing = [s.path for s in schema if s.rule in ("required", "type")]
    kuma = [k for k in kuma if not any(is_under(k.path, parent) for parent in missing)]
    kuma_paths = {k.path for k in kuma}
    d6_paths = {k.path.removesuffix(".type") for k in kuma if k.rule == "D6"}
    schema = [s for s in schema if s.path not in kuma_paths and not _explained_by_d6(s, d6_paths)]
    return SpecValidation(spec, tuple(schema), tuple(kuma), found)


def defaulted_spec(mes: Resource, version: KumaVersion) -> tuple[dict[str, Any], list[Violation]]:
    """`apply_defaults` and the schema violations of the defaulted spec (of the spec as written
    when it is not a mapping), in one pass when `defaulted_schema_violations` can."""
    fused = defaulted_schema_violations(mes, version)
    if fused is not None:
        return fused
    spec = apply_defaults(mes, version)
    raw_spec: Any = spec if isinstance(mes.spec, dict) else mes.spec
    return spec, schema_violations(raw_spec, version, mes.flavour)


def _explained_by_d6(violation: Violation, d6_sources: set[str]) -> bool:
    if violation.code != UNKNOWN_FIELD:
        return False
    parent, _, key = violation.path.rpartition(".")
    return key in LEGACY_DATA_SOURCE_KEYS and parent in d6_sources
