"""The validation checks (MES101-MES159), one small function each, registered in `CHECKS`.

All are `Scope.SERVICE` and `Phase.VALIDATE`: they read only the MES itself (and the options),
and the errors among them decide whether the MES reaches the store.

The checks are plain functions that return `()` when they find nothing (the common case), not
generators: each runs once per MES, and an exhausted generator costs more than the check itself.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

from core.catalogue import finding
from core.checks.base import Check, Phase, Scope, ServiceCheck
from core.context import Context
from core.model import Finding, Flavour, Origin, Resource
from core.validation import admission, deprecations, hints, semantic
from core.validation.kuma_validator import RULE_CODES
from core.validation.names import kuma_display_name, suggest_dns1035_label
from core.validation.spec_validation import SpecValidation, validate_spec
from core.validation.structural import PRIORITY_UNSUPPORTED
from core.validation.violation import Violation
from core.versions import KumaVersion

_CACHE_LIMIT = 20_000
_local = threading.local()
_PURPOSE = "spec-validation"


def _validated(ctx: Context, mes: Resource) -> SpecValidation:
    """`validate_spec` once per MES and version, shared by the checks below (read-only).

    Within one analysis the result is kept in the context's memo; the first lookup per analysis
    goes through the thread's cache below, which also serves a re-analysis of the same resources.
    This is `ctx.per_resource(_PURPOSE, mes, ...)` written out (same memo entry): eleven checks ask
    for it per MES, and the closure and the extra call cost more than the lookup itself.
    """
    entry = (_PURPOSE, id(mes))
    held = ctx.memo.get(entry)
    if held is not None and held[0] is mes:
        return held[1]  # type: ignore[no-any-return]
    result = _validated_across_analyses(ctx, mes)
    ctx.memo[entry] = (mes, result)  # holding the MES keeps its id from being reused
    return result


def _validated_across_analyses(ctx: Context, mes: Resource) -> SpecValidation:
    """`validate_spec` once per MES and version, across analyses (read-only).

    Every check of an analysis needs the defaulted spec; computing it once per MES keeps large
    inputs fast. Entries are keyed by object identity and re-validated against the resource's
    identity fields and its `spec` object, so a replaced spec or a renamed/relabelled resource is
    never served a stale result (a spec mutated in place is not detected: pipeline stages never do).
    """
    cache: dict[int, tuple[Resource, Any, tuple[Any, ...], SpecValidation]] | None = getattr(_local, "cache", None)
    if cache is None or len(cache) > _CACHE_LIMIT:
        cache = _local.cache = {}
    stamp = _stamp(mes, ctx.version)
    entry = cache.get(id(mes))
    if entry is not None and entry[0] is mes and entry[1] is mes.spec and entry[2] == stamp:
        return entry[3]
    result = validate_spec(mes, ctx.version)
    cache[id(mes)] = (mes, mes.spec, stamp, result)  # holding both keeps their ids from being reused
    return result


def _stamp(mes: Resource, version: KumaVersion) -> tuple[Any, ...]:
    return (version, mes.flavour, mes.name, mes.namespace, mes.mesh, _pairs(mes.labels), _pairs(mes.annotations))


def _pairs(mapping: Any) -> tuple[tuple[str, str], ...]:
    """A mapping as sorted text pairs (`()` at once for the usual empty or missing one)."""
    if not mapping or not isinstance(mapping, dict):
        return ()
    return tuple(sorted((str(k), str(v)) for k, v in mapping.items()))


def _origin(mes: Resource, path: str) -> Origin:
    probe = path
    if mes.flavour is Flavour.KUBERNETES and path in ("name", "mesh"):
        probe = "metadata.name"
    return mes.origin.at_line(mes.line_of(probe))


def _finding(mes: Resource, violation: Violation, hint: str = "", fix: str = "") -> Finding:
    return finding(violation.code, violation.message, mes.ref, path=violation.path, hint=hint, fix=fix,
                   origin=_origin(mes, violation.path))


def _findings(mes: Resource, violations: Sequence[Violation], hint: str, fix: str = "") -> Sequence[Finding]:
    """One finding per violation, all with the same hint and fix."""
    if not violations:
        return ()
    return [_finding(mes, violation, hint, fix) for violation in violations]


# --- schema and Kuma validator --------------------------------------------------------------------


def check_schema(ctx: Context, mes: Resource) -> Iterable[Finding]:
    """MES101-MES106, MES155: CRD / Universal schema, after the defaults Kuma applies."""
    violations = _validated(ctx, mes).schema
    if not violations:
        return ()
    out: list[Finding] = []
    for violation in violations:
        if _current_shape_member(violation, ctx.version):
            continue  # the data source's MES157 finding says it (one finding per cause)
        if violation.code == PRIORITY_UNSUPPORTED:
            hint, fix = hints.priority_hint(ctx.version)
        else:
            hint, fix = hints.schema_hint(violation, ctx.version)
        out.append(_finding(mes, violation, hint, fix))
    return out


_CURRENT_SHAPE = frozenset({"type", "secretRef", "insecureInline", "file", "envVar"})
_DATA_SOURCES = ("spec.tls.verification.caCert.", "spec.tls.verification.clientCert.",
                 "spec.tls.verification.clientKey.")


def _current_shape_member(violation: Violation, version: KumaVersion) -> bool:
    """An unknown-field violation for a 3.0 data-source member on 2.x (MES157 reports the whole data source)."""
    if violation.rule != "unknown" or version.uses_secure_datasource:
        return False
    path = violation.path
    return any(path.startswith(p) and path[len(p):] in _CURRENT_SHAPE for p in _DATA_SOURCES)


def check_kuma_validator(ctx: Context, mes: Resource) -> Iterable[Finding]:
    """MES110-MES130: Kuma's validator rules, in Kuma's emission order."""
    violations = _validated(ctx, mes).kuma
    if not violations:
        return ()
    out: list[Finding] = []
    for violation in violations:
        hint, fix = hints.kuma_hint(violation, mes, ctx.version)
        if violation.code in ("MES110", "MES111"):
            out.append(_merged_name_finding(ctx, mes, violation, hint, fix))
            continue
        if violation.rule == "E2" and isinstance(violation.value, str) and violation.value.startswith("unix://"):
            violation = Violation(violation.code, violation.path,
                                  f"`{violation.value}` is a Unix socket address, which Kuma 2.9.0 removed from "
                                  f"MeshExternalService endpoints (kumahq/kuma#11350): Kuma {ctx.version} rejects it "
                                  f"with `{violation.message}`", violation.rule, violation.value)
        out.append(_finding(mes, violation, hint, fix))
    return out


# --- one finding per bad name -----------------------------------------------------------------------
# A name that breaks several naming rules is one cause: the strongest finding is kept (3.0 N2, MES111, or the
# length rule N1, MES110; the API's / kube-apiserver's RFC 1123 rule, MES143; the 2.10-2.14 RFC 1035
# deprecation, MES131; the 2.14 SNI deprecation for the name, MES132) and names what Kuma also answers for it;
# the others are not reported. Rules about another string (N1 on 2.9/2.10 checks `name.namespace`, a display
# name that differs from the object name) are another cause and stay separate.


def _name_causes(ctx: Context, mes: Resource) -> list[Violation]:
    """The name-rule violations of the MES, strongest first, that concern its display name."""
    found: list[Violation] = [v for v in _validated(ctx, mes).kuma if v.code in ("MES111", "MES110")]
    universal = admission.universal_name_violation(mes)
    if universal is not None:
        found.append(universal)
    deprecated = deprecations.name_deprecation(mes, ctx.version)
    if deprecated is not None:
        found.append(deprecated)
    if ctx.version.warns_sni_format:
        found += [v for v in deprecations.sni_deprecations(mes, ctx.version, _validated(ctx, mes).spec,
                                                           ctx.options.zone_name) if v.rule in ("name", "length")]
    subject = kuma_display_name(mes)
    return [v for v in found if _subject(v, mes) == subject]


def _subject(violation: Violation, mes: Resource) -> str:
    if violation.code == "MES132":
        return kuma_display_name(mes)
    return str(violation.value) if violation.value is not None else str(mes.name)


def _suppressed(ctx: Context, mes: Resource, violation: Violation) -> bool:
    """A weaker finding for the same bad name: reported inside the strongest one instead."""
    causes = _name_causes(ctx, mes)
    return bool(causes) and causes[0].code != violation.code and any(c.code == violation.code for c in causes)


def _merged_name_finding(ctx: Context, mes: Resource, violation: Violation, hint: str, fix: str) -> Finding:
    """The strongest name finding (Kuma's own message, unchanged); its hint quotes what Kuma also answers for
    the same name."""
    causes = _name_causes(ctx, mes)
    others = [c for c in causes if c.code != violation.code]
    if others and causes and causes[0].code == violation.code:
        also = "; ".join(f"`{c.message}` ({c.code})" for c in others)
        hint = f"{hint} For the same name Kuma also answers {also}.".strip()
    return _finding(mes, violation, hint, fix)


# --- deprecations ---------------------------------------------------------------------------------


def check_name_deprecation(ctx: Context, mes: Resource) -> Iterable[Finding]:
    """MES131: non-RFC-1035 display name, accepted with a warning on 2.10-2.14."""
    violation = deprecations.name_deprecation(mes, ctx.version)
    if violation is None or _suppressed(ctx, mes, violation):
        return ()
    suggestion = suggest_dns1035_label(kuma_display_name(mes))
    return (_merged_name_finding(ctx, mes, violation,
                                 f"Kuma 3.0 rejects this name. Rename before upgrading, e.g. `{suggestion}`.",
                                 f"name: {suggestion}\n"),)


def check_sni_deprecation(ctx: Context, mes: Resource) -> Iterable[Finding]:
    """MES132: the KRI SNI of the MES port does not conform (2.14+)."""
    if not ctx.version.warns_sni_format:
        return ()
    violations = deprecations.sni_deprecations(mes, ctx.version, _validated(ctx, mes).spec, ctx.options.zone_name)
    if not violations:
        return ()
    out: list[Finding] = []
    for violation in violations:
        field = violation.rule
        if field in ("name", "length") and _suppressed(ctx, mes, violation):
            continue
        if field in ("name", "length"):
            suggestion = suggest_dns1035_label(kuma_display_name(mes))
            hint = (f"Use a display name that is an RFC 1123 label (e.g. `{suggestion}`) so the SNI stays valid "
                    "when KRI SNIs become the default.")
        else:
            hint = f"The {field} is part of the SNI; it must be an RFC 1123 label (lower case, digits, `-`)."
        out.append(_finding(mes, violation, hint))
    return out


# --- admission ------------------------------------------------------------------------------------


def check_system_namespace(ctx: Context, mes: Resource) -> Iterable[Finding]:
    """MES140: Kubernetes MES outside the control plane's system namespace."""
    violation = admission.namespace_violation(mes, ctx.options)
    if violation is None:
        return ()
    ns = ctx.options.system_namespace
    return (_finding(mes, violation, f"Create the MeshExternalService in `{ns}` (its Secrets must be there too).",
                     f"metadata:\n  namespace: {ns}\n"),)


def check_origin_label(ctx: Context, mes: Resource) -> Iterable[Finding]:
    """MES141: federated zone, `kuma.io/origin: zone` missing."""
    violation = admission.origin_violation(mes, ctx.options, ctx.version)
    if violation is None:
        return ()
    return (_finding(mes, violation, "On a zone connected to Global, label resources you apply with "
                                     "`kuma.io/origin: zone` (or apply them on Global).",
                     "labels:\n  kuma.io/origin: zone\n"),)


def check_zone_label(ctx: Context, mes: Resource) -> Iterable[Finding]:
    """MES142: `kuma.io/zone` names another zone than the one the MES is applied to."""
    violation = admission.zone_violation(mes, ctx.options, ctx.version)
    if violation is None:
        return ()
    zone = ctx.options.zone_name
    return (_finding(mes, violation, f"Set `kuma.io/zone: {zone}` or drop the label (the zone CP adds it), or "
                                     "select the right zone in the analysis options.",
                     f"labels:\n  kuma.io/zone: {zone}\n"),)


def check_universal_name(ctx: Context, mes: Resource) -> Iterable[Finding]:
    """MES143: name not an RFC 1123 subdomain (Kuma API on Universal, kube-apiserver on Kubernetes)."""
    violation = admission.universal_name_violation(mes)
    if violation is None or _suppressed(ctx, mes, violation):
        return ()
    suggestion = suggest_dns1035_label(str(mes.name or ""))
    fix = f"metadata:\n  name: {suggestion}\n" if mes.flavour is not Flavour.UNIVERSAL else f"name: {suggestion}\n"
    return (_merged_name_finding(ctx, mes, violation,
                                 f"Use lower-case letters, digits, `-` and `.` only, e.g. `{suggestion}`.", fix),)


def check_mesh_label(ctx: Context, mes: Resource) -> Iterable[Finding]:
    """MES144: Universal `kuma.io/mesh` label differs from `mesh`."""
    violation = admission.mesh_label_violation(mes)
    if violation is None:
        return ()
    return (_finding(mes, violation, f"Drop the `kuma.io/mesh` label or set it to `{mes.mesh}`.",
                     f"labels:\n  kuma.io/mesh: {mes.mesh}\n"),)


# --- semantic warnings (computed with the spec validation: `SpecValidation.warnings`) -------------


def check_no_endpoints(ctx: Context, mes: Resource) -> Iterable[Finding]:
    """MES150: neither endpoints nor an extension."""
    return _findings(mes, _validated(ctx, mes).warnings.no_endpoints,
                     "List the external endpoints (or delete the MES if unused).",
                     "endpoints:\n  - address: api.example.com\n    port: 443\n")


def check_extension(ctx: Context, mes: Resource) -> Iterable[Finding]:
    """MES151: an extension, which plain Kuma does not act on."""
    return _findings(mes, _validated(ctx, mes).warnings.extension,
                     "Remove `extension` unless your Kuma distribution documents this type; "
                     "plain Kuma routes to the listed `endpoints`.")


def check_verification_without_tls(ctx: Context, mes: Resource) -> Iterable[Finding]:
    """MES152: verification configured but TLS not enabled."""
    return _findings(mes, _validated(ctx, mes).warnings.verification_without_tls,
                     "Set `tls.enabled: true` to originate TLS, or remove `tls.verification`.",
                     "tls:\n  enabled: true\n")


def check_plaintext_to_tls_port(ctx: Context, mes: Resource) -> Iterable[Finding]:
    """MES153: HTTP-family protocol to endpoint port 443 with TLS off."""
    return _findings(mes, _validated(ctx, mes).warnings.plaintext_to_tls_port,
                     "Enable TLS origination (`tls.enabled: true`), or use `protocol: tcp` if "
                     "the application speaks TLS itself.", "tls:\n  enabled: true\n")


def check_priority_gaps(ctx: Context, mes: Resource) -> Iterable[Finding]:
    """MES154: endpoint priorities not running 0..N (2.14+)."""
    violations = _validated(ctx, mes).warnings.priority_gaps
    if not violations:
        return ()
    out: list[Finding] = []
    for violation in violations:
        used = violation.value if isinstance(violation.value, tuple) else ()
        renumbered = ", ".join(f"{old} -> {new}" for new, old in enumerate(used) if old != new)
        out.append(_finding(mes, violation, f"Renumber the priorities without gaps ({renumbered})."))
    return out


def check_data_source_members(ctx: Context, mes: Resource) -> Iterable[Finding]:
    """MES156-MES158: legacy data sources with several, no or empty members."""
    violations = _validated(ctx, mes).warnings.data_sources
    if not violations:
        return ()
    out: list[Finding] = []
    for violation in violations:
        if violation.code == semantic.SEVERAL_MEMBERS:
            members = violation.value if isinstance(violation.value, tuple) else ("secret",)
            hint = f"Keep only `{members[0]}` (the one Kuma uses) and remove the others."
        elif violation.code == semantic.EMPTY_DATA_SOURCE:
            hint = ("Reference a mesh Secret (`secret: <name>`) or give the PEM in `inlineString`, or remove the "
                    "empty object.")
        else:
            hint = "Put the PEM in the value, or remove the data source."
        out.append(_finding(mes, violation, hint))
    return out


def check_double_tls(ctx: Context, mes: Resource) -> Iterable[Finding]:
    """MES159: `match.port` 443 + HTTP protocol + TLS origination."""
    return _findings(mes, _validated(ctx, mes).warnings.double_tls,
                     "If applications call `https://` on the MES hostname, use `protocol: tcp` "
                     "and no MES TLS; if they call `http://`, use `match.port: 80`.",
                     "match:\n  port: 80\n  protocol: http\n")


def _check(check_id: str, codes: tuple[str, ...], func: ServiceCheck) -> Check:
    doc = (func.__doc__ or "").strip()
    return Check(id=check_id, codes=codes, scope=Scope.SERVICE, phase=Phase.VALIDATE, func=func, doc=doc)


CHECKS: tuple[Check, ...] = tuple(sorted((
    _check("MES101-schema", ("MES101", "MES102", "MES103", "MES104", "MES105", "MES106", "MES155"), check_schema),
    _check("MES110-kuma-validator", tuple(sorted(RULE_CODES.values())), check_kuma_validator),
    _check("MES131-name-deprecation", ("MES131",), check_name_deprecation),
    _check("MES132-sni-deprecation", ("MES132",), check_sni_deprecation),
    _check("MES140-system-namespace", ("MES140",), check_system_namespace),
    _check("MES141-origin-label", ("MES141",), check_origin_label),
    _check("MES142-zone-label", ("MES142",), check_zone_label),
    _check("MES143-universal-name", ("MES143",), check_universal_name),
    _check("MES144-mesh-label", ("MES144",), check_mesh_label),
    _check("MES150-no-endpoints", ("MES150",), check_no_endpoints),
    _check("MES151-extension", ("MES151",), check_extension),
    _check("MES152-verification-without-tls", ("MES152",), check_verification_without_tls),
    _check("MES153-plaintext-to-tls-port", ("MES153",), check_plaintext_to_tls_port),
    _check("MES154-priority-gaps", ("MES154",), check_priority_gaps),
    _check("MES156-data-source-members", ("MES156", "MES157", "MES158"), check_data_source_members),
    _check("MES159-double-tls", ("MES159",), check_double_tls),
), key=lambda c: c.id))
