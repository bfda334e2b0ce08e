"""PyYAML's safe loader (libyaml's C parser when available), with cheaper resolver hooks.

libyaml parses in C, but for every node the composer calls three Python methods of the
resolver: `descend_resolver` and `ascend_resolver` (path resolvers, which the safe loader has
none of) and `resolve`, which for a plain scalar runs the implicit-tag regular expressions (int,
float, bool, null, timestamp...) on the value. Here:

* `resolve` answers `str` at once for a plain scalar whose first character starts no implicit
  resolver (most names, hosts, keys and base64 payloads: the base resolver picks its regular
  expressions by that character), and remembers the tag of every other plain value: manifests
  repeat the same plain scalars in every resource (`true`, ports, versions), and the answer for a
  plain scalar depends on nothing but its text. Without path resolvers, every other node gets its
  kind's default tag (quoted scalars `str`, sequences `seq`, mappings `map`), returned at once.
* The two path-resolver hooks, no-ops without path resolvers, are C callables that accept the
  same arguments (`slice(parent, index)` / `tuple()`, results ignored by the composer): a Python
  no-op is a Python call per hook and node, millions of them in a large input.

Together this takes about a quarter off composing a large input.

`CountingLoader` also bounds the nodes of one document (`NodeLimitError`): the composer builds the
whole node tree of a document before anything else sees it, about 300 bytes per node, so a dense
document (`a: [1, 1, 1, ...]`, two bytes a node) would otherwise take 150 times its size. `resolve`
is called once for every node the composer makes, before the node exists: counting there stops a
flow collection while it grows.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MAX_REMEMBERED = 50_000  # distinct plain values; the memo starts over beyond this
_MAX_LENGTH = 64  # longer values (names, base64 payloads) rarely repeat: resolved each time
_plain_tags: dict[str, str] = {}  # shared by all loaders (dict lookups and stores are atomic)
_DEFAULT_TAGS = {
    ScalarNode: _Base.DEFAULT_SCALAR_TAG,
    SequenceNode: _Base.DEFAULT_SEQUENCE_TAG,
    MappingNode: _Base.DEFAULT_MAPPING_TAG,
}
_STR = _Base.DEFAULT_SCALAR_TAG
# first characters the base resolver has implicit resolvers for ('' is the empty value's entry)
RESOLVED_FIRST = frozenset(first for first in _Base.yaml_implicit_resolvers if first)


class Loader(_Base):  # type: ignore[misc,valid-type]
    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is not ScalarNode or not implicit[0]:
            return _DEFAULT_TAGS[kind]  # what the base resolver answers when there are no path resolvers
        if value and value[0] not in RESOLVED_FIRST:
            return _STR  # no implicit resolver applies: the base resolver would try none
        if len(value) > _MAX_LENGTH:
            return super().resolve(kind, value, implicit)  # type: ignore[no-any-return]
        tag = _plain_tags.get(value)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(_plain_tags) >= _MAX_REMEMBERED:
                _plain_tags.clear()
            _plain_tags[value] = tag
        return tag  # type: ignore[no-any-return]

    descend_resolver = slice  # called as descend_resolver(parent, index): a C no-op (see the module docstring)
    ascend_resolver = tuple  # called as ascend_resolver()


class NodeLimitError(yaml.YAMLError):
    """A document has more nodes than the loader composes (`CountingLoader`)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the document has more than {limit:,} YAML nodes")
        self.limit = limit


class CountingLoader(Loader):
    """A `Loader` that refuses to compose more than `limit` nodes in one document.

    Used for streams long enough to hold that many (`could_exceed`); shorter ones use the plain
    `Loader`, which costs nothing per node.
    """

    def __init__(self, stream: str, limit: int) -> None:
        super().__init__(stream)
        self.limit = limit
        self.left = limit

    def get_node(self) -> Any:
        self.left = self.limit
        return super().get_node()

    def get_single_node(self) -> Any:
        self.left = self.limit
        return super().get_single_node()

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        left = self.left - 1
        if left < 0:
            raise NodeLimitError(self.limit)
        self.left = left
        return Loader.resolve(self, kind, value, implicit)


def could_exceed(text: str, limit: int) -> bool:
    """Whether `text` might hold a document of more than `limit` nodes. Every node but the first needs
    a character of its own that separates it (`,`, `:`, `-`, `[`, `{`, `?` or a line break), and each
    such character opens at most two (a key and its empty value), so a text of n characters holds at
    most 2n + 1 nodes."""
    return 2 * len(text) + 1 > limit

