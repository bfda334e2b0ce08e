"""The checks of the resources around an MES (Phase.DIAGNOSE): workload identity on mesh-scoped zone proxies
(MES408-MES412), upgrade warnings on the MES (MES161), routes (MES601-MES604), permissions (MES610-MES612),
policies (MES620, MES621), MeshPassthrough (MES630-MES633), HostnameGenerators (MES505, MES640-MES645) and
legacy ExternalService (MES650-MES652). Registered in `core.checks.registry`; target version only."""

from __future__ import annotations

from core.checks.base import Check, Phase, Scope
from core.neighbours import external_services as es
from core.neighbours import hostnames as host
from core.neighbours import identity_checks as ident
from core.neighbours import passthrough as mpt
from core.neighbours import permissions as mtp
from core.neighbours import policies as pol
from core.neighbours import routes, upgrade

_G, _S, _D = Scope.GLOBAL, Scope.SERVICE, Phase.DIAGNOSE

CHECKS: tuple[Check, ...] = tuple(sorted((
    Check("MES161-zone-label-ignored", ("MES161",), _S, _D, upgrade.check_zone_label_ignored,
          "3.0: kuma.io/zone on an MES no longer restricts it to one zone's egress."),
    Check("MES408-exclusive-mode", ("MES408",), _G, _D, ident.check_exclusive_mode,
          "2.14: a mesh-scoped zone egress needs meshServices.mode Exclusive."),
    Check("MES409-egress-identity", ("MES409",), _G, _D, ident.check_egress_identity,
          "The zone-egress Dataplane has a workload identity."),
    Check("MES410-client-identity", ("MES410", "MES411"), _G, _D, ident.check_client_identity,
          "Client proxies have a workload identity (MeshIdentity)."),
    Check("MES412-no-identity", ("MES412",), _G, _D, ident.check_no_identity,
          "A mesh served by workload identities has a MeshIdentity (when the input holds them all)."),
    Check("MES505-hostname-collision", ("MES505",), _G, _D, host.check_hostname_collision,
          "Rendered hostnames are unique per mesh (the first created keeps it)."),
    Check("MES601-route-ref-resolves", ("MES601",), _G, _D, routes.check_route_refs_resolve,
          "Route refs of kind MeshExternalService select an MES of the mesh."),
    Check("MES602-route-protocol", ("MES602",), _G, _D, routes.check_route_protocol,
          "A MeshHTTPRoute refers to HTTP-family MES only."),
    Check("MES603-route-ref-valid", ("MES603",), _G, _D, routes.check_route_refs_valid,
          "Route refs of kind MeshExternalService pass Kuma's validator."),
    Check("MES604-route-port", ("MES604",), _G, _D, routes.check_route_port,
          "A backendRef port to an MES is the MES's port (it is ignored)."),
    Check("MES610-egress-permissions", ("MES610", "MES611"), _G, _D, mtp.check_egress_permissions,
          "MeshTrafficPermission rules on the zone egress allow the clients (mesh-scoped egress)."),
    Check("MES612-mtp-targets-mes", ("MES612",), _G, _D, mtp.check_mtp_targets_mes,
          "No MeshTrafficPermission targets a MeshExternalService."),
    Check("MES620-policy-ref-valid", ("MES620",), _G, _D, pol.check_policy_refs_valid,
          "Timeout/retry/circuit-breaker/health-check entries of kind MeshExternalService pass Kuma's validator."),
    Check("MES621-policy-ref-resolves", ("MES621",), _G, _D, pol.check_policy_refs_resolve,
          "Policy entries of kind MeshExternalService select an MES."),
    Check("MES630-passthrough-valid", ("MES630",), _G, _D, mpt.check_passthrough_valid,
          "MeshPassthrough passes Kuma's validator."),
    Check("MES631-passthrough-mode", ("MES631",), _G, _D, mpt.check_passthrough_mode,
          "appendMatch entries are not under passthroughMode All/None."),
    Check("MES632-both-ways", ("MES632",), _S, _D, mpt.check_both_ways,
          "An MES host is not also let through directly by a MeshPassthrough."),
    Check("MES633-neither-way", ("MES633",), _S, _D, mpt.check_neither_way,
          "A dropped MES's host is not blocked by passthrough too."),
    Check("MES640-generator-valid", ("MES640",), _G, _D, host.check_generator_valid,
          "HostnameGenerators pass Kuma's validator."),
    Check("MES641-template-outcomes", ("MES641", "MES642", "MES643"), _S, _D, host.check_template_outcomes,
          "HostnameGenerator templates render a valid DNS name for the MES they select."),
    Check("MES645-no-generator", ("MES645",), _S, _D, host.check_no_generator,
          "A HostnameGenerator of the input selects the MES."),
    Check("MES650-external-service-removed", ("MES650",), _G, _D, es.check_removed,
          "3.0: no legacy ExternalService."),
    Check("MES651-mixed-external-service", ("MES651",), _G, _D, es.check_mixed,
          "No ExternalService and MES for the same host."),
    Check("MES652-legacy-external-service", ("MES652",), _G, _D, es.check_legacy,
          "Note on legacy ExternalServices (2.x)."),
), key=lambda c: c.id))
