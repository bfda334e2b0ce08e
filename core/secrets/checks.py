"""Findings about secret references (MES201-MES211), Kuma Secrets the webhook rejects (MES214) and
the coverage notes when Secrets were not available (MES902 / MES905).

Per-reference findings are read from `ctx.references` (filled by `core.secrets.resolve`). A
reference whose code lies outside MES2xx is reported by the validator at the same path, not here:
an `inline` that is not base64 (MES105), a 3.0 data source of another type or incomplete (MES124,
MES125, MES127, MES128, MES129; MES212 and MES213 said the same again and are retired).
"""

from __future__ import annotations

from collections.abc import Iterator

from core.catalogue import finding
from core.checks.base import Check, Phase, Scope
from core.context import Context
from core.model import Finding, Flavour, Kind, ReferenceStatus, Resource, SecretsCoverage
from core.secrets.datasource import decode_go_base64
from core.secrets.lookup import GLOBAL_SECRET_TYPE, KUMA_SECRET_TYPE, MESH_LABEL, secret_type
from core.secrets.remedies import NOT_GENERATED, remedy, shell_safe

REFERENCE_CODES = tuple(f"MES2{n:02d}" for n in range(1, 14))
_NOT_DATA = "=\r\n"  # what base64 decoding can consume without producing a byte


def reference_findings(ctx: Context, mes: Resource) -> Iterator[Finding]:
    for ref in ctx.references.get(mes.key, ()):
        if ref.code is None or ref.code not in REFERENCE_CODES:
            continue
        hint, fix = remedy(ctx, mes, ref)
        yield finding(
            ref.code,
            ref.message,
            mes.ref,
            path=ref.path,
            hint=hint,
            fix=fix,
            origin=mes.origin.at_line(mes.line_of(ref.path)),
            related=(ref.matched,) if ref.matched else (),
        )


def secret_admission_findings(ctx: Context) -> Iterator[Finding]:
    """Kubernetes Kuma Secrets in the system namespace that the Secret webhook would refuse."""
    namespace = ctx.options.system_namespace
    kubernetes = Flavour.KUBERNETES
    # only the Secrets with something to report are sorted (by key, the order of the findings)
    rejected: list[tuple[Resource, str, bool, bool, bool]] = []  # secret, type, global, labelled, empty
    for secret in ctx.index.secrets + ctx.index.global_secrets:
        if secret.flavour is not kubernetes or secret.namespace != namespace:
            continue
        kind = secret_type(secret)
        if kind not in (KUMA_SECRET_TYPE, GLOBAL_SECRET_TYPE):
            continue
        is_global = kind == GLOBAL_SECRET_TYPE or secret.kind is Kind.GLOBAL_SECRET
        labelled = is_global and MESH_LABEL in secret.labels
        empty = not _has_value(secret)
        if labelled or empty:
            rejected.append((secret, kind, is_global, labelled, empty))
    rejected.sort(key=lambda r: r[0].key)
    for secret, kind, is_global, labelled, empty in rejected:
        label = "GlobalSecret" if is_global else "Kuma Secret"
        if labelled:
            path = f'metadata.labels["{MESH_LABEL}"]'
            yield finding(
                "MES214",
                f'{label} "{secret.name}" carries a {MESH_LABEL} label: the webhook rejects it with '
                f"`{path}: mesh cannot be set on global secret`.",
                secret.ref,
                path=path,
                hint="GlobalSecrets belong to no mesh: remove the label (and use a mesh-scoped Secret for MES).",
                fix=f"kubectl label secret {secret.name} -n {namespace} {MESH_LABEL}-"
                if shell_safe(secret.name, namespace) else NOT_GENERATED,
                origin=secret.origin.at_line(secret.line_of("metadata.labels")),
            )
        if empty:
            yield finding(
                "MES214",
                f'{label} "{secret.name}" has no or an empty `data.value`: the Kuma webhook rejects it with '
                "`data.value: cannot be empty.` (when reachable: its failurePolicy is Ignore).",
                secret.ref,
                path="data.value",
                hint="Kuma Secrets carry their payload under the key `value`; put the PEM there.",
                fix=(f"kubectl create secret generic {secret.name} -n {namespace} --type={kind} "
                     "--from-file=value=tls.pem --dry-run=client -o yaml \\\n"
                     + (f"  | kubectl label --local -f - {MESH_LABEL}={secret.labels[MESH_LABEL]} -o yaml "
                        if not is_global and secret.labels.get(MESH_LABEL) else "  ")
                     + "| kubectl apply -f -")
                if shell_safe(secret.name, namespace, secret.labels.get(MESH_LABEL) or "x") else NOT_GENERATED,
                origin=secret.origin.at_line(secret.line_of("data")),
            )


def _has_value(secret: Resource) -> bool:
    payload = secret.payload
    if payload is None:
        return False
    if isinstance(payload.string_data, dict) and payload.string_data.get("value"):
        return True
    value = payload.data.get("value") if isinstance(payload.data, dict) else None
    if not isinstance(value, str) or not value:
        return False
    if value.strip(_NOT_DATA):  # anything left once `=`, CR and LF are stripped from both ends
        return True  # a data character: decodes to at least one byte, or is invalid — either way not empty
    decoded = decode_go_base64(value)
    return decoded is None or bool(decoded)  # invalid base64 is its own problem (MES209), not an empty value


def coverage_findings(ctx: Context) -> Iterator[Finding]:
    """One note when secret references were left unchecked because Secrets were not available."""
    if ctx.secrets_coverage is SecretsCoverage.PRESENT:
        return
    unchecked = [r for refs in ctx.references.values() for r in refs if r.status is ReferenceStatus.NOT_CHECKED]
    if not unchecked:
        return
    services = len({r.service.key for r in unchecked})
    what = f"{len(unchecked)} secret reference(s) of {services} MeshExternalService(s) were not checked"
    flavours = {r.service.namespace is not None for r in unchecked}
    get = []
    if True in flavours:
        get.append(f"kubectl get secrets -n {ctx.options.system_namespace} -o yaml > secrets.yaml")
    if False in flavours:
        meshes = sorted({r.mesh for r in unchecked})
        get += [f"kumactl get secrets --mesh {m} -o yaml > secrets-{m}.yaml" for m in meshes]
    hint = ("Add the Secrets to the input to check them; MES Doctor never shows or exports their payload "
            "(fingerprints, subjects and dates only).")
    if ctx.secrets_coverage is SecretsCoverage.DENIED:
        note = f": {ctx.secrets_note}" if ctx.secrets_note else ""
        yield finding("MES905", f"{what}: Secrets could not be read{note}.", hint=hint + " Listing Secrets needs "
                      "admin rights (Kuma API) or RBAC `list secrets` in the system namespace.", fix="\n".join(get))
        return
    note = f" ({ctx.secrets_note})" if ctx.secrets_note else ""
    yield finding("MES902", f"{what}: the input holds no Secrets{note}.", hint=hint, fix="\n".join(get))


CHECKS: tuple[Check, ...] = (
    Check("MES201-secret-references", REFERENCE_CODES, Scope.SERVICE, Phase.DIAGNOSE, reference_findings,
          "Every failing TLS data source of an MES, with the reason and a fix."),
    Check("MES214-secret-admission", ("MES214",), Scope.GLOBAL, Phase.DIAGNOSE, secret_admission_findings,
          "Kubernetes Kuma Secrets the Secret webhook would reject."),
    Check("MES902-secrets-coverage", ("MES902", "MES905"), Scope.GLOBAL, Phase.DIAGNOSE, coverage_findings,
          "Secret references left unchecked because Secrets were absent or unreadable."),
)
