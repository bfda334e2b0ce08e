"""Find the Secret a reference names, with Kuma's visibility rules, and explain near misses.

Kuma (reference 3.3/3.4) only sees mesh-scoped Secrets of the MES's own mesh, by plain name.
Kubernetes: a `v1/Secret` in the system namespace, `type: system.kuma.io/secret`, carrying the
label `kuma.io/mesh: <mesh>` (unlabelled Secrets are invisible, even for mesh `default`); the
payload is key `value`. Universal: `type: Secret` with a matching `mesh`, `data` in base64.
GlobalSecrets never match. When nothing is visible, the closest Secret of the same name says why.
"""

from __future__ import annotations

from dataclasses import field

from core.context import Context
from core.model import Flavour, Kind, ReferenceStatus, Resource, is_redaction_marker
from core.records import record
from core.secrets.datasource import DECODER, Decoder
from core.secrets.similar import CloseNames

KUMA_SECRET_TYPE = "system.kuma.io/secret"
GLOBAL_SECRET_TYPE = "system.kuma.io/global-secret"
MESH_LABEL = "kuma.io/mesh"
NEAR_MISS_CUTOFF = 0.75  # similarity (0-1, core/secrets/similar.py) from which another Secret's name is a near miss

# When one near miss has several problems, the most fundamental one names the status.
_PRECEDENCE = (
    ReferenceStatus.GLOBAL_SECRET,
    ReferenceStatus.WRONG_NAMESPACE,
    ReferenceStatus.WRONG_TYPE,
    ReferenceStatus.MISSING_MESH_LABEL,
    ReferenceStatus.WRONG_MESH,
)
# Between near misses, the one with the fewest problems wins; ties prefer the easiest fix.
_TIE_ORDER = tuple(reversed(_PRECEDENCE))


@record
class Lookup:
    status: ReferenceStatus
    message: str
    secret: Resource | None = None  # the visible Secret, or the closest near miss
    data: bytes | None = field(default=None, repr=False)


_KIND_NAMES = {kind: kind.value for kind in Kind}
_NOTHING: dict[str, Resource] = {}
# Enum members as module constants for the per-reference paths: reading `Flavour.UNIVERSAL` goes
# through the enum class, several times slower than a global.
_KUBERNETES, _UNIVERSAL = Flavour.KUBERNETES, Flavour.UNIVERSAL
_SECRET, _GLOBAL_SECRET = Kind.SECRET, Kind.GLOBAL_SECRET
_OK = ReferenceStatus.OK


def secret_type(secret: Resource) -> str:
    payload = secret.payload
    declared = payload.secret_type if payload else None
    if declared:
        return declared
    if secret.flavour is _KUBERNETES:
        return GLOBAL_SECRET_TYPE if secret.kind is _GLOBAL_SECRET else "Opaque"
    return _KIND_NAMES[secret.kind]


def is_global(secret: Resource) -> bool:
    return secret.kind is Kind.GLOBAL_SECRET or secret_type(secret) == GLOBAL_SECRET_TYPE


def visible(secret: Resource, mesh: str, flavour: Flavour, system_namespace: str) -> bool:
    """Whether kuma-cp's mesh Secret list for `mesh` contains this Secret."""
    # a GlobalSecret kind is not Kind.SECRET: only the declared type is left to check
    if secret.flavour is not flavour or secret.kind is not _SECRET:
        return False
    kind = secret_type(secret)
    if kind == GLOBAL_SECRET_TYPE:
        return False
    if flavour is _UNIVERSAL:
        return secret.mesh == mesh
    return (
        secret.namespace == system_namespace
        and kind == KUMA_SECRET_TYPE
        and secret.labels.get(MESH_LABEL) == mesh
    )


def visible_secrets(ctx: Context) -> dict[Flavour, dict[str, dict[str, Resource]]]:
    """By flavour and mesh: the Secrets the mesh sees by name, the first in input order for a name
    given twice — the one `look_up` finds. Made once per analysis.

    A Secret is visible to at most one mesh: its label (Kubernetes) or its `mesh` (Universal).
    """
    def by_mesh() -> dict[Flavour, dict[str, dict[str, Resource]]]:
        namespace = ctx.options.system_namespace
        groups: dict[Flavour, dict[str, dict[str, Resource]]] = {}
        for secret in ctx.index.secrets:
            flavour = secret.flavour
            owner = secret.labels.get(MESH_LABEL) if flavour is _KUBERNETES else secret.mesh
            if isinstance(owner, str) and visible(secret, owner, flavour, namespace):
                meshes = groups.get(flavour)
                if meshes is None:
                    meshes = groups[flavour] = {}
                names = meshes.get(owner)
                if names is None:
                    names = meshes[owner] = {}
                if secret.name not in names:
                    names[secret.name] = secret
        return groups

    return ctx.cached("secrets-visible-by-mesh", None, by_mesh)


def look_up(ctx: Context, mes: Resource, name: str, decoder: Decoder = DECODER) -> Lookup:
    """Resolve a Secret name for an MES (Secrets must be PRESENT in the context)."""
    seen = visible_secrets(ctx).get(mes.flavour, {}).get(mes.mesh, _NOTHING)
    return look_up_in(ctx, seen, mes, name, decoder)


def look_up_in(ctx: Context, seen: dict[str, Resource], mes: Resource, name: str, decoder: Decoder) -> Lookup:
    """`look_up` with `seen`, the Secrets the MES's mesh sees by name (from `visible_secrets`)."""
    secret = seen.get(name)
    if secret is not None:
        status, data, detail = read_value(secret, decoder)
        return Lookup(status, detail.replace("{name}", name), secret, data)
    namespace = ctx.options.system_namespace
    candidates = ctx.index.secrets_by_name.get(name, [])
    same_flavour = [c for c in candidates if c.flavour is mes.flavour]  # none of them is visible
    best: tuple[int, int, ReferenceStatus, Resource, list[str]] | None = None
    for secret in same_flavour:
        status, problems = _near_miss(secret, mes.mesh, namespace)
        rank = (len(problems), _TIE_ORDER.index(status))
        if best is None or rank < best[:2]:
            best = (*rank, status, secret, problems)
    if best is not None:
        _, _, status, secret, problems = best
        where = f" in namespace {secret.namespace}" if secret.namespace else ""
        return Lookup(status, f'Secret "{name}"{where} exists but is invisible to this MES: it '
                              + "; it ".join(problems) + ".", secret)
    return Lookup(ReferenceStatus.NOT_FOUND, _not_found_message(ctx, mes, name, candidates))


def _near_miss(secret: Resource, mesh: str, namespace: str) -> tuple[ReferenceStatus, list[str]]:
    found: dict[ReferenceStatus, str] = {}
    if is_global(secret):
        found[ReferenceStatus.GLOBAL_SECRET] = "is a GlobalSecret, and GlobalSecrets can never be used by an MES"
    if secret.flavour is Flavour.KUBERNETES:
        if secret.namespace != namespace:
            found[ReferenceStatus.WRONG_NAMESPACE] = (
                f'is in namespace "{secret.namespace}", but Kuma only reads Secrets from "{namespace}"')
        kind = secret_type(secret)
        if not is_global(secret) and kind != KUMA_SECRET_TYPE:
            found[ReferenceStatus.WRONG_TYPE] = f'has type "{kind}", not "{KUMA_SECRET_TYPE}"'
        label = secret.labels.get(MESH_LABEL)
        if not is_global(secret):
            if not label:
                found[ReferenceStatus.MISSING_MESH_LABEL] = (
                    f'has no "{MESH_LABEL}" label, so the selector {MESH_LABEL}={mesh} does not list it')
            elif label != mesh:
                found[ReferenceStatus.WRONG_MESH] = f'belongs to mesh "{label}" ({MESH_LABEL}: {label}), not "{mesh}"'
    elif not is_global(secret) and secret.mesh != mesh:
        found[ReferenceStatus.WRONG_MESH] = f'belongs to mesh "{secret.mesh}", not "{mesh}"'
    if not found:  # cannot happen for a non-visible Secret of the same flavour; stay safe anyway
        found[ReferenceStatus.NOT_FOUND] = "is not visible to the MES"
        return ReferenceStatus.NOT_FOUND, list(found.values())
    status = next(s for s in _PRECEDENCE if s in found)
    ordered = [found[status]] + [text for s, text in found.items() if s is not status]
    return status, ordered


def _not_found_message(ctx: Context, mes: Resource, name: str, candidates: list[Resource]) -> str:
    if mes.flavour is Flavour.KUBERNETES:
        where = (f'no Secret "{name}" of type {KUMA_SECRET_TYPE} in namespace {ctx.options.system_namespace} '
                 f"labelled {MESH_LABEL}={mes.mesh}")
    else:
        where = f'no Secret "{name}" in mesh {mes.mesh}'
    text = f"{where} exists in the input."
    others = [c for c in candidates if c.flavour is not mes.flavour]
    if others:
        text += f" (A {others[0].flavour.value} Secret of that name exists, but this MES is {mes.flavour.value}.)"
    if "." in name and mes.flavour is Flavour.KUBERNETES:
        plain = name.split(".", 1)[0]
        if plain in ctx.index.secrets_by_name:
            text += f' Reference Secrets by their plain name ("{plain}"), without a namespace suffix.'
            return text
    close = similar_visible_names(ctx, mes, name)
    if close:
        text += " Similar Secrets of this mesh: " + ", ".join(f'"{c}"' for c in close) + "."
    return text


def similar_visible_names(ctx: Context, mes: Resource, name: str, n: int = 3) -> list[str]:
    """Names of Secrets the MES's mesh sees that are close to `name` (best first): the near misses of a
    Secret that does not exist, as the not-found message lists them. None for a key pasted as the name
    (MES020, shown redacted): no other name is "similar"."""
    if is_redaction_marker(name):
        return []
    return _visible_names(ctx, mes.flavour, mes.mesh).close_matches(name, n=n, cutoff=NEAR_MISS_CUTOFF)


def _visible_names(ctx: Context, flavour: Flavour, mesh: str) -> CloseNames:
    """The names of the Secrets `mesh` sees, indexed once per analysis for near-miss suggestions."""
    seen = visible_secrets(ctx).get(flavour, {}).get(mesh, _NOTHING)
    return ctx.cached("secret-close-names", (flavour, mesh), lambda: CloseNames(seen))


def read_value(secret: Resource, decoder: Decoder = DECODER) -> tuple[ReferenceStatus, bytes | None, str]:
    """The bytes Kuma loads from a visible Secret: (status, bytes or None, explanation).

    `{name}` in the explanation stands for the Secret's name.
    """
    payload = secret.payload
    if secret.flavour is _UNIVERSAL:
        raw = payload.data if payload else None
        if raw is None or raw == "":
            return ReferenceStatus.EMPTY_VALUE, None, 'Secret "{name}" has no `data`: Kuma loads empty bytes.'
        if not isinstance(raw, str):
            return ReferenceStatus.INVALID_BASE64, None, 'Secret "{name}": `data` is not a base64 string.'
        decoded = decoder.lenient(raw)
        if decoded is None:
            return (ReferenceStatus.INVALID_BASE64, None,
                    'Secret "{name}": `data` is not valid base64, so the Kuma API rejects the Secret.')
        if not decoded:
            return ReferenceStatus.EMPTY_VALUE, None, 'Secret "{name}" has empty `data`: Kuma loads empty bytes.'
        return _OK, decoded, f'Secret "{{name}}" in mesh {secret.mesh} ({len(decoded)} bytes).'
    data = payload.data if payload and isinstance(payload.data, dict) else {}
    string_data = payload.string_data if payload and isinstance(payload.string_data, dict) else {}
    value_bytes = b""  # data.value decoded: every value is decoded once (they are often kilobytes)
    for key, value in data.items():
        raw = decoder.go(value) if isinstance(value, str) else None
        if value is not None and raw is None:
            return (ReferenceStatus.INVALID_BASE64, None,
                    f'Secret "{{name}}": data.{key} is not valid base64, so the API server rejects the Secret '
                    "(it never exists in the cluster).")
        if raw is not None and key == "value":
            value_bytes = raw
    for key, value in string_data.items():
        if value is not None and not isinstance(value, str):
            return (ReferenceStatus.INVALID_BASE64, None,
                    f'Secret "{{name}}": stringData.{key} is not a string, so the API server rejects the Secret.')
    where = f"namespace {secret.namespace}"
    if "value" in string_data:
        loaded = (string_data["value"] or "").encode("utf-8")
        origin = "stringData.value"
    elif "value" in data:
        loaded = value_bytes  # null or "" decode to nothing
        origin = "data.value"
    else:
        keys = ", ".join(sorted({str(k) for k in [*data, *string_data]})) or "none"
        return (ReferenceStatus.NO_VALUE_KEY, None,
                f'Secret "{{name}}" ({where}) has no `value` key (keys: {keys}): Kuma reads only `value` and '
                "loads empty bytes.")
    if not loaded:
        return (ReferenceStatus.EMPTY_VALUE, None,
                f'Secret "{{name}}" ({where}) has an empty {origin}: Kuma loads empty bytes.')
    return _OK, loaded, f'Secret "{{name}}" ({where}, {origin}, {len(loaded)} bytes).'
