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
from core.model import CertificateRecord, Finding, Kind, Resource, SecretReference
from core.secrets.remedies import store_command


def inspect(ctx: Context, materials: dict[str, bytes]) -> None:
    window = ctx.options.expiry_warning_days
    now = ctx.now
    by_key = ctx.index.by_key  # references are keyed by their MES's key
    # Whether material has problems depends only on the material, the role it plays (the field) and
    # the clock, never on the MES or Secret that references it (they only appear in the messages):
    # material found clean once in a role is not judged again (most references are clean, and a
    # CA bundle or client pair is often shared by many MES).
    clean: set[tuple[str, str]] = set()  # (field, digest), and (clientCert digest, clientKey digest)
    # Each distinct material once per analysis: its parsed facts and its certificates' record rows
    # (they depend on the material and the clock only). In order of last use, for the cache.
    known: dict[str, tuple[ParsedMaterial, tuple[evaluate.Row, ...]]] = {}
    reused = 0
    for service_key, references in ctx.references.items():
        mes = by_key.get(service_key)
        if mes is None or mes.kind is not Kind.MESH_EXTERNAL_SERVICE:
            continue
        parsed: dict[str, tuple[SecretReference, ParsedMaterial, str]] = {}
        records: list[CertificateRecord] = []
        problems: list[evaluate.Problem] = []
        store: evaluate.Store | None = None
        service = None
        for ref in references:
            digest = ref.material_sha256
            if not digest:
                continue
            held = known.pop(digest, None)
            if held is not None:
                reused += 1
            elif digest in materials:
                material = cache.parsed(digest, materials[digest])
                held = (material, evaluate.rows(material, now, window))
            else:
                continue
            known[digest] = held
            if service is None:
                service = mes.ref
            material, rows = held
            field = ref.field
            parsed[field] = (ref, material, digest)
            if rows:
                records += evaluate.records_from(service, ref, rows)
            if (field, digest) not in clean:
                if store is None:
                    store = _store(ctx, mes)
                found = evaluate.problems(ref, material, now, window, store, _first_endpoint(mes))
                if found:
                    problems += found
                else:
                    clean.add((field, digest))
        if "clientCert" in parsed and "clientKey" in parsed:
            (cert_ref, cert, cert_digest), (key_ref, key_material, key_digest) = (parsed["clientCert"],
                                                                                  parsed["clientKey"])
            if (cert_digest, key_digest) not in clean:
                if store is None:
                    store = _store(ctx, mes)
                found = evaluate.pair_problems(cert_ref, cert, key_ref, key_material, store)
                if found:
                    problems += found
                else:
                    clean.add((cert_digest, key_digest))
        if records and "clientCert" in parsed:
            key = parsed.get("clientKey")
            configured = any(r.field == "clientKey" for r in references)
            status = evaluate.key_pair_status(parsed["clientCert"][1], key[1] if key else None, configured)
            records = evaluate.with_key_pair(records, status)
        if records:
            ctx.certificates[service_key] = records
        if problems:
            ctx.material_findings[service_key] = _findings(mes, references, _dedupe(problems))
    cache.used_again(list(known), reused)


def _store(ctx: Context, mes: Resource) -> evaluate.Store:
    def store(ref: SecretReference, file: str) -> str:
        return store_command(ctx, mes, ref, file)

    return store


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
