"""Schema (CRD / Universal REST) violations of a MeshExternalService spec.

Messages follow the component that reports them:

* Kubernetes: kube-apiserver's CRD validation (`field.Error` bodies):
  `Required value`, `Invalid value: "string": spec.match.port in body must be of type integer: "string"`,
  `Invalid value: -1: spec.endpoints[0].port in body should be greater than or equal to 1`,
  `Unsupported value: "https": supported values: "tcp", "grpc", "http", "http2"`.
* Universal: Kuma's REST unmarshaller, which keeps the kube-openapi text after the field:
  `in body is required`, `in body must be of type integer: "string"`,
  `in body should be greater than or equal to 1`, `in body should be one of [tcp grpc http http2]`.

Unknown members are reported as `unknown field "<path>"` (kubectl's strict field validation
wording); `endpoints[].priority` before 2.14 gets its own code (MES155). Values of `inline`
are never echoed: they may hold key material.
"""

from __future__ import annotations

import base64
import binascii
import math
from typing import Any

from core.model import Flavour, redaction_marker
from core.validation.names import go_quote
from core.validation.schema import Node, spec_schema
from core.validation.values import EXACT_TYPES as _EXACT_TYPES
from core.validation.values import json_type, matches_type, string_value
from core.validation.violation import Violation
from core.versions import KumaVersion

REQUIRED = "MES101"
WRONG_TYPE = "MES102"
OUT_OF_RANGE = "MES103"
NOT_IN_ENUM = "MES104"
NOT_BASE64 = "MES105"
UNKNOWN_FIELD = "MES106"
PRIORITY_UNSUPPORTED = "MES155"


def schema_violations(spec: Any, version: KumaVersion, flavour: Flavour) -> list[Violation]:
    """Walk a (defaulted) spec against the version's schema; document order, never raises."""
    out: list[Violation] = []
    _Walker(version, flavour, out).walk(spec, spec_schema(version), "spec")
    return out


def is_base64(text: str) -> bool:
    """Go `base64.StdEncoding` as used for `format: byte` / `[]byte` (CR and LF are ignored)."""
    cleaned = text.replace("\r", "").replace("\n", "")
    try:
        base64.b64decode(cleaned.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return False
    return True


def _go_value(value: Any) -> str:
    """How `field.Invalid` prints a value: strings quoted, numbers plain."""
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


class _Walker:
    def __init__(self, version: KumaVersion, flavour: Flavour, out: list[Violation]) -> None:
        self.version = version
        self.k8s = flavour is Flavour.KUBERNETES
        self.out = out

    # --- message builders -------------------------------------------------------------------

    def _add(self, code: str, path: str, rule: str, k8s: str, universal: str, value: Any = None,
             allowed: tuple[str, ...] = ()) -> None:
        self.out.append(Violation(code, path, k8s if self.k8s else universal, rule, value, allowed))

    def _invalid(self, code: str, path: str, rule: str, shown: str, detail: str, value: Any = None,
                 allowed: tuple[str, ...] = ()) -> None:
        """kube-openapi `detail` reported as `Invalid value: <shown>: <path> <detail>` on Kubernetes."""
        self._add(code, path, rule, f"Invalid value: {shown}: {path} {detail}", detail, value, allowed)

    # --- walking ----------------------------------------------------------------------------

    def walk(self, value: Any, node: Node, path: str) -> None:
        """Recursion is bounded by the schema's depth: free-form members are not descended."""
        kind = node.type
        if kind is not None and _EXACT_TYPES.get(type(value)) != kind and not matches_type(value, kind):
            actual = json_type(value)
            self._invalid(WRONG_TYPE, path, "type", go_quote(actual),
                          f'in body must be of type {kind}: "{actual}"', value, (kind or "",))
            return
        if kind == "object":
            self._object(value, node, path)
        elif kind == "array" and node.items is not None:
            for index, item in enumerate(value):
                self.walk(item, node.items, f"{path}[{index}]")
        elif kind == "string":
            if node.enum or node.min_length is not None or node.format == "byte" or type(value) is not str:
                self._string(value, node, path)
        elif kind == "integer":
            self._integer(value, node, path)

    def _object(self, value: dict[Any, Any], node: Node, path: str) -> None:
        for name in node.required:
            if name not in value:
                self._add(REQUIRED, f"{path}.{name}", "required", "Required value", "in body is required")
        properties = node.properties
        for key, member in value.items():
            name = key if type(key) is str else str(key)
            prop = properties.get(name)
            if prop is not None:
                if prop.type is None:
                    continue  # free-form (`extension.config`): anything goes, nothing is descended
                self.walk(member, prop, f"{path}.{name}")
            elif not node.preserve_unknown:
                self._unknown(f"{path}.{name}", name)

    def _unknown(self, path: str, name: str) -> None:
        message = f"unknown field {go_quote(path)}"
        if name == "priority" and path.startswith("spec.endpoints[") and not self.version.supports_priority:
            message += f" (endpoint priority exists from Kuma 2.14; {self.version} ignores it)"
            self.out.append(Violation(PRIORITY_UNSUPPORTED, path, message, "unknown"))
            return
        self.out.append(Violation(UNKNOWN_FIELD, path, message, "unknown", name))

    def _string(self, value: Any, node: Node, path: str) -> None:
        text = string_value(value)
        if node.enum and text not in node.enum:
            supported = ", ".join(go_quote(v) for v in node.enum)
            self._add(NOT_IN_ENUM, path, "enum", f"Unsupported value: {go_quote(text)}: supported values: {supported}",
                      f"in body should be one of [{' '.join(node.enum)}]", text, node.enum)
        if node.min_length is not None and len(text) < node.min_length:
            self._invalid(OUT_OF_RANGE, path, "minLength", go_quote(text),
                          f"in body should be at least {node.min_length} chars long", text)
        if node.format == "byte" and isinstance(value, str) and not is_base64(value):
            hidden = go_quote(redaction_marker(value))
            self._invalid(NOT_BASE64, path, "byte", hidden, f"in body must be of type byte: {hidden}")

    def _integer(self, value: Any, node: Node, path: str) -> None:
        number = int(value)
        if node.minimum is not None and number < node.minimum:
            self._invalid(OUT_OF_RANGE, path, "minimum", _go_value(value),
                          f"in body should be greater than or equal to {node.minimum}", number)
        if node.maximum is not None and number > node.maximum:
            self._invalid(OUT_OF_RANGE, path, "maximum", _go_value(value),
                          f"in body should be less than or equal to {node.maximum}", number)
