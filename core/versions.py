"""Kuma versions MES Doctor models, and the behaviour switches that depend on them.

Every version-dependent rule asks a `KumaVersion` predicate instead of comparing strings, so
the place where "2.10 fixed X" is written down is here and nowhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import total_ordering

SUPPORTED = ("2.9", "2.10", "2.11", "2.12", "2.13", "2.14", "3.0")
NEWEST_LEGACY = "2.14"
NEWEST_CURRENT = "3.0"


class Generation(StrEnum):
    LEGACY = "legacy"  # 2.9-2.14: flat DataSource (secret / inline / inlineString), ZoneEgress resources
    CURRENT = "current"  # 3.0 (master): SecureDataSource, no Mesh.mtls, Dataplane-based egress


@total_ordering
@dataclass(frozen=True, slots=True)
class KumaVersion:
    major: int
    minor: int
    # asked hundreds of thousands of times per large analysis: computed once, not a property
    generation: Generation = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "generation", Generation.CURRENT if self.major >= 3 else Generation.LEGACY)

    @classmethod
    def parse(cls, text: str) -> KumaVersion:
        """Parse `2.9`, `2.9.3`, `v2.10.1`, `3.0.0-rc1`, `kuma 2.11.2` to the minor release line.

        Raises ValueError for anything that is not one of the supported lines (2.9-2.14, 3.0).
        Versions newer than 3.0 map to 3.0 (the newest semantics known).
        """
        m = re.search(r"(\d+)\.(\d+)", text.strip())
        if not m:
            raise ValueError(f"not a Kuma version: {text!r}")
        major, minor = int(m.group(1)), int(m.group(2))
        version = cls(major, minor)
        if version > cls(3, 0):
            return cls(3, 0)
        if str(version) not in SUPPORTED:
            raise ValueError(
                f"Kuma {major}.{minor} is not supported; choose one of {', '.join(SUPPORTED)}"
            )
        return version

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, KumaVersion):
            return NotImplemented
        return (self.major, self.minor) < (other.major, other.minor)

    def at_least(self, text: str) -> bool:
        return self >= KumaVersion.parse(text)

    def below(self, text: str) -> bool:
        return self < KumaVersion.parse(text)

    # --- behaviour switches (reference section in brackets) -------------------------------
    # (compared as (major, minor) tuples: building a KumaVersion per call showed in profiles, the
    # switches are asked hundreds of thousands of times per large analysis)

    @property
    def aborts_mes_loop_on_error(self) -> bool:
        """2.9: the first MES whose TLS material fails drops every later one (#12821) [5.6.2]."""
        return (self.major, self.minor) < (2, 10)

    @property
    def egress_filter_chain_early_return(self) -> bool:
        """2.9-2.11: egress listener loop returns at the first MES without endpoints [5.6.3]."""
        return (self.major, self.minor) < (2, 12)

    @property
    def applies_universal_defaults(self) -> bool:
        """2.10+: Universal REST applies schema defaults before validation [1.8]."""
        return (self.major, self.minor) >= (2, 10)

    @property
    def name_length_uses_core_name(self) -> bool:
        """2.9/2.10: N1 checks `name.namespace`; 2.11+ the display name [2.3]."""
        return (self.major, self.minor) < (2, 11)

    @property
    def enforces_rfc1035_names(self) -> bool:
        return self.generation is Generation.CURRENT

    @property
    def warns_rfc1035_names(self) -> bool:
        return (2, 10) <= (self.major, self.minor) < (3, 0)

    @property
    def warns_sni_format(self) -> bool:
        return (self.major, self.minor) >= (2, 14)

    @property
    def supports_priority(self) -> bool:
        return (self.major, self.minor) >= (2, 14)

    @property
    def extension_requires_config(self) -> bool:
        return (self.major, self.minor) < (2, 10)

    @property
    def empty_enum_means_unset(self) -> bool:
        """2.10+: `match.type` / `verification.mode` may be `""` (non-pointer fields)."""
        return (self.major, self.minor) >= (2, 10)

    @property
    def tls_version_needs_verification(self) -> bool:
        """2.9: `tls.version` is only applied inside the `verification` branch (#12162)."""
        return (self.major, self.minor) < (2, 10)

    @property
    def egress_system_ca_broken(self) -> bool:
        """2.9: egress reads the system CA path from the wrong field: no CA fallback [5.4]."""
        return (self.major, self.minor) < (2, 10)

    @property
    def capital_resource_not_found(self) -> bool:
        """2.9/2.10 say `Resource not found`, 2.11+ `resource not found` [5.7]."""
        return (self.major, self.minor) < (2, 11)

    @property
    def logs_sidecar_egress_failure(self) -> bool:
        """2.10+ also load TLS material for the sidecar-side endpoints and log on failure."""
        return (self.major, self.minor) >= (2, 10)

    @property
    def zone_label_gates_reachability(self) -> bool:
        """2.9-2.14: `kuma.io/zone` of another zone keeps an MES off this zone's egress."""
        return self.generation is Generation.LEGACY

    @property
    def uses_kri_names(self) -> bool:
        """HEAD always uses KRI destination names (2.12-2.14 only with unified naming)."""
        return self.generation is Generation.CURRENT

    @property
    def has_mesh_mtls(self) -> bool:
        return self.generation is Generation.LEGACY

    @property
    def uses_secure_datasource(self) -> bool:
        return self.generation is Generation.CURRENT

    @property
    def egress_skips_mes_without_endpoints(self) -> bool:
        """3.0: the egress endpoint map leaves out an MES with zero endpoints (`continue`) [5.1].

        2.9-2.14 process it without error (modelled as included with an empty endpoint list).
        """
        return self.generation is Generation.CURRENT

    @property
    def zone_egress_is_dataplane_listener(self) -> bool:
        """3.0: a zone egress is a mesh-scoped Dataplane with a Ready `ZoneEgress` listener, not a
        ZoneEgress resource [4.2]."""
        return self.generation is Generation.CURRENT

    @property
    def has_mesh_scoped_zone_proxies(self) -> bool:
        """2.14+: a Dataplane with a `ZoneEgress` listener is a mesh-scoped zone egress; where one is Ready,
        kuma-cp sends the mesh's MES traffic through it instead of the ZoneEgress resources, for proxies
        with a workload identity (MeshIdentity), with or without `Mesh.mtls`
        (release-2.14: pkg/xds/context/mesh_context_builder.go `resolveZoneEgresses`,
        pkg/xds/generator/zone_proxy_listener_generator.go, pkg/plugins/policies/core/xds/meshroute/clusters.go).
        2.12/2.13 have MeshIdentity but no zone-proxy listeners: their ZoneEgress serves mTLS meshes only."""
        return (self.major, self.minor) >= (2, 14)

    @property
    def zone_proxies_need_exclusive_mode(self) -> bool:
        """2.14: zone-proxy listeners are skipped, and MeshIdentity is not initialised (`MeshServicesDisabled`),
        unless the Mesh sets `meshServices.mode: Exclusive`; 3.0 dropped the condition (UPGRADE.md 3.0)."""
        return (self.major, self.minor) == (2, 14)

    @property
    def egress_tags_add_mesh(self) -> bool:
        """2.9-2.14: `BuildEgressEndpointMap` adds tag `mesh: <mesh>` to every egress endpoint [5.1, 5.5];
        the 3.0 egress map keeps a plain copy of the MES labels."""
        return self.generation is Generation.LEGACY


V2_9 = KumaVersion(2, 9)
V3_0 = KumaVersion(3, 0)


@dataclass(frozen=True, slots=True)
class VersionChoice:
    """The version the analysis uses and how it was chosen (shown to the user)."""

    version: KumaVersion
    requested: str  # "auto" or the explicit text
    reason: str  # e.g. "auto: legacy data-source shape found (secret/inline)"
    source: str = "default"  # "chosen" | "control-plane" | "api" | "shape" | "default"

    @property
    def detected(self) -> bool:
        """The version is what the control plane runs (its image tag or its API), not a guess."""
        return self.source in ("control-plane", "api")


def all_versions() -> list[KumaVersion]:
    return [KumaVersion.parse(v) for v in SUPPORTED]
