"""Resolve every TLS data source of every MES into a `SecretReference`, as kuma-cp would load it.

Only MES with `spec.tls.enabled: true` and a `tls.verification` mapping load anything. The
verification mode does not matter: kuma-cp loads before it applies the mode, so `SkipCA` /
`SkipAll` still fail on a missing Secret. The loaded bytes travel only in the returned mapping
(by sha256), to certificate inspection; records carry the digest, never the bytes.

Legacy `{}` data sources get a record with source `empty`, status `ok` and no material, so the
dashboard can show that a field is configured but loads nothing (MES157 warns about it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from core.context import Context
from core.model import ReferenceStatus, Resource, ResourceRef, SecretReference, SecretsCoverage
from core.secrets import logs
from core.secrets.datasource import Decoder, Plan, plans_in, verification_of
from core.secrets.lookup import look_up_in, visible_secrets

CODES: dict[ReferenceStatus, str] = {
    ReferenceStatus.NOT_FOUND: "MES201",
    ReferenceStatus.WRONG_NAMESPACE: "MES202",
    ReferenceStatus.WRONG_MESH: "MES203",
    ReferenceStatus.MISSING_MESH_LABEL: "MES204",
    ReferenceStatus.WRONG_TYPE: "MES205",
    ReferenceStatus.GLOBAL_SECRET: "MES206",
    ReferenceStatus.NO_VALUE_KEY: "MES207",
    ReferenceStatus.EMPTY_VALUE: "MES208",
    ReferenceStatus.INVALID_BASE64: "MES209",
    ReferenceStatus.EMPTY_NAME: "MES210",
    ReferenceStatus.LEGACY_SHAPE: "MES211",
    # 3.0 data-source shape problems are the validator's findings at the same path (MES212/MES213 retired)
    ReferenceStatus.UNSUPPORTED_TYPE: "MES124",
    ReferenceStatus.INCOMPLETE: "MES125",
}

_LOADS = frozenset(status for status in ReferenceStatus if status.loads)
_LOADS_EMPTY = frozenset({ReferenceStatus.NO_VALUE_KEY, ReferenceStatus.EMPTY_VALUE})
_NOTHING: dict[str, Resource] = {}

_EMPTY_EFFECT = {
    "caCert": "no CA bytes reach Envoy, so the egress falls back to its system CA bundle",
    "clientCert": "the client certificate is empty, so Envoy rejects the cluster or no client certificate is sent",
    "clientKey": "the client key is empty, so Envoy rejects the cluster or no client certificate is sent",
}


def resolve(ctx: Context) -> dict[str, bytes]:
    """Fill `ctx.references` (by MES key, in load order) and return the loaded bytes by sha256."""
    materials: dict[str, bytes] = {}
    resolver = _Resolver(ctx)
    generation = ctx.version.generation
    by_service = ctx.references
    for mes in ctx.index.services:
        verification = verification_of(mes)
        if verification is None:
            continue
        references: list[SecretReference] = []
        service = mes.ref
        for plan in plans_in(verification, generation):
            reference, data = resolver.resolve(mes, plan, service)
            if data:
                materials[reference.material_sha256 or ""] = data
            references.append(reference)
        by_service[mes.key] = references
    return materials


class _Payloads(Decoder):
    """Secret values decoded, and the decoded bytes digested, once per distinct value.

    The same CA bundle or client certificate is often stored in many Secrets: equal text decodes
    to equal bytes (the very same object here), whose sha256 is then computed once. Held only
    while `resolve` runs: no bytes outlive it but those in the materials it returns.
    """

    def __init__(self) -> None:
        self._go: dict[str, bytes | None] = {}
        self._lenient: dict[str, bytes | None] = {}
        self._digests: dict[int, tuple[bytes, str]] = {}

    def go(self, text: str) -> bytes | None:
        if text in self._go:
            return self._go[text]
        decoded = self._go[text] = super().go(text)
        return decoded

    def lenient(self, text: str) -> bytes | None:
        if text in self._lenient:
            return self._lenient[text]
        decoded = self._lenient[text] = super().lenient(text)
        return decoded

    def digest(self, data: bytes) -> str:
        held = self._digests.get(id(data))
        if held is None or held[0] is not data:  # holding the bytes keeps their id from being reused
            held = self._digests[id(data)] = (data, hashlib.sha256(data).hexdigest())
        return held[1]


def first_failing(references: Sequence[SecretReference]) -> SecretReference | None:
    """The reference that makes kuma-cp fail the MES: the first in load order that does not load."""
    return next((r for r in references if not r.status.loads), None)


def first_failing_reference(ctx: Context, mes: Resource) -> SecretReference | None:
    """First failing reference of an MES in Kuma's load order (caCert, clientCert, clientKey)."""
    return first_failing(ctx.references.get(mes.key, ()))


class _Resolver:
    """What resolving one data source needs from the analysis, looked up once for all of them."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.payloads = _Payloads()
        self.coverage = ctx.secrets_coverage
        self.partial = ctx.secrets_coverage is not SecretsCoverage.PRESENT
        self.visible = visible_secrets(ctx)

    def resolve(self, mes: Resource, plan: Plan, service: ResourceRef) -> tuple[SecretReference, bytes | None]:
        ctx = self.ctx
        name = plan.secret
        if plan.status is not None:
            chain = None
            if name == "" and plan.status in (ReferenceStatus.EMPTY_NAME, ReferenceStatus.INCOMPLETE):
                chain = logs.error_chain(plan.field, logs.not_found_error(ctx.version, "", mes.mesh))
            elif plan.error:
                chain = logs.error_chain(plan.field, plan.error)
            return self.record(mes, plan, service, plan.status, plan.message, plan.code, chain), None

        if name is None:  # inline source: never fails to load, whatever the bytes
            data = plan.inline or b""
            if data:
                message = f"{plan.field} is inline ({plan.source}, {len(data)} bytes)."
            else:
                message = f"{plan.field} is an empty inline value: {_EMPTY_EFFECT[plan.field]}."
            return self.record(mes, plan, service, ReferenceStatus.OK, message, data=data), data or None

        meshes = self.visible.get(mes.flavour)
        lookup = look_up_in(ctx, meshes.get(mes.mesh, _NOTHING) if meshes else _NOTHING, mes, name, self.payloads)
        status = lookup.status
        # Without a full view of the Secrets, only "not found" is in doubt: a Secret that is in the input
        # (e.g. a local what-if overlay on top of a live source that refused to list Secrets) still resolves.
        if self.partial and status is ReferenceStatus.NOT_FOUND:
            why = "could not be read" if self.coverage is SecretsCoverage.DENIED else "are not in the input"
            return self.record(mes, plan, service, ReferenceStatus.NOT_CHECKED,
                               f'{plan.field} references Secret "{name}"; not checked because Secrets {why}.'), None
        message = f"{plan.field}: {lookup.message}"
        if status in _LOADS:
            if status in _LOADS_EMPTY:
                message += f" As {plan.field}, {_EMPTY_EFFECT[plan.field]}."
            data = lookup.data
            return self.record(mes, plan, service, status, message, CODES.get(status), None, lookup.secret,
                               data), data or None
        # Every other status means kuma-cp's mesh snapshot has no such Secret (an invalid Secret is
        # never stored), so the loader reports it as not found.
        chain = logs.error_chain(plan.field, logs.not_found_error(ctx.version, name, mes.mesh))
        return self.record(mes, plan, service, status, message, CODES[status], chain, lookup.secret), None

    def record(self, mes: Resource, plan: Plan, service: ResourceRef, status: ReferenceStatus, message: str,
               code: str | None = None, chain: str | None = None, matched: Resource | None = None,
               data: bytes | None = None) -> SecretReference:
        # positional: keyword arguments make this constructor, called for every data source, twice as slow
        return SecretReference(
            service, plan.field, plan.path, plan.source, plan.secret, mes.mesh, status, message, code,
            matched.ref if matched is not None else None,  # matched
            logs.log_line(mes.core_name, mes.mesh, chain) if chain else None,  # log_line
            chain,  # error_chain
            self.payloads.digest(data) if data else None,  # material_sha256
        )
