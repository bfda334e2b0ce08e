"""MES3xx findings on certificates and keys, computed by `core.certs.inspect` during the pipeline."""

from __future__ import annotations

from collections.abc import Iterable

from core.checks.base import Check, Phase, Scope
from core.context import Context
from core.model import Finding, Resource

CODES = tuple(f"MES3{n:02d}" for n in range(1, 20))


def material_findings(ctx: Context, mes: Resource) -> Iterable[Finding]:
    return list(ctx.material_findings.get(mes.key, ()))


CHECKS: tuple[Check, ...] = (
    Check("MES301-certificates-and-keys", CODES, Scope.SERVICE, Phase.DIAGNOSE, material_findings,
          "PEM/DER sanity, CA bundle and client chain checks, key match, expiry and strength."),
)
