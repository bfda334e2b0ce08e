"""CloseNames answers exactly what difflib.get_close_matches answers, only faster."""

from __future__ import annotations

import difflib

from hypothesis import given, settings
from hypothesis import strategies as st

from core.secrets.similar import CloseNames

NAMES = st.text(alphabet="abc-.01é", max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(NAMES, max_size=40), NAMES, st.sampled_from([0.0, 0.6, 0.75, 0.9, 1.0]), st.integers(1, 4))
def test_same_answer_as_difflib(names, word, cutoff, n):
    unique = sorted(set(names))
    assert CloseNames(unique).close_matches(word, n=n, cutoff=cutoff) == difflib.get_close_matches(
        word, unique, n=n, cutoff=cutoff)


def test_secret_names():
    names = [f"svc-{i:05d}-{suffix}" for i in range(300) for suffix in ("ca", "cert", "key")]
    index = CloseNames(names)
    for word in ("svc-00042-cert-missing", "svc-00042-kay", "svc-0004-ca", "shared-ca", "", "svc-00299-key"):
        assert index.close_matches(word, n=3, cutoff=0.75) == difflib.get_close_matches(word, names, n=3, cutoff=0.75)
    assert index.close_matches("svc-00042-kay", n=3, cutoff=0.75)[0] == "svc-00042-key"


def test_duplicates_and_empty_scope():
    assert CloseNames([]).close_matches("anything") == []
    assert CloseNames(["ca", "ca", "cb"]).close_matches("ca", n=5, cutoff=0.5) == ["ca", "cb"]  # each name once
