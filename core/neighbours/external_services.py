"""Legacy ExternalService next to MeshExternalService (MES650-MES652).

* 3.0 removed ExternalService (CRD, API, webhook, KDS): applying one fails and a stored one is gone after the
  upgrade (`master:UPGRADE.md` "Legacy `ExternalService` resource removed") - MES650, with the migrated MES;
* 2.9-2.14 serve both, and the docs say not to mix them for one destination: an ExternalService and an MES of
  the same mesh that send to the same host - MES651;
* 2.9-2.14: a note that the resource is legacy and how to migrate - MES652.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from core.builder.spec import view_of
from core.catalogue import finding
from core.context import Context
from core.migrate.external_service import convert, split_host_port
from core.migrate.render import render_yaml
from core.model import Finding, Kind, Resource
from core.versions import KumaVersion


def externals(ctx: Context) -> list[Resource]:
    return sorted(ctx.index.of_kind.get(Kind.EXTERNAL_SERVICE, []), key=lambda r: r.key)


def _host(es: Resource) -> tuple[str, int] | None:
    networking = es.spec.get("networking") if isinstance(es.spec, Mapping) else None
    address = networking.get("address") if isinstance(networking, Mapping) else None
    return split_host_port(address) if isinstance(address, str) else None


def _migrated(ctx: Context, es: Resource) -> str:
    taken = {(m.mesh, m.display_name) for m in ctx.index.services}
    migration = convert(es, KumaVersion(3, 0), system_namespace=ctx.options.system_namespace,
                        federated=ctx.options.federated, taken=taken)
    return render_yaml([migration], "3.0", ctx.options.system_namespace) if migration.converted else ""


def check_removed(ctx: Context) -> Iterator[Finding]:
    """MES650 (3.0): a legacy ExternalService, which 3.0 no longer has."""
    if ctx.version.major < 3:
        return
    for es in externals(ctx):
        yield finding(
            "MES650",
            f"ExternalService {es.core_name} (mesh {es.mesh}) cannot exist on Kuma 3.0: the resource, its CRD, API "
            "and webhook are removed, so applying it fails and a stored one is gone after the upgrade, with the "
            "traffic it carried. Migrate it to a MeshExternalService first.",
            es.ref, origin=es.origin,
            hint="`mesdoctor migrate` writes the equivalent MeshExternalService (the fix below) and says what does "
                 "not carry over; change the clients to the MES hostname.",
            fix=_migrated(ctx, es),
        )


def check_mixed(ctx: Context) -> Iterator[Finding]:
    """MES651 (2.9-2.14): an ExternalService and an MES of the same mesh send to the same host."""
    legacy = externals(ctx)
    if ctx.version.major >= 3 or not legacy:
        return
    for mes in ctx.index.services:
        endpoints = {(e.address.lower().rstrip("."), e.port) for e in view_of(ctx, mes).endpoints}
        hosts = {address for address, _ in endpoints}
        for es in legacy:
            target = _host(es)
            if es.mesh != mes.mesh or target is None or target[0].lower().rstrip(".") not in hosts:
                continue
            same_port = (target[0].lower().rstrip("."), target[1]) in endpoints
            yield finding(
                "MES651",
                f"ExternalService {es.core_name} and {mes.core_name} both send to {target[0]}"
                f"{f':{target[1]}' if same_port else ''} in mesh {mes.mesh}. Kuma's documentation says not to mix "
                "them for one destination: they take different paths (ExternalService: the sidecar, or the egress "
                "with `routing.zoneEgress`; MES: always the egress), with their own TLS settings and policies, so "
                "clients behave differently depending on the name they call.",
                mes.ref, related=(es.ref,),
                hint=f"Keep the MES and delete ExternalService {es.core_name} (`mesdoctor migrate` shows what it did "
                     "that the MES must take over), then move its clients to the MES hostname.",
            )


def check_legacy(ctx: Context) -> Iterator[Finding]:
    """MES652 (2.9-2.14): a note on each legacy ExternalService."""
    if ctx.version.major >= 3:
        return
    for es in externals(ctx):
        yield finding(
            "MES652",
            f"ExternalService {es.core_name} (mesh {es.mesh}) is the legacy way to reach an external host; Kuma 3.0 "
            "removes it. Kuma {0} serves it, but plan the migration to a MeshExternalService.".format(ctx.version),
            es.ref, origin=es.origin,
            hint="`mesdoctor migrate --kuma-version 3.0 <files>` writes the equivalent MeshExternalService.",
        )
