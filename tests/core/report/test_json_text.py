"""The fast indented JSON writer writes exactly what json.dumps(indent=n, ensure_ascii=False) writes."""

from __future__ import annotations

import json
import math
from enum import IntEnum, StrEnum

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.report.json_text import dumps_indented

LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                   st.text())
VALUES = st.recursive(LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.tuples(inner, inner), st.dictionaries(st.text(max_size=8), inner, max_size=4),
), max_leaves=40)


@settings(max_examples=500, deadline=None)
@given(VALUES, st.integers(0, 4))
def test_same_text_as_json(value, indent):
    assert dumps_indented(value, indent) == json.dumps(value, indent=indent, ensure_ascii=False)


class Colour(StrEnum):
    RED = "red"


class Size(IntEnum):
    BIG = 3


@pytest.mark.parametrize("value", [
    {}, [], {"a": {}, "b": []}, "\u2028 \x00 \"quoted\" é 😀", [math.nan, math.inf, -math.inf, -0.0, 1e300],
    {"e": Colour.RED, Colour.RED: Size.BIG, "t": (1, (2,))}, [True, False, None, 0, -1, 10**30],
])
def test_edge_values(value):
    assert dumps_indented(value, 2) == json.dumps(value, indent=2, ensure_ascii=False)


@pytest.mark.parametrize("value", [{1: "a", None: "b", 2.5: "c", False: "d"}, {"x": {"y": [{3: 4}]}}])
def test_non_string_keys_are_left_to_json(value):
    assert dumps_indented(value, 2) == json.dumps(value, indent=2, ensure_ascii=False)


def test_what_json_refuses_is_still_refused():
    with pytest.raises(TypeError):
        dumps_indented({"a": object()}, 2)
    cyclic: list[object] = []
    cyclic.append(cyclic)
    with pytest.raises(ValueError, match="Circular"):
        dumps_indented({"a": cyclic}, 2)
