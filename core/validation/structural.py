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

`defaulted_schema_violations` does `apply_defaults` and the walk of its copy in a single pass
(same copy, same violations in the same order); `schema_violations` is the reference walk.
"""

from __future__ import annotations

import base64
import binascii
import math
from dataclasses import dataclass
from functools import cache
from typing import Any

from core.model import Flavour, Resource, redaction_marker
from core.validation.defaults import MAX_DEPTH, applies_defaults, copy_value, default_member
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


# --- the defaults copy and the walk in one pass ---------------------------------------------------


def defaulted_schema_violations(mes: Resource, version: KumaVersion) -> tuple[dict[str, Any], list[Violation]] | None:
    """`apply_defaults(mes, version)` and `schema_violations` of that copy, in one walk over the spec.

    Why: the two separate walks over every spec were the largest part of the validation stage.
    Returns None (the caller then takes the reference path) when the spec is not a mapping or
    holds a member name that is not a plain `str` in a part the schema describes.
    """
    spec = mes.spec
    if not isinstance(spec, dict):
        return None
    out: list[Violation] = []
    schema, shapes = _plan(version)
    walker = _DefaultingWalker(version, mes.flavour, out, applies_defaults(mes.flavour, version), shapes)
    try:
        copied = walker.copy_walk(spec, schema, "spec", 0)
    except _NotPlain:
        return None
    return copied, out


class _NotPlain(Exception):
    """Input the single pass leaves to the reference path (`defaulted_schema_violations`)."""


@dataclass(frozen=True, slots=True)
class _Leaf:
    """A scalar member the walk has nothing to say about when it has the `exact` Python type and,
    if `constrained`, passes `within` (its copy is then the value itself)."""

    exact: type
    constrained: bool = False  # an enum, a minimum length or bounds to check
    choices: frozenset[str] | None = None
    min_length: int = 0
    low: float = -math.inf
    high: float = math.inf

    def accepts(self, value: Any) -> bool:
        return type(value) is self.exact and (not self.constrained or self.within(value))

    def within(self, value: Any) -> bool:
        """The constraints, for a value of the exact type."""
        if self.exact is str:
            return (self.choices is None or value in self.choices) and len(value) >= self.min_length
        return self.low <= value <= self.high


_UNSET: Any = object()


@dataclass(frozen=True, slots=True)
class _Shape:
    """What the single pass needs of an object node, computed once per node and process."""

    properties: dict[str, Node]
    required: tuple[tuple[str, Node | None], ...]  # each required name and its property node
    defaulted: tuple[tuple[str, Node], ...]  # properties with a default, in schema order
    leaves: dict[str, _Leaf]  # scalar properties, with their fast acceptance test
    objects: dict[str, Node]  # object properties
    ready_defaults: dict[str, Any]  # defaults that are their own copy and that the walk accepts


def _leaf(node: Node) -> _Leaf | None:
    if node.type == "boolean":
        return _Leaf(bool)
    if node.type == "string" and node.format != "byte":
        return _Leaf(str, bool(node.enum) or bool(node.min_length), frozenset(node.enum) if node.enum else None,
                     node.min_length or 0)
    if node.type == "integer":
        low = -math.inf if node.minimum is None else node.minimum
        high = math.inf if node.maximum is None else node.maximum
        return _Leaf(int, node.minimum is not None or node.maximum is not None, low=low, high=high)
    return None


def _shape(node: Node) -> _Shape:
    properties = node.properties
    leaves = {name: leaf for name, prop in properties.items() if (leaf := _leaf(prop)) is not None}
    defaulted = tuple((name, prop) for name, prop in properties.items() if prop.has_default)
    return _Shape(
        properties=properties,
        required=tuple((name, properties.get(name)) for name in node.required),
        defaulted=defaulted,
        leaves=leaves,
        objects={name: prop for name, prop in properties.items() if prop.type == "object"},
        ready_defaults={name: prop.default for name, prop in defaulted
                        if name in leaves and leaves[name].accepts(prop.default)},
    )


@cache
def _plan(version: KumaVersion) -> tuple[Node, dict[int, _Shape]]:
    """The version's schema and the `_Shape` of each of its object nodes, by node id (`spec_schema`
    is cached for the life of the process, so the ids stay those of the same nodes)."""
    schema = spec_schema(version)
    shapes: dict[int, _Shape] = {}
    pending = [schema]
    while pending:
        node = pending.pop()
        if node.items is not None:
            pending.append(node.items)
        if node.type == "object" and id(node) not in shapes:
            shapes[id(node)] = _shape(node)
            pending.extend(node.properties.values())
    return schema, shapes


class _DefaultingWalker(_Walker):
    """Builds the copy `apply_defaults` returns while reporting what `_Walker.walk` reports on it.

    Violations come out in the copy's order: an object's missing required members first, then its
    members as written (a `null` replaced by its default keeps its place, a pruned one is gone),
    then the defaults added for absent members. Objects are only met at the schema's depth, far
    below `MAX_DEPTH`; below that depth the copy and the walk are left to the reference path.
    """

    def __init__(self, version: KumaVersion, flavour: Flavour, out: list[Violation], defaults: bool,
                 shapes: dict[int, _Shape]) -> None:
        super().__init__(version, flavour, out)
        self.defaults = defaults
        self.prune = defaults and flavour is Flavour.KUBERNETES
        self.shapes = shapes

    def copy_walk(self, value: Any, node: Node, path: str, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise _NotPlain
        if node.type == "object" and isinstance(value, dict):
            return self._copy_object(value, node, path, depth)
        items = node.items
        if node.type == "array" and isinstance(value, list | tuple) and items is not None:
            return [self.copy_walk(item, items, f"{path}[{index}]", depth + 1) for index, item in enumerate(value)]
        copied = copy_value(value, depth)  # a scalar or a value of the wrong type: the reference walk
        self.walk(copied, node, path)
        return copied

    def _copy_object(self, value: dict[Any, Any], node: Node, path: str, depth: int) -> dict[Any, Any]:
        if depth > MAX_DEPTH:
            raise _NotPlain
        shape = self.shapes[id(node)]
        for name, prop in shape.required:
            if value.get(name) is None and not self._kept(value, name, prop):
                self._add(REQUIRED, f"{path}.{name}", "required", "Required value", "in body is required")
        leaves = shape.leaves
        objects = shape.objects
        out: dict[Any, Any] = {}
        for key, member in value.items():
            # fast paths: a scalar the walk has nothing to say about, a plain object of the schema
            leaf = leaves.get(key)
            if leaf is not None:
                if type(member) is leaf.exact and (not leaf.constrained or leaf.within(member)):
                    out[key] = member
                    continue
            elif type(member) is dict and type(key) is str and key in objects:
                out[key] = self._copy_object(member, objects[key], f"{path}.{key}", depth + 1)
                continue
            self._copy_member(out, key, member, node, shape, path, depth + 1)
        if self.defaults:
            for key, prop in shape.defaulted:
                if key not in value:
                    out[key] = self._default(shape, key, prop, path, depth + 1)
        return out

    def _copy_member(self, out: dict[Any, Any], key: Any, member: Any, node: Node, shape: _Shape, path: str,
                     depth: int) -> None:
        """Copy one member of an object into `out` (or leave it out: a pruned `null`), walking it."""
        if type(key) is not str:
            raise _NotPlain
        prop = shape.properties.get(key)
        if prop is None:
            out[key] = copy_value(member, depth)
            if not node.preserve_unknown:
                self._unknown(f"{path}.{key}", key)
        elif member is None and self.defaults and (prop.has_default or self.prune):
            if prop.has_default:
                out[key] = self._default(shape, key, prop, path, depth)
        elif prop.type is None:
            out[key] = copy_value(member, depth)  # free-form (`extension.config`): not walked
        else:
            out[key] = self.copy_walk(member, prop, f"{path}.{key}", depth)

    def _kept(self, value: dict[Any, Any], name: str, prop: Node | None) -> bool:
        """Whether the defaulted copy of `value` has member `name`."""
        if not self.defaults:
            return name in value
        if prop is not None and prop.has_default:
            return True
        if name not in value:
            return False
        return value[name] is not None or not self.prune or prop is None

    def _default(self, shape: _Shape, key: str, prop: Node, path: str, depth: int) -> Any:
        """The default of member `key` of an object at `path`, walked (a valid scalar needs neither)."""
        ready = shape.ready_defaults.get(key, _UNSET)
        if ready is not _UNSET:
            return ready
        value = default_member(prop, prune_nulls=self.prune, depth=depth)
        self.walk(value, prop, f"{path}.{key}")
        return value
