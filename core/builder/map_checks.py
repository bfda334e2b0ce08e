"""Endpoint-map consequences for the TARGET version (MES501-MES504, MES518), read from `ctx.target_map`."""

from __future__ import annotations

from collections.abc import Iterator

from core.builder.build import CASCADE, NO_ENDPOINTS, TLS_LOAD_FAILED, UNREACHABLE_ZONE
from core.builder.labels import ZONE, labels_of
from core.builder.paths import ENDPOINTS, label_path, origin_at
from core.builder.spec import view_of
from core.builder.tls import first_failure, materials
from core.catalogue import finding
from core.context import Context
from core.model import Exclusion, Finding, Resource, SecretReference
from core.secrets.remedies import remedy

_WHY_NO_ENDPOINTS = {
    TLS_LOAD_FAILED: "its TLS material fails to load",
    CASCADE: "it was dropped by the 2.9 cascade",
    UNREACHABLE_ZONE: "its `kuma.io/zone` names another zone",
    NO_ENDPOINTS: "it has no endpoints",
}


def _exclusion(ctx: Context, mes: Resource, reason: str) -> Exclusion | None:
    if ctx.target_map is None:
        return None
    excl = ctx.target_map.excluded.get(mes.key)
    return excl if excl is not None and excl.reason == reason else None


def _failing_reference(ctx: Context, mes: Resource) -> SecretReference | None:
    return first_failure(materials(view_of(ctx, mes), ctx.references.get(mes.key, ())))


def _remedy(ctx: Context, mes: Resource | None, ref: SecretReference | None) -> tuple[str, str]:
    """(hint, fix) from the secret-reference remedies; empty when there is no failing reference."""
    if mes is None or ref is None:
        return "", ""
    return remedy(ctx, mes, ref)


def check_tls_load_failed(ctx: Context, mes: Resource) -> Iterator[Finding]:
    """MES501 kuma-cp cannot load the MES's TLS material and leaves it out of the egress map."""
    excl = _exclusion(ctx, mes, TLS_LOAD_FAILED)
    if excl is None:
        return
    ref = _failing_reference(ctx, mes)
    what = f"`{ref.field}` ({ref.message.removeprefix(f'{ref.field}: ')})" if ref else "its TLS material"
    scope = ("On 2.9 every later MES of the mesh is dropped with it (MES502)."
             if ctx.version.aborts_mes_loop_on_error else "Other MES are not affected.")
    log_line = excl.log_line or (ref.log_line if ref else None)
    message = (f"kuma-cp {ctx.version} cannot load {what} and leaves {mes.core_name} out of the zone egress "
               f"endpoint map. {scope}")
    if log_line:
        message += f" Predicted kuma-cp log: {log_line}"
    elif ref and ref.error_chain:
        message += f" Predicted kuma-cp error: {ref.error_chain}"
    path = ref.path if ref else "spec.tls.verification"
    hint, fix = _remedy(ctx, mes, ref)
    yield finding(
        "MES501", message, mes.ref, path=path, origin=origin_at(mes, path),
        related=(ref.matched,) if ref and ref.matched else (),
        hint=hint or (f"Make the reference resolvable: a mesh-scoped Secret of mesh {mes.mesh} with that name."),
        fix=fix,
    )


def check_cascade(ctx: Context, mes: Resource) -> Iterator[Finding]:
    """MES502 dropped because an earlier MES of the mesh fails (2.9 only, kumahq/kuma#12821)."""
    excl = _exclusion(ctx, mes, CASCADE)
    if excl is None or excl.culprit is None:
        return
    culprit = ctx.index.get(excl.culprit.key)
    ref = _failing_reference(ctx, culprit) if culprit is not None else None
    culprit_hint, culprit_fix = _remedy(ctx, culprit, ref)
    yield finding(
        "MES502",
        f"Kuma 2.9 drops {mes.core_name} for another MES's failure: {excl.culprit.core_name} sorts before it in mesh "
        f"{mes.mesh} and its TLS material fails to load, which aborts the mesh's MES loop (kumahq/kuma#12821). "
        f"kuma-cp logs nothing for {mes.core_name}.",
        mes.ref, related=(excl.culprit,),
        hint=f"Fix {excl.culprit.core_name}'s secret reference (or delete it), or upgrade to Kuma 2.10.0 or later, "
             "which isolates each MES." + (f" For {excl.culprit.core_name}: {culprit_hint}" if culprit_hint else ""),
        fix=culprit_fix,
    )


def check_lost_filter_chain(ctx: Context, mes: Resource) -> Iterator[Finding]:
    """MES503 inferred: the egress filter-chain loop stops before this MES (2.9-2.11)."""
    if ctx.target_map is None:
        return
    lost = ctx.target_map.lost_filter_chains.get(mes.key)
    if lost is None or lost.culprit is None:
        return
    dest = ctx.target_map.included.get(mes.key)
    cut = ctx.target_map.excluded.get(lost.culprit.key)
    why = _WHY_NO_ENDPOINTS.get(cut.reason, cut.reason) if cut else "it has no endpoints"
    sni = dest.egress_sni if dest else ""
    egress = _egress_name(ctx)
    yield finding(
        "MES503",
        f"Inferred from the Kuma {ctx.version} egress code (no upstream test confirms it): the egress listener "
        f"loop stops at {lost.culprit.core_name}, which sorts before {mes.core_name} in mesh {mes.mesh} and has "
        f"no egress endpoints ({why}). {mes.core_name} keeps its cluster but gets no filter chain for SNI {sni}, "
        "so connections are reset at the egress.",
        mes.ref, related=(lost.culprit,),
        hint=f"Verify in the egress config dump that no filter chain matches {sni}. Fix or remove "
             f"{lost.culprit.core_name}, or upgrade to Kuma 2.12.0 or later.",
        fix=f"kumactl inspect zoneegress {egress} --type=config-dump | grep -c '{sni}'",
    )


def _egress_name(ctx: Context) -> str:
    for egress in ctx.index.zone_egresses:
        return egress.core_name
    return "<zone-egress>"


def check_unreachable_zone(ctx: Context, mes: Resource) -> Iterator[Finding]:
    """MES504 note: `kuma.io/zone` names another zone (2.9-2.14)."""
    if _exclusion(ctx, mes, UNREACHABLE_ZONE) is None:
        return
    zone = labels_of(ctx, mes).get(ZONE, "")
    path = label_path(mes, ZONE)
    yield finding(
        "MES504",
        f"{mes.core_name} carries `kuma.io/zone: {zone}`, so only zone {zone}'s egress serves it; the egress of "
        f"the selected zone {ctx.options.zone_name} leaves it out.",
        mes.ref, path=path, origin=origin_at(mes, path),
        hint=f"Select zone {zone} to analyse it as its own egress sees it. A Global-created MES without the "
             "label is reachable from every zone.",
    )


def check_no_endpoints_on_egress(ctx: Context, mes: Resource) -> Iterator[Finding]:
    """MES518 Kuma 3.0 skips an MES with zero endpoints while building the egress endpoint map."""
    excl = _exclusion(ctx, mes, NO_ENDPOINTS)
    if excl is None:
        return
    extension = (" Its `extension` adds no endpoints: Kuma has no handler for it."
                 if view_of(ctx, mes).has_extension else "")
    sni = excl.destination.egress_sni if excl.destination else ""
    chain = f" for SNI {sni}" if sni else ""
    yield finding(
        "MES518",
        f"{mes.core_name} has no endpoints, so kuma-cp {ctx.version} skips it while building the zone egress "
        f"endpoint map: the egress gets no cluster and no filter chain{chain}, and connections to it fail at the "
        f"egress.{extension}",
        mes.ref, path=ENDPOINTS, origin=origin_at(mes, ENDPOINTS),
        hint="List the external endpoints in `spec.endpoints` (or delete the MES if it is unused).",
        fix="spec:\n  endpoints:\n    - address: api.example.com\n      port: 443\n",
    )
