"""Certificate and key inspection for every loaded TLS data source (pipeline stage after `resolve`).

Fills `ctx.certificates[mes.key]` (one `CertificateRecord` per certificate reached through
`caCert` / `clientCert`) and `ctx.material_findings[mes.key]` (MES3xx findings), both in Kuma's
load order. Material is parsed once per content digest (`core.certs.cache`).
"""

from __future__ import annotations

from core.catalogue import finding
from core.certs import cache, evaluate
from core.certs.material import ParsedMaterial
from core.context import Context
from core.model import CertificateRecord, Finding, Resource, SecretReference
from core.secrets.remedies import store_command


def inspect(ctx: Context, materials: dict[str, bytes]) -> None:
    window = ctx.options.expiry_warning_days
    by_key = {mes.key: mes for mes in ctx.index.services}
    for service_key, references in ctx.references.items():
        mes = by_key.get(service_key)
        if mes is None:
            continue
        parsed: dict[str, tuple[SecretReference, ParsedMaterial]] = {}
        records: list[CertificateRecord] = []
        problems: list[evaluate.Problem] = []

        def store(ref: SecretReference, file: str, mes: Resource = mes) -> str:
            return store_command(ctx, mes, ref, file)

        service = endpoint = None
        for ref in references:
            digest = ref.material_sha256
            if not digest or digest not in materials:
                continue
            if service is None:
                service, endpoint = mes.ref, _first_endpoint(mes)
            material = cache.parsed(digest, materials[digest])
            parsed[ref.field] = (ref, material)
            records += evaluate.records(service, ref, material, ctx.now, window)
            problems += evaluate.problems(ref, material, ctx.now, window, store, endpoint)
        if "clientCert" in parsed and "clientKey" in parsed:
            (cert_ref, cert), (key_ref, key_material) = parsed["clientCert"], parsed["clientKey"]
            problems += evaluate.pair_problems(cert_ref, cert, key_ref, key_material, store)
        findings = _findings(mes, references, _dedupe(problems))
        if records:
            ctx.certificates[service_key] = records
        if findings:
            ctx.material_findings[service_key] = findings


def _dedupe(problems: list[evaluate.Problem]) -> list[evaluate.Problem]:
    """One chain-order finding per data source is enough (the chain check and the key check can
    both notice it)."""
    seen: set[tuple[str, str]] = set()
    out: list[evaluate.Problem] = []
    for p in problems:
        if p.code == "MES306":
            if (p.code, p.field) in seen:
                continue
            seen.add((p.code, p.field))
        out.append(p)
    return out


def _findings(mes: Resource, references: list[SecretReference], problems: list[evaluate.Problem]) -> list[Finding]:
    by_field = {r.field: r for r in references}
    out: list[Finding] = []
    for p in problems:
        ref = by_field.get(p.field)
        path = f"spec.tls.verification.{p.field}"
        out.append(finding(
            p.code, p.message, mes.ref, path=path, hint=p.hint, fix=p.fix,
            origin=mes.origin.at_line(mes.line_of(path)),
            related=(ref.matched,) if ref is not None and ref.matched is not None else (),
        ))
    return out


def _first_endpoint(mes: Resource) -> str | None:
    endpoints = mes.spec.get("endpoints") if isinstance(mes.spec, dict) else None
    if not isinstance(endpoints, list) or not endpoints or not isinstance(endpoints[0], dict):
        return None
    address, port = endpoints[0].get("address"), endpoints[0].get("port")
    if not isinstance(address, str) or not address or ":" in address:
        return None
    return f"{address}:{port}" if isinstance(port, int) and not isinstance(port, bool) else None
