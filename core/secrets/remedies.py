"""Hints and ready-to-run fixes for failing secret references.

Fixes are kubectl / kumactl commands or YAML fragments. They never contain secret bytes: the
PEM always comes from a file placeholder (`--from-file=value=ca.pem`) or is copied inside the
cluster by a command substitution the operator runs.

On Kubernetes a Kuma Secret must get its `kuma.io/mesh` label in the same write that creates it:
the Secret webhook refuses to change the mesh of an existing Secret, and an unlabelled Secret
counts as mesh `default`, so "create, then label" fails for any other mesh.
"""

from __future__ import annotations

import re

from core.context import Context
from core.model import Flavour, ReferenceStatus, Resource, SecretReference
from core.secrets.lookup import KUMA_SECRET_TYPE, MESH_LABEL, secret_type, similar_visible_names

FILES = {"caCert": "ca.pem", "clientCert": "client.pem", "clientKey": "client-key.pem"}
# Keys under which other tools usually store the PEM Kuma wants under `value`.
_LIKELY_KEYS = {
    "caCert": ("ca.crt", "ca.pem", "tls.crt"),
    "clientCert": ("tls.crt", "cert.pem", "client.crt", "client.pem"),
    "clientKey": ("tls.key", "key.pem", "client.key", "client-key.pem"),
}


# A word a shell takes literally (and Kubernetes / Kuma accept as a name): anything else is not put into a command
# an operator may paste, since names come from the input (`$(...)`, `;`, quotes, newlines would run or break it).
_SHELL_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
NOT_GENERATED = "# no command generated: a name here holds characters a shell would interpret; fix it by hand"


def shell_safe(*words: object) -> bool:
    return all(isinstance(w, str) and _SHELL_SAFE.fullmatch(w) is not None for w in words)


def remedy(ctx: Context, mes: Resource, ref: SecretReference) -> tuple[str, str]:
    """(hint, fix) for a reference that is not `ok`; empty strings when there is nothing to do."""
    hint, fix = _remedy(ctx, mes, ref)
    near = ctx.index.get(ref.matched.key) if ref.matched else None
    words = [ref.secret or mes.name, mes.mesh, *((near.name, near.mesh, near.namespace or "x") if near else ())]
    if fix and not shell_safe(*words):
        fix = NOT_GENERATED
    return hint, fix


def _remedy(ctx: Context, mes: Resource, ref: SecretReference) -> tuple[str, str]:
    near = ctx.index.get(ref.matched.key) if ref.matched else None
    ns = ctx.options.system_namespace
    name = ref.secret or f"{mes.name}-{ref.field.lower()}"
    file = FILES.get(ref.field, "tls.pem")
    k8s = mes.flavour is Flavour.KUBERNETES
    create = create_command(mes, name, file, ns) if k8s else kumactl_apply(name, mes.mesh, file)
    status = ref.status

    if status is ReferenceStatus.NOT_FOUND:
        where = (f"a Secret of type {KUMA_SECRET_TYPE} in namespace {ns} labelled {MESH_LABEL}={mes.mesh}, with the "
                 "PEM under key `value`" if k8s else f"a Secret in mesh {mes.mesh} whose `data` is the base64 PEM")
        close = near_miss_name(ctx, mes, ref)
        if close is not None and shell_safe(close, mes.name, mes.namespace or ns):
            return (f'Point {ref.path} at the existing Secret "{close}" (a near miss: likely a typo), or create '
                    f'the Secret "{name}" it names (second command).',
                    _lines(point_at(ctx, mes, ref, close), f'# or create the Secret "{name}" it names:', create))
        return f'Create {where}, or correct the name at {ref.path}.', create

    if status is ReferenceStatus.WRONG_NAMESPACE and near is not None:
        copy = _copy_out(near, ref.field, file)
        return (f"Kuma only reads Secrets from namespace {ns}. Recreate the Secret there as a {KUMA_SECRET_TYPE} "
                f"labelled {MESH_LABEL}={mes.mesh} (a Secret cannot be moved between namespaces).",
                _lines(copy, create))

    if status is ReferenceStatus.WRONG_MESH and near is not None:
        if not k8s:
            get = f"kumactl get secret {name} --mesh {near.mesh} -o json | jq -r .data | base64 -d > {file}"
            return (f"Secrets are per mesh: create the same Secret in mesh {mes.mesh} (the name can stay).",
                    _lines(get, create))
        other = near.labels.get(MESH_LABEL, "")
        new_name = f"{name}-{mes.mesh}"
        return (f"A Secret belongs to exactly one mesh and the Kuma webhook refuses to change its mesh label. "
                f"Create a copy for mesh {mes.mesh} under a new name and reference it (or delete and recreate "
                f"this one with {MESH_LABEL}={mes.mesh} if mesh {other} does not use it).",
                _lines(_copy_out(near, ref.field, file), create_command(mes, new_name, file, ns),
                       f"# then set {ref.path}: {new_name}"))

    if status is ReferenceStatus.MISSING_MESH_LABEL and near is not None:
        if mes.mesh == "default":
            return (f"Kuma lists a mesh's Secrets with the selector {MESH_LABEL}=default; label the Secret.",
                    f"kubectl label secret {name} -n {ns} {MESH_LABEL}=default")
        return (f"Kuma lists a mesh's Secrets with the selector {MESH_LABEL}={mes.mesh}. An unlabelled Secret "
                f"counts as mesh default and the webhook refuses to move it to another mesh, so recreate it "
                "with the label.",
                _lines(_copy_out(near, ref.field, file), f"kubectl delete secret {name} -n {ns}", create))

    if status is ReferenceStatus.WRONG_TYPE and near is not None:
        kind = secret_type(near)
        copy = _copy_out(near, ref.field, file)
        if kind == "kubernetes.io/tls":
            new_name = f"{name}-kuma"
            return (f"A kubernetes.io/tls Secret (often managed by cert-manager) cannot be used directly: copy its "
                    f"PEM into a separate {KUMA_SECRET_TYPE} Secret and reference that one.",
                    _lines(copy, create_command(mes, new_name, file, ns), f"# then set {ref.path}: {new_name}"))
        return (f"Secret types are immutable: recreate the Secret as type {KUMA_SECRET_TYPE} with the PEM under "
                "key `value` (if something else uses it, create a new Secret under another name instead).",
                _lines(copy, f"kubectl delete secret {name} -n {ns}", create))

    if status is ReferenceStatus.GLOBAL_SECRET:
        if not k8s:
            get = f"kumactl get global-secret {name} -o json | jq -r .data | base64 -d > {file}"
            return (f"GlobalSecrets can never be referenced by an MES: create a Secret of the same name in mesh "
                    f"{mes.mesh}.", _lines(get, create))
        new_name = f"{name}-{mes.mesh}"
        return (f"GlobalSecrets can never be referenced by an MES: create a mesh-scoped Secret for mesh {mes.mesh} "
                "(under another name: the GlobalSecret already uses this one in the namespace).",
                _lines(_copy_out(near, ref.field, file) if near else f"# put the PEM in {file}",
                       create_command(mes, new_name, file, ns), f"# then set {ref.path}: {new_name}"))

    if status is ReferenceStatus.NO_VALUE_KEY and near is not None:
        key = _likely_key(near, ref.field)
        if key:
            source = f"$(kubectl get secret {name} -n {ns} -o jsonpath='{{.data.{_jsonpath(key)}}}')"
            hint = f"Kuma reads only the key `value`; the PEM seems to be under `{key}`. Copy it to `value`."
        else:
            source = f"$(base64 -w0 < {file})"
            hint = "Kuma reads only the key `value`: add the PEM under `value`."
        return hint, _patch_value(name, ns, source)

    if status is ReferenceStatus.EMPTY_VALUE:
        if k8s:
            return "Put the PEM into the Secret's `value`.", _patch_value(name, ns, f"$(base64 -w0 < {file})")
        return "Put the base64 PEM into the Secret's `data`.", create

    if status is ReferenceStatus.INVALID_BASE64 and ref.secret is None:  # legacy `inline` (MES105)
        return ("`inline` must be base64 of the PEM; plain PEM text belongs in `inlineString`.",
                _yaml(ref.field, ["inlineString: |", f"  <contents of {file}>"]))

    if status is ReferenceStatus.INVALID_BASE64:
        if k8s:
            return ("Secret `data` values must be base64 of the PEM: let kubectl encode the file (or put plain "
                    "text under `stringData`).", _apply(create))
        return "The Secret's `data` must be base64 of the PEM: let `base64` encode the file.", create

    if status is ReferenceStatus.EMPTY_NAME:
        return (f'`secret: ""` is looked up as a Secret named "". Name the Secret, or remove {ref.field} to leave '
                "it unconfigured.", _yaml(ref.field, ["secret: <secret-name>"]))

    if status is ReferenceStatus.LEGACY_SHAPE:
        if ref.source == "secret":
            body = ["type: Secret", "secretRef:", "  kind: Secret", f"  name: {ref.secret or '<secret-name>'}"]
        elif ref.source in ("inline", "inlineString"):
            body = ["type: InsecureInline", "insecureInline:", "  value: |", "    -----BEGIN CERTIFICATE-----",
                    "    <PEM text, not base64>"]
        else:
            return (f"An empty data source fails to load on 3.0: remove {ref.field} (or give it a type).",
                    f"# remove spec.tls.verification.{ref.field}")
        return ("Rewrite the data source in the 3.0 SecureDataSource shape (see the upgrade notes).",
                _yaml(ref.field, body))

    if status is ReferenceStatus.UNSUPPORTED_TYPE:
        body = ["type: Secret", "secretRef:", "  kind: Secret", f"  name: {name}"]
        return ("MeshExternalService accepts only `Secret` and `InsecureInline` data sources: store the PEM in a "
                "Kuma Secret and reference it.", _lines(create, _yaml(ref.field, body)))

    if status is ReferenceStatus.INCOMPLETE:
        if ref.source == "InsecureInline":
            body = ["type: InsecureInline", "insecureInline:", "  value: |", "    <PEM text>"]
        else:
            body = ["type: Secret", "secretRef:", "  kind: Secret", "  name: <secret-name>"]
        return "Complete the data source.", _yaml(ref.field, body)

    return "", ""


def near_miss_name(ctx: Context, mes: Resource, ref: SecretReference) -> str | None:
    """The closest name of a Secret this MES's mesh sees, for a reference to a Secret that does not exist.

    Names the MES already references in its other fields are left out: `partner-key` is close to
    `partner-cert`, but pointing the client certificate at the client key's Secret fixes nothing.
    """
    if not ref.secret:
        return None
    others = {r.secret for r in ctx.references.get(mes.key, ()) if r.field != ref.field and r.secret}
    return next((n for n in similar_visible_names(ctx, mes, ref.secret) if n not in others), None)


def point_at(ctx: Context, mes: Resource, ref: SecretReference, name: str) -> str:
    """Change the Secret name a reference holds (at `ref.path`) to `name`, in place."""
    if mes.flavour is Flavour.KUBERNETES:
        namespace = mes.namespace or ctx.options.system_namespace
        pointer = "/" + ref.path.replace(".", "/")
        return (f"kubectl patch meshexternalservice {mes.name} -n {namespace} --type json \\\n"
                f"  -p '[{{\"op\": \"replace\", \"path\": \"{pointer}\", \"value\": \"{name}\"}}]'")
    return (f"kumactl get meshexternalservice {mes.name} --mesh {mes.mesh} -o yaml > mes.yaml\n"
            f"# in mes.yaml set {ref.path}: {name}, then\n"
            "kumactl apply -f mes.yaml")


def create_command(mes: Resource, name: str, file: str, namespace: str) -> str:
    """Create a Kuma Secret with its mesh label in one write (see the module docstring)."""
    return (f"kubectl create secret generic {name} -n {namespace} --type={KUMA_SECRET_TYPE} "
            f"--from-file=value={file} --dry-run=client -o yaml \\\n"
            f"  | kubectl label --local -f - {MESH_LABEL}={mes.mesh} -o yaml | kubectl create -f -")


def kumactl_apply(name: str, mesh: str, file: str) -> str:
    return (f"kumactl apply -f - <<EOF\ntype: Secret\nname: {name}\nmesh: {mesh}\n"
            f"data: $(base64 -w0 < {file})\nEOF")


def _patch_value(name: str, namespace: str, source: str) -> str:
    """`kubectl patch` setting `data.value` from a shell substitution (`source` yields base64)."""
    body = '{\\"data\\":{\\"value\\":\\"' + source + '\\"}}'
    return f'kubectl patch secret {name} -n {namespace} --type merge -p "{body}"'


def _apply(create: str) -> str:
    """The create command turned into an update (`kubectl apply` replaces the data)."""
    return create.replace("kubectl create -f -", "kubectl apply -f -")


def _copy_out(secret: Resource, field: str, file: str) -> str:
    key = "value" if "value" in _keys(secret) else _likely_key(secret, field)
    if not key:
        return f"# put the PEM for {field} in {file}"
    where = f" -n {secret.namespace}" if secret.namespace else ""
    return f"kubectl get secret {secret.name}{where} -o jsonpath='{{.data.{_jsonpath(key)}}}' | base64 -d > {file}"


def _keys(secret: Resource) -> list[str]:
    return secret.payload.keys() if secret.payload else []


def _likely_key(secret: Resource, field: str) -> str | None:
    keys = _keys(secret)
    return next((k for k in _LIKELY_KEYS.get(field, ()) if k in keys), None)


def _jsonpath(key: str) -> str:
    return key.replace(".", "\\.")


def _lines(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


def _yaml(field: str, body: list[str]) -> str:
    lines = ["spec:", "  tls:", "    verification:", f"      {field}:"]
    lines += [f"        {line}" for line in body]
    return "\n".join(lines)


def store_command(ctx: Context, mes: Resource, ref: SecretReference, file: str) -> str:
    """How to put corrected material (from `file`) back where this reference reads it."""
    if ref.secret:
        if mes.flavour is Flavour.KUBERNETES:
            return _apply(create_command(mes, ref.secret, file, ctx.options.system_namespace))
        return kumactl_apply(ref.secret, mes.mesh, file)
    if ref.source == "InsecureInline":
        return _yaml(ref.field, ["type: InsecureInline", "insecureInline:", "  value: |", f"    <contents of {file}>"])
    return _yaml(ref.field, ["inlineString: |", f"  <contents of {file}>"])
