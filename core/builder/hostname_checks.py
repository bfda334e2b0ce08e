"""SNIs and hostname status (MES506, MES507, MES517); rendered hostnames and their collisions (MES505) are in
core/neighbours/hostnames.py."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from core.builder.labels import ORIGIN, is_present_in_zone, labels_of
from core.builder.paths import origin_at
from core.catalogue import finding
from core.context import Context
from core.model import Finding, Resource

_FAILED_REASONS = ("Collision", "TemplateError")


def check_duplicate_sni(ctx: Context) -> Iterator[Finding]:
    """MES517 the legacy egress SNI (display name + mesh + port) is shared; the first in list order wins."""
    if ctx.target_map is None or ctx.version.uses_kri_names:
        return
    first: dict[str, Resource] = {}
    for mes in ctx.index.services:  # Kuma list order
        dest = ctx.target_map.included.get(mes.key)
        if dest is None:
            continue
        winner = first.setdefault(dest.legacy_sni, mes)
        if winner is mes:
            continue
        yield finding(
            "MES517",
            f"{mes.core_name} has the same legacy egress SNI as {winner.core_name} ({dest.legacy_sni}): only "
            f"{winner.core_name}, first in sort order, gets an egress filter chain, so traffic for "
            f"{mes.core_name} is handled by {winner.core_name}'s filter chain.",
            mes.ref, related=(winner.ref,),
            hint="Rename one of them (the SNI hashes display name and mesh, not zone or namespace), or use a "
                 "different match port.",
        )


def check_status_addresses(ctx: Context, mes: Resource) -> Iterator[Finding]:
    """MES506 an exported zone MES has a status without `vip.ip` / `addresses`.

    Conservative: only when the manifest has a `status` mapping and its own labels show it was
    stored on a zone CP (`kuma.io/origin` set), it is present in the selected zone and valid.
    """
    status = mes.status
    if not isinstance(status, Mapping) or not ctx.admission_valid(mes.key):
        return
    written_origin = mes.labels.get(ORIGIN) if isinstance(mes.labels, Mapping) else None
    if written_origin not in ("zone", "global"):
        return
    if not is_present_in_zone(labels_of(ctx, mes), ctx.options.zone_name):
        return
    vip = status.get("vip")
    missing = []
    if not (isinstance(vip, Mapping) and isinstance(vip.get("ip"), str) and vip.get("ip")):
        missing.append("status.vip.ip")
    addresses = status.get("addresses")
    if not (isinstance(addresses, list) and addresses):
        missing.append("status.addresses")
    if not missing:
        return
    yield finding(
        "MES506",
        f"{mes.core_name} was exported from a zone but has no {' / '.join(f'`{m}`' for m in missing)}: sidecars "
        "get an outbound listener and DNS name for an MES only once the zone CP has allocated a VIP "
        "(and a HostnameGenerator a hostname).",
        mes.ref, path=missing[0], origin=origin_at(mes, "status"),
        hint="Check that `meshservices` is in KUMA_CORE_RESOURCES_ENABLED, that the default HostnameGenerators "
             "exist, and look for a `Collision`/`TemplateError` condition. On a Global CP this is normal.",
        fix=f"kumactl get meshexternalservice {mes.core_name} -m {mes.mesh} -o yaml",
    )


def check_generator_conditions(ctx: Context, mes: Resource) -> Iterator[Finding]:
    """MES507 `status.hostnameGenerators[].conditions` with reason Collision or TemplateError."""
    if not isinstance(mes.status, Mapping) or not ctx.admission_valid(mes.key):
        return
    generators = mes.status.get("hostnameGenerators")
    for i, generator in enumerate(generators if isinstance(generators, list) else ()):
        if not isinstance(generator, Mapping):
            continue
        name = _generator_name(generator.get("hostnameGeneratorRef"))
        conditions = generator.get("conditions")
        for j, cond in enumerate(conditions if isinstance(conditions, list) else ()):
            if not isinstance(cond, Mapping) or cond.get("reason") not in _FAILED_REASONS:
                continue
            path = f"status.hostnameGenerators[{i}].conditions[{j}].reason"
            reason = cond["reason"]
            detail = cond.get("message") if isinstance(cond.get("message"), str) else ""
            hint = ("Another MES of the mesh has the same display name; rename one (MES505)."
                    if reason == "Collision" else
                    "Fix the HostnameGenerator template (a missing label gives `label <key> not found`).")
            yield finding(
                "MES507",
                f"HostnameGenerator {name} reports `{reason}` for {mes.core_name}"
                + (f": {detail}" if detail else "") + "; the MES gets no hostname from it.",
                mes.ref, path=path, origin=origin_at(mes, path), hint=hint,
            )


def _generator_name(ref: Any) -> str:
    if isinstance(ref, Mapping) and isinstance(ref.get("coreName"), str):
        return ref["coreName"]
    return "(unnamed)"

