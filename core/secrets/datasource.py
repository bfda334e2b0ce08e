"""Read the TLS data sources of an MES the way kuma-cp does, for both shapes.

Legacy (2.9-2.14): a flat object, precedence `secret` > `inline` (base64) > `inlineString`; an
object with none of them set (`{}`) is "not configured" and loads nothing without an error.
Current (3.0): `type: Secret` + `secretRef.name`, or `type: InsecureInline` + `insecureInline.value`
(plain text); anything else fails to load with a Kuma error (reference section 5.7).

A data source whose value has a type the schema would reject (a string where an object is
expected, a number as a Secret name) gets no plan: the validator reports it (MES102) and the
write never reaches the store.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import field
from typing import Any

from core.model import ReferenceStatus, Resource
from core.records import record
from core.versions import Generation

FIELDS = ("caCert", "clientCert", "clientKey")
LEGACY_KEYS = ("secret", "inline", "inlineString")
CURRENT_KEYS = ("type", "secretRef", "insecureInline", "file", "envVar")
BASE_PATH = "spec.tls.verification"
_SECRET_PATHS = {name: f"{BASE_PATH}.{name}.secret" for name in FIELDS}
_CURRENT = Generation.CURRENT  # a global: cheaper than the enum attribute, read for every data source


@record
class Plan:
    """What loading one data source means, before any Secret is looked up.

    `secret` is set when a Secret must be looked up (possibly `""`); `inline` holds inline bytes.
    `status` is set when the shape alone decides the outcome (a failure, or an empty source), with
    `error` the Kuma error text that follows `could not load <field>: ` for failures.
    """

    field: str
    path: str
    source: str
    secret: str | None = None
    inline: bytes | None = field(default=None, repr=False)
    status: ReferenceStatus | None = None
    message: str = ""
    error: str | None = None
    code: str | None = None


def verification_of(mes: Resource) -> dict[str, Any] | None:
    """`spec.tls.verification` when TLS is enabled (`enabled: true`) and verification is a mapping."""
    spec = mes.spec if isinstance(mes.spec, dict) else {}
    tls = spec.get("tls")
    if not isinstance(tls, dict) or tls.get("enabled") is not True:
        return None
    verification = tls.get("verification")
    return verification if isinstance(verification, dict) else None


def plans_for(mes: Resource, generation: Generation) -> list[Plan]:
    """The data sources kuma-cp loads for this MES, in its load order: `caCert`, then `clientCert`
    and `clientKey` only when both are set (non-null)."""
    verification = verification_of(mes)
    return [] if verification is None else plans_in(verification, generation)


def plans_in(verification: dict[str, Any], generation: Generation) -> list[Plan]:
    """`plans_for` given the MES's `spec.tls.verification` (as `verification_of` returns it)."""
    plans: list[Plan] = []
    ca = verification.get("caCert")
    if ca is not None:
        plan = plan_data_source("caCert", ca, generation)
        if plan is not None:
            plans.append(plan)
    cert = verification.get("clientCert")
    if cert is not None:
        key = verification.get("clientKey")
        if key is not None:
            for name, value in (("clientCert", cert), ("clientKey", key)):
                plan = plan_data_source(name, value, generation)
                if plan is not None:
                    plans.append(plan)
    return plans


def plan_data_source(name: str, value: Any, generation: Generation) -> Plan | None:
    if not isinstance(value, dict):
        return None
    if generation is _CURRENT:
        return _current(name, value)
    return _legacy(name, value)


def _legacy(name: str, value: dict[str, Any]) -> Plan | None:
    secret = value.get("secret")
    if secret is not None:
        if not isinstance(secret, str):
            return None
        if secret:  # the usual case, first
            return Plan(name, _SECRET_PATHS.get(name) or f"{BASE_PATH}.{name}.secret", "secret", secret)
        return Plan(name, f"{BASE_PATH}.{name}.secret", "secret", secret="", status=ReferenceStatus.EMPTY_NAME,
                    code="MES210",
                    message=f'{name} has `secret: ""`: Kuma looks up a Secret with an empty name, which never '
                            "exists, instead of treating the source as not configured.")
    base = f"{BASE_PATH}.{name}"
    inline, inline_string = value.get("inline"), value.get("inlineString")
    if inline is not None:
        if not isinstance(inline, str):
            return None
        decoded = decode_go_base64(inline)
        if decoded is None:
            return Plan(name, f"{base}.inline", "inline", status=ReferenceStatus.INVALID_BASE64, code="MES105",
                        message=f"{name}.inline is not valid base64 (`inline` has `format: byte`): the write is "
                                "rejected. Plain PEM text belongs in `inlineString`.")
        return Plan(name, f"{base}.inline", "inline", inline=decoded)
    if inline_string is not None:
        if not isinstance(inline_string, str):
            return None
        return Plan(name, f"{base}.inlineString", "inlineString", inline=inline_string.encode("utf-8", "replace"))
    current = [k for k in CURRENT_KEYS if k in value]
    if current:
        message = (f"{name} uses the 3.0 data-source shape ({', '.join(f'`{k}`' for k in current)}), which this "
                   "Kuma version does not know: the fields are pruned or ignored, so nothing is loaded "
                   f"(like an empty `{name}: {{}}`). Use `secret`, `inline` or `inlineString`.")
    else:
        message = (f"{name} is an empty data source (`{{}}`): Kuma treats it as not configured and loads nothing"
                   + (" (the system CA bundle is used instead)." if name == "caCert"
                      else " (no client certificate is sent)."))
    return Plan(name, base, "empty", status=ReferenceStatus.OK, message=message)


def _current(name: str, value: dict[str, Any]) -> Plan | None:
    base = f"{BASE_PATH}.{name}"
    kind = value.get("type")
    if kind is not None and not isinstance(kind, str):
        return None
    kind = kind or ""
    if kind == "":
        legacy = [k for k in LEGACY_KEYS if value.get(k) is not None]
        shape = ", ".join(f"`{k}`" for k in legacy) if legacy else "an empty object"
        written = value.get("secret")
        return Plan(name, f"{base}.type", legacy[0] if legacy else "empty",
                    secret=written if isinstance(written, str) and written else None,
                    status=ReferenceStatus.LEGACY_SHAPE, code="MES211",
                    error="datasource type:  is not supported on MeshExternalService",
                    message=f"{name} has no `type` ({shape}: the legacy data-source shape). Kuma 3.0 cannot read it: "
                            "new writes are rejected and a stored MES fails to load its TLS material.")
    if kind == "Secret":
        ref = value.get("secretRef")
        if not isinstance(ref, dict):
            return Plan(name, f"{base}.secretRef", "Secret", status=ReferenceStatus.INCOMPLETE, code="MES125",
                        error="secretRef must be defined",
                        message=f"{name} is `type: Secret` without `secretRef`: loading fails.")
        secret = ref.get("name")
        if secret is not None and not isinstance(secret, str):
            return None
        if not secret:
            return Plan(name, f"{base}.secretRef.name", "Secret", secret="", status=ReferenceStatus.INCOMPLETE,
                        code="MES127",
                        message=f"{name}.secretRef has no `name`: Kuma looks up a Secret with an empty name, "
                                "which never exists.")
        return Plan(name, f"{base}.secretRef.name", "Secret", secret)
    if kind == "InsecureInline":
        inline = value.get("insecureInline")
        if not isinstance(inline, dict):
            return Plan(name, f"{base}.insecureInline", "InsecureInline", status=ReferenceStatus.INCOMPLETE,
                        code="MES128", error="insecureInline must be defined",
                        message=f"{name} is `type: InsecureInline` without `insecureInline`: loading fails.")
        text = inline.get("value")
        if text is not None and not isinstance(text, str):
            return None
        return Plan(name, f"{base}.insecureInline.value", "InsecureInline",
                    inline=(text or "").encode("utf-8", "replace"))
    what = "File and EnvVar read the control plane's own files and environment and are" if kind in (
        "File", "EnvVar") else f"`{kind}` is not a data-source type and is"
    # the validator reports the same path on write (D1 for File / EnvVar, D6 otherwise): the reference carries
    # that code, and no second finding (MES212 / MES213 are retired)
    return Plan(name, f"{base}.type", kind, status=ReferenceStatus.UNSUPPORTED_TYPE,
                code="MES124" if kind in ("File", "EnvVar") else "MES129",
                error=f"datasource type: {kind} is not supported on MeshExternalService",
                message=f"{name} is `type: {kind}`: {what} not supported on MeshExternalService; loading fails.")


class Decoder:
    """The two base64 dialects of Secret values, as one object so a caller can substitute a memo."""

    def go(self, text: str) -> bytes | None:
        return decode_go_base64(text)

    def lenient(self, text: str) -> bytes | None:
        return decode_lenient_base64(text)


DECODER = Decoder()


def decode_go_base64(text: str) -> bytes | None:
    """Decode base64 as Go's `encoding/json` does for `[]byte` (standard alphabet, padding
    required, CR and LF ignored). None when invalid."""
    cleaned = text.replace("\r", "").replace("\n", "")
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        return None


def decode_lenient_base64(text: str) -> bytes | None:
    """Decode base64 accepting what protobuf JSON accepts: standard or URL-safe alphabet, with or
    without padding; like Go, only CR and LF are ignored (a space is invalid). None when invalid."""
    cleaned = text.replace("\r", "").replace("\n", "")
    if not cleaned:
        return b""
    cleaned = cleaned.rstrip("=")
    if len(cleaned) % 4 == 1:
        return None
    padded = cleaned + "=" * (-len(cleaned) % 4)
    try:
        if "-" in padded or "_" in padded:
            return base64.b64decode(padded, altchars=b"-_", validate=True)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None
