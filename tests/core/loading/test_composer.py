"""The loader's resolver shortcuts answer exactly what PyYAML's safe resolver answers."""

from __future__ import annotations

import random
import string

import pytest
import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from core.loading.composer import Loader

SAMPLES = [
    "", "~", "null", "Null", "NULL", "nulls", "true", "True", "TRUE", "yes", "Yes", "no", "on", "Off", "y", "n",
    "false", "0", "-1", "+12", "0x1F", "0o17", "0b101", "1_000", "3.14", "-.inf", ".nan", ".NaN", "1e3", "6.8523015e+5",
    "2001-12-14", "2001-12-14t21:59:43.10-05:00", "=", "<<", "!", "&", "*", "mes-00001", "LS0tLS1CRUdJTi",
    "example.com", "10.0.0.1", "192.168.0.1:443", "kuma.io/zone", "_x", "Über", "日本", "@x", "%x", "1.2.3",
]


def _safe_tag(value: str, plain: bool) -> str:
    return yaml.SafeLoader("").resolve(ScalarNode, value, (plain, not plain))  # type: ignore[no-any-return]


@pytest.mark.parametrize("plain", [True, False])
def test_scalar_tags_match_the_safe_resolver(plain: bool) -> None:
    loader = Loader("")
    try:
        rng = random.Random(7)
        alphabet = string.ascii_letters + string.digits + "-_.:+~=<!&*@ /"
        randoms = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))) for _ in range(3000)]
        long_values = ["1" * 70, "true" + "x" * 70, "a" * 80]
        for value in SAMPLES + randoms + long_values:
            assert loader.resolve(ScalarNode, value, (plain, not plain)) == _safe_tag(value, plain), value
            # asked twice: the remembered answer is the same
            assert loader.resolve(ScalarNode, value, (plain, not plain)) == _safe_tag(value, plain), value
    finally:
        loader.dispose()


def test_collections_get_their_default_tags() -> None:
    loader = Loader("")
    try:
        assert loader.resolve(SequenceNode, None, (True, False)) == yaml.SafeLoader.DEFAULT_SEQUENCE_TAG
        assert loader.resolve(MappingNode, None, (True, False)) == yaml.SafeLoader.DEFAULT_MAPPING_TAG
    finally:
        loader.dispose()


def test_documents_load_as_the_safe_loader_loads_them() -> None:
    text = "a: 1\nb: true\nc: ~\nd: 2001-12-14\ne: '1'\nf: mes-1\ng: [1.5, no, x]\nh: 0x10\n"
    loader = Loader(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    tags = {k.value: v.tag for k, v in node.value if isinstance(v, ScalarNode)}
    expected = yaml.compose(text, Loader=yaml.SafeLoader)
    assert tags == {k.value: v.tag for k, v in expected.value if isinstance(v, ScalarNode)}
