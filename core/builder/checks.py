"""The builder's checks (Phase.DIAGNOSE): mesh prerequisites, endpoint map, hostnames, TLS behaviour,
coverage notes. Registered in `core.checks.registry`; findings are for the target version only."""

from __future__ import annotations

from core.builder import coverage_checks as cov
from core.builder import hostname_checks as host
from core.builder import map_checks as emap
from core.builder import mesh_checks as mesh
from core.builder import tls_checks as tls
from core.builder import zone_checks as zones
from core.checks.base import Check, Phase, Scope

_G, _S, _D = Scope.GLOBAL, Scope.SERVICE, Phase.DIAGNOSE

CHECKS: tuple[Check, ...] = tuple(sorted((
    Check("MES401-mesh-mtls", ("MES401", "MES402"), _G, _D, mesh.check_mesh_mtls,
          "Mesh has mTLS enabled with a defined backend (2.9-2.14)."),
    Check("MES403-forbid-mes-access", ("MES403",), _G, _D, mesh.check_forbid_access,
          "Mesh does not deny all MES at the egress (2.9-2.14)."),
    Check("MES404-zone-egress-in-zone", ("MES404",), _G, _D, mesh.check_zone_egress,
          "A listed zone egress serves the selected zone (ZoneEgress on 2.9-2.14, Dataplane listener on 3.0)."),
    Check("MES405-mesh-missing", ("MES405",), _G, _D, mesh.check_mesh_missing,
          "The MES's Mesh is in the input when other Meshes are."),
    Check("MES406-removed-mesh-fields", ("MES406",), _G, _D, mesh.check_removed_mesh_fields,
          "No Mesh fields removed in 3.0."),
    Check("MES407-routing-zone-egress", ("MES407",), _G, _D, mesh.check_zone_egress_routing,
          "Note that routing.zoneEgress is not needed for MES."),
    Check("MES501-tls-load-failed", ("MES501",), _S, _D, emap.check_tls_load_failed,
          "The MES's TLS material loads on the target control plane."),
    Check("MES502-cascade", ("MES502",), _S, _D, emap.check_cascade,
          "The MES is not dropped by an earlier failing MES (2.9)."),
    Check("MES503-lost-filter-chain", ("MES503",), _S, _D, emap.check_lost_filter_chain,
          "The MES keeps its egress filter chain (2.9-2.11, inferred)."),
    Check("MES504-unreachable-zone", ("MES504",), _S, _D, emap.check_unreachable_zone,
          "The MES is reachable from the selected zone (2.9-2.14)."),
    Check("MES506-status-addresses", ("MES506",), _S, _D, host.check_status_addresses,
          "An exported zone MES has a VIP and addresses."),
    Check("MES507-generator-conditions", ("MES507",), _S, _D, host.check_generator_conditions,
          "No HostnameGenerator reports Collision or TemplateError."),
    Check("MES508-no-sni", ("MES508",), _S, _D, tls.check_no_sni, "TLS sends an SNI."),
    Check("MES509-mixed-hostnames", ("MES509",), _S, _D, tls.check_mixed_hostnames,
          "Endpoints under one TLS context share a hostname."),
    Check("MES510-system-ca", ("MES510", "MES511"), _S, _D, tls.check_system_ca,
          "What Secured without caCert verifies on the target version."),
    Check("MES512-server-not-authenticated", ("MES512",), _S, _D, tls.check_server_not_authenticated,
          "The server is authenticated (no SkipCA/SkipAll)."),
    Check("MES513-server-name-ignored", ("MES513",), _S, _D, tls.check_server_name_ignored,
          "serverName is not cleared by the mode."),
    Check("MES514-sans-ignored", ("MES514",), _S, _D, tls.check_sans_ignored,
          "Configured subjectAltNames are checked."),
    Check("MES515-version-ignored", ("MES515",), _S, _D, tls.check_version_ignored,
          "tls.version is applied (2.9 needs verification)."),
    Check("MES516-client-cert-dropped", ("MES516",), _S, _D, tls.check_client_cert_dropped,
          "SkipAll does not drop a configured client certificate."),
    Check("MES517-duplicate-sni", ("MES517",), _G, _D, host.check_duplicate_sni,
          "Legacy egress SNIs are unique per mesh (2.9-2.14)."),
    Check("MES518-no-endpoints-on-egress", ("MES518",), _S, _D, emap.check_no_endpoints_on_egress,
          "The 3.0 egress endpoint map keeps the MES (it has endpoints)."),
    Check("MES520-other-zone", ("MES520",), _G, _D, zones.check_other_zone,
          "Most MES belong to the analysed zone (not to one other zone)."),
    Check("MES901-no-mesh", ("MES901",), _G, _D, cov.check_no_mesh, "Coverage: Mesh resources present."),
    Check("MES903-no-zone-egress", ("MES903",), _G, _D, cov.check_no_zone_egress,
          "Coverage: zone egresses present (ZoneEgress on 2.9-2.14, per mesh Dataplane listener on 3.0)."),
    Check("MES904-identity-permission", ("MES904",), _G, _D, cov.check_identity_permission,
          "Coverage: MeshIdentity and MeshTrafficPermission not evaluated (3.0)."),
), key=lambda c: c.id))
