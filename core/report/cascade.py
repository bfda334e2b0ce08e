"""Every culprit of the 2.9 cascade, in loop order, and what it takes to bring each MES back.

Kuma 2.9 walks a mesh's MES in list order (mesh, then core name) and stops at the first one whose TLS
material fails to load (kumahq/kuma#12821): that one and every later MES of the mesh are left out of
the zone egress's endpoint map. Only MES that reach the loop count: store-valid (not rejected on
write), of a served mesh (it exists and has mTLS) and reachable from the zone. Fixing the first
failing MES does not end the incident when another one fails further down: the loop then stops there.

Roles, per MES of a loop (computed on every target version, from the 2.9 map):

* `culprit`: the first failing MES of its mesh: it stops the 2.9 loop now;
* `latent-culprit`: a later failing MES: it stops the loop once the culprits before it are fixed;
* `victim`: its own TLS material loads, but a failing MES sorts before it;
* None: in the 2.9 map already (nothing fails before it), or not in a loop at all.

`restoreOn29`: the core names, in loop order, of every MES whose TLS material must load for this MES
to be in a 2.9.x map: every failing MES up to it (a culprit's list ends with itself). `()` when it is
in the map already; None when fixing TLS would not put it there (not in a loop: out of zone, rejected
on write, mesh without mTLS or missing).

A culprit "takes down" the victims whose `restoreOn29` ends with it: those dropped behind it and
before the next failing MES. Fixing it (after the earlier culprits) brings exactly them back; the
victims behind the next culprit stay dropped until that one is fixed too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from core.builder.build import CASCADE, SHAPE_STATUSES, TLS_LOAD_FAILED
from core.builder.tls import DATA_SOURCE_FIELDS
from core.index import kuma_list_order
from core.model import EndpointMap, Finding, Report, Resource, SecretReference, ServiceOutcome

CULPRIT, LATENT, VICTIM = "culprit", "latent-culprit", "victim"
ROLES = (CULPRIT, LATENT, VICTIM)
_IN_LOOP = frozenset({TLS_LOAD_FAILED, CASCADE})


@dataclass(frozen=True, slots=True)
class Role:
    role: str | None
    restore: tuple[str, ...] | None


def cascade_roles(services: Sequence[Resource], legacy: EndpointMap) -> dict[str, Role]:
    """Role and `restoreOn29` of every MES (by key), from the 2.9 map (`EndpointMap.failing`)."""
    failing = set(legacy.failing)
    roles: dict[str, Role] = {}
    behind: dict[str, list[str]] = {}  # mesh -> core names of the failing MES met so far
    for mes in sorted(services, key=kuma_list_order):
        key = mes.key
        excluded = legacy.excluded.get(key)
        if key not in legacy.included and (excluded is None or excluded.reason not in _IN_LOOP):
            roles[key] = Role(None, None)
            continue
        seen = behind.setdefault(mes.mesh, [])
        if key in failing:
            seen.append(mes.core_name)
            roles[key] = Role(CULPRIT if len(seen) == 1 else LATENT, tuple(seen))
        elif seen:
            roles[key] = Role(VICTIM, tuple(seen))
        else:
            roles[key] = Role(None, ())
    return roles


@dataclass(frozen=True, slots=True)
class Culprit:
    """One failing MES of a 2.9 loop, with its one-line cause and fix."""

    service: ServiceOutcome
    role: str  # CULPRIT or LATENT
    position: int  # 1-based among the mesh's culprits, in loop order
    cause: str  # one line: which data source fails and why
    fix: str  # one line: what to do
    fix_command: str  # a ready-to-run snippet ("" when none)
    reference: SecretReference | None  # the data source kuma-cp fails on
    takes_down: tuple[ServiceOutcome, ...]  # victims whose restoreOn29 ends with this culprit
    drops_now: int  # MES the 2.9 loop loses because of it right now (0 for a latent culprit)

    @property
    def name(self) -> str:
        return self.service.resource.name

    @property
    def core_name(self) -> str:
        return self.service.resource.core_name

    @property
    def mesh(self) -> str:
        return self.service.resource.mesh

    def to_dict(self) -> dict[str, Any]:
        r = self.service.resource
        ref = self.reference
        return {
            "name": r.name,
            "coreName": r.core_name,
            "namespace": r.namespace,
            "mesh": r.mesh,
            "role": self.role,
            "position": self.position,
            "cause": self.cause,
            "fix": self.fix,
            "fixCommand": self.fix_command,
            "field": ref.field if ref else None,
            "path": ref.path if ref else None,
            "secret": ref.secret if ref else None,
            "referenceStatus": ref.status.value if ref else None,
            "restoreOn29": list(self.service.restore_on_29 or ()),
            "takesDown": [v.resource.core_name for v in self.takes_down],
            "dropsNow": self.drops_now,
        }


@dataclass(frozen=True, slots=True)
class MeshCascade:
    mesh: str
    culprits: tuple[Culprit, ...]  # loop order
    victims: tuple[ServiceOutcome, ...]  # loop order

    def to_dict(self) -> dict[str, Any]:
        return {"mesh": self.mesh, "culprits": [c.to_dict() for c in self.culprits],
                "victims": [v.resource.core_name for v in self.victims]}


@dataclass(frozen=True, slots=True)
class CascadeSummary:
    meshes: tuple[MeshCascade, ...] = ()
    on_target: bool = False  # the target is a 2.9 control plane: the cascade happens now, not hypothetically
    by_core_name: dict[tuple[str, str], Culprit] = field(default_factory=dict)  # (mesh, core name) -> culprit

    @property
    def culprits(self) -> list[Culprit]:
        return [c for m in self.meshes for c in m.culprits]

    @property
    def victims(self) -> list[ServiceOutcome]:
        return [v for m in self.meshes for v in m.victims]

    @property
    def dropped_now(self) -> int:
        """MES a 2.9.x control plane leaves out right now behind a culprit (victims and latent culprits)."""
        return sum(c.drops_now for c in self.culprits)

    def culprit(self, mesh: str, core_name: str) -> Culprit | None:
        return self.by_core_name.get((mesh, core_name))

    def headline(self) -> str:
        """One line: the culprits in loop order and what fixing them brings back."""
        culprits = self.culprits
        if not culprits:
            return "No MES stops the 2.9 MES loop: a 2.9.x control plane drops nothing else."
        where = "On this 2.9 control plane" if self.on_target else "On a 2.9.x control plane"
        first = [c for c in culprits if c.role == CULPRIT]
        names = ", ".join(c.core_name for c in first)
        victims = len(self.victims)
        what = f"{where}, {names} stop{'s' if len(first) == 1 else ''} the MES loop"
        what += f" and {victims} other MES {'is' if victims == 1 else 'are'} dropped" if victims else ""
        latent = len(culprits) - len(first)
        if latent:
            what += (f"; {latent} more failing MES {'is' if latent == 1 else 'are'} next in line "
                     f"(fix {'it' if latent == 1 else 'them'} too)")
        return what + "."

    def to_dict(self) -> dict[str, Any]:
        return {"meshes": [m.to_dict() for m in self.meshes]}


def cascade_summary(report: Report) -> CascadeSummary:
    """The culprits of every mesh in loop order, from the report's per-service roles (JSON-safe inputs only:
    roles, `restoreOn29`, references and findings, so a report rebuilt from a snapshot gives the same)."""
    by_mesh: dict[str, list[ServiceOutcome]] = {}
    for s in sorted(report.services, key=lambda s: kuma_list_order(s.resource)):
        by_mesh.setdefault(s.resource.mesh, []).append(s)
    meshes: list[MeshCascade] = []
    index: dict[tuple[str, str], Culprit] = {}
    skip_shape = report.kuma_version.startswith("3.")  # the 2.9 loop never sees 3.0-only shape problems
    for mesh, services in by_mesh.items():
        failing = [s for s in services if s.cascade_role in (CULPRIT, LATENT)]
        if not failing:
            continue
        victims = tuple(s for s in services if s.cascade_role == VICTIM)
        loop_after_first = sum(1 for s in services if s.cascade_role in (VICTIM, LATENT))
        restored_by: dict[str, list[ServiceOutcome]] = {}  # the last culprit to fix -> its victims, in order
        for v in victims:
            if v.restore_on_29:
                restored_by.setdefault(v.restore_on_29[-1], []).append(v)
        culprits: list[Culprit] = []
        for position, s in enumerate(failing, 1):
            ref = failing_reference(s, skip_shape=skip_shape)
            cause, fix, command = _cause_and_fix(s, ref)
            takes = tuple(restored_by.get(s.resource.core_name, ()))
            role = s.cascade_role or CULPRIT
            culprit = Culprit(s, role, position, cause, fix, command, ref, takes,
                              loop_after_first if role == CULPRIT else 0)
            culprits.append(culprit)
            index[(mesh, s.resource.core_name)] = culprit
        meshes.append(MeshCascade(mesh, tuple(culprits), victims))
    return CascadeSummary(tuple(meshes), report.kuma_version == "2.9", index)


def failing_reference(service: ServiceOutcome, *, skip_shape: bool = False) -> SecretReference | None:
    """The data source kuma-cp fails on first (load order caCert, clientCert, clientKey)."""
    order = {name: i for i, name in enumerate(DATA_SOURCE_FIELDS)}
    refs = [r for r in service.references if not r.status.loads and not (skip_shape and r.status in SHAPE_STATUSES)]
    refs.sort(key=lambda r: order.get(r.field, len(order)))
    return refs[0] if refs else None


def _cause_and_fix(service: ServiceOutcome, ref: SecretReference | None) -> tuple[str, str, str]:
    if ref is None:
        return "its TLS material fails to load", "Make its TLS data sources loadable.", ""
    message = ref.message if ref.message.startswith(ref.field) else f"{ref.field}: {ref.message}"
    found = _finding_for(service.findings, ref)
    hint = found.hint if found else ""
    return _one_line(message), _one_line(hint) or "Make the reference resolvable.", found.fix if found else ""


def _finding_for(findings: list[Finding], ref: SecretReference) -> Finding | None:
    """The finding that carries the reference's fix: its own MES2xx code first, else MES501 at that path."""
    for f in findings:
        if f.path == ref.path and ref.code and f.code == ref.code and (f.hint or f.fix):
            return f
    for f in findings:
        if f.path == ref.path and f.code == "MES501":
            return f
    return None


def _one_line(text: str) -> str:
    return " ".join(text.split())
