"""Turn the pipeline's context into the Report: one outcome per MES, everything sorted."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from core.context import Context
from core.model import (
    EndpointMap,
    Finding,
    LoadResult,
    Report,
    Resource,
    SecretReference,
    ServiceOutcome,
    ServiceStatus,
    Severity,
)
from core.report.cascade import cascade_roles
from core.secrets.logs import sidecar_log_line
from core.versions import VersionChoice
from core.zone_choice import ZoneChoice, zones_of


def assemble(ctx: Context, load: LoadResult, findings: list[Finding], choice: VersionChoice,
             zone: ZoneChoice | None = None) -> Report:
    target = ctx.target_map or EndpointMap(version=str(ctx.version), zone=ctx.options.zone_name)
    legacy = ctx.legacy_map or target
    roles = cascade_roles(ctx.index.services, legacy)
    by_service: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        if f.resource is not None:
            by_service[f.resource.key].append(f)

    redacted = {id(r): r.redacted() for r in ctx.index.by_key.values()}
    services: list[ServiceOutcome] = []
    for mes in ctx.index.services:
        key = mes.key
        own = sorted(by_service.get(key, []), key=Finding.sort_key)
        references = ctx.references.get(key, [])
        certificates = ctx.certificates.get(key, [])
        exclusion = target.excluded.get(key)
        legacy_exclusion = legacy.excluded.get(key)
        culprit = legacy_exclusion.culprit if legacy_exclusion and legacy_exclusion.reason == "cascade" else None
        destination = target.included.get(key) or (exclusion.destination if exclusion else None)
        services.append(
            ServiceOutcome(
                resource=redacted[id(mes)],
                status=service_status(own),
                included=key in target.included,
                admission_valid=ctx.admission_valid(key),
                reachable=not (exclusion and exclusion.reason == "unreachable-zone"),
                destination=destination,
                findings=own,
                references=list(references),
                certificates=list(certificates),
                tls_mode=tls_mode(mes),
                earliest_expiry=min((c.not_after for c in certificates), default=None),
                included_on_2_9=key in legacy.included,
                dropped_by=culprit,
                log_lines=_log_lines(ctx, mes, references),
                hostnames=_hostnames(ctx, key),
                cascade_role=roles[key].role if key in roles else None,
                restore_on_29=roles[key].restore if key in roles else None,
            )
        )

    ordered = sorted(findings, key=Finding.sort_key)
    return Report(
        now=ctx.now,
        kuma_version=str(ctx.version),
        version_reason=choice.reason,
        zone=ctx.options.zone_name,
        system_namespace=ctx.options.system_namespace,
        expiry_warning_days=ctx.options.expiry_warning_days,
        services=services,
        secret_references=[r for s in services for r in s.references],
        certificates=[c for s in services for c in s.certificates],
        findings=ordered,
        coverage=[f for f in ordered if f.code.startswith("MES9")],
        documents=list(load.documents),
        resources=list(redacted.values()),
        endpoint_map=target,
        legacy_map=legacy,
        complete=ctx.options.complete,
        known_kinds=tuple(sorted(kind.value for kind in ctx.known_kinds)),
        zone_reason=zone.reason if zone else f"chosen: zone {ctx.options.zone_name}",
        zones=zones_of(ctx.index.services),
        version_detected=choice.detected,
        version_source=choice.source,
    )


def _hostnames(ctx: Context, key: str) -> list[tuple[str, str]]:
    """The hostnames the MES gets (HostnameGenerator templates rendered, collisions resolved)."""
    from core.neighbours.hostnames import rendering

    return [(o.hostname, o.generator.name) for o in rendering(ctx).outcomes.get(key, []) if o.hostname]


def _log_lines(ctx: Context, mes: Resource, references: list[SecretReference]) -> list[str]:
    """What kuma-cp logs for the MES: kuma-cp stops at the first data source that fails to load, so
    one egress line; 2.10+ log the same error again while building the sidecars' endpoints to the
    egress (reference 5.7)."""
    first = next((r for r in references if r.log_line), None)
    if first is None or first.log_line is None:
        return []
    lines = [first.log_line]
    if first.error_chain:
        sidecar = sidecar_log_line(ctx.version, mes.core_name, mes.mesh, first.error_chain)
        if sidecar is not None:
            lines.append(sidecar)
    return lines


def service_status(findings: list[Finding]) -> ServiceStatus:
    """`broken` when any error applies (traffic will fail), `warning` when any warning, else healthy.

    Info findings (notes, coverage) never change the status.
    """
    severities = {f.severity for f in findings}
    if Severity.ERROR in severities:
        return ServiceStatus.BROKEN
    if Severity.WARNING in severities:
        return ServiceStatus.WARNING
    return ServiceStatus.HEALTHY


def tls_mode(mes: Resource) -> str:
    tls: Any = mes.spec.get("tls") if isinstance(mes.spec, dict) else None
    if not isinstance(tls, dict) or tls.get("enabled") is not True:
        return "disabled"
    verification = tls.get("verification")
    mode = verification.get("mode") if isinstance(verification, dict) else None
    return mode if isinstance(mode, str) and mode else "Secured"
