"""Schema defaults, applied where Kuma applies them (reference section 1.8).

* Kubernetes: kube-apiserver applies the CRD defaults on every version, and prunes `null`
  members that have no default (they behave as absent).
* Universal REST / `kumactl apply`: 2.10+ apply the same structural defaults before validating
  (a `null` member with a default gets the default); 2.9 applies none, so an omitted
  `match.protocol` or SAN `type` stays empty and the Kuma validator rejects it.

Only defaults are added: unknown members and members of the wrong type are kept as written
(later checks report them). Never raises; nesting deeper than `MAX_DEPTH` is left untouched.
"""

from __future__ import annotations

from typing import Any

from core.model import Flavour, Resource
from core.validation.schema import Node, spec_schema
from core.versions import KumaVersion

MAX_DEPTH = 64


def applies_defaults(flavour: Flavour, version: KumaVersion) -> bool:
    """Whether the write path of this flavour/version fills schema defaults."""
    return flavour is Flavour.KUBERNETES or version.applies_universal_defaults


def apply_defaults(mes: Resource, version: KumaVersion) -> dict[str, Any]:
    """A copy of `mes.spec` with the schema defaults Kuma would have applied on write.

    Returns `{}` when the spec is not a mapping. The resource itself is never modified.
    """
    if not isinstance(mes.spec, dict):
        return {}
    if not applies_defaults(mes.flavour, version):
        return copy_value(mes.spec)
    spec: dict[str, Any] = _copy_defaulted(mes.spec, spec_schema(version), mes.flavour is Flavour.KUBERNETES, 0)
    return spec


def copy_value(value: Any, depth: int = 0) -> Any:
    """Copy plain YAML/JSON data (dicts and lists); stops copying below `MAX_DEPTH`."""
    if depth > MAX_DEPTH:
        return value
    if isinstance(value, dict):
        return {k: copy_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [copy_value(v, depth + 1) for v in value]
    return value


# values `copy_value` returns as they are: a member of one of these exact types needs no call
_LEAVES = frozenset({str, int, bool, float, type(None)})


def _copy_defaulted(value: Any, node: Node, prune_nulls: bool, depth: int) -> Any:
    """`copy_value(value, depth)` followed by `_default(<the copy>, node, ...)`, in one walk."""
    if depth > MAX_DEPTH:
        return value
    if node.type == "object" and isinstance(value, dict):
        properties = node.properties
        out: dict[Any, Any] = {}
        for key, member in value.items():
            if type(member) in _LEAVES:
                out[key] = member
                continue
            prop = properties.get(key)
            out[key] = (_copy_defaulted(member, prop, prune_nulls, depth + 1) if prop is not None
                        else copy_value(member, depth + 1))
        for key, prop, has_default in _members(node):
            if out.get(key) is None:
                if has_default:
                    out[key] = default_member(prop, prune_nulls=prune_nulls, depth=depth + 1)
                elif prune_nulls and key in out:
                    del out[key]
        return out
    if node.type == "array" and isinstance(value, list | tuple) and node.items is not None:
        return [_copy_defaulted(item, node.items, prune_nulls, depth + 1) for item in value]
    return copy_value(value, depth)


def default_member(prop: Node, *, prune_nulls: bool, depth: int) -> Any:
    """A fresh copy of the default of the member `prop` (itself defaulted), at `depth`."""
    value = copy_value(prop.default)
    _default(value, prop, prune_nulls=prune_nulls, depth=depth)
    return value


_MEMBERS: dict[int, tuple[Node, tuple[tuple[str, Node, bool], ...]]] = {}


def _members(node: Node) -> tuple[tuple[str, Node, bool], ...]:
    """(name, schema, has a default) of each property of an object node, computed once per node
    (schema nodes live as long as the process: `spec_schema` is cached; the entry holds its node,
    so the id cannot be reused)."""
    held = _MEMBERS.get(id(node))
    if held is None or held[0] is not node:
        held = _MEMBERS[id(node)] = (node, tuple((k, p, p.has_default) for k, p in node.properties.items()))
    return held[1]


def _default(value: Any, node: Node, *, prune_nulls: bool, depth: int) -> None:
    if depth > MAX_DEPTH:
        return
    if node.type == "object" and isinstance(value, dict):
        for key, prop in node.properties.items():
            if prop.has_default and value.get(key) is None:
                value[key] = copy_value(prop.default)
            elif prune_nulls and key in value and value[key] is None:
                del value[key]
        for key, member in value.items():
            prop = node.properties.get(key)
            if prop is not None:
                _default(member, prop, prune_nulls=prune_nulls, depth=depth + 1)
    elif node.type == "array" and isinstance(value, list) and node.items is not None:
        for item in value:
            _default(item, node.items, prune_nulls=prune_nulls, depth=depth + 1)
