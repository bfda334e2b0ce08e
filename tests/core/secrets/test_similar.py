"""CloseNames answers exactly what difflib.get_close_matches answers, only faster."""

from __future__ import annotations

import difflib
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from core.secrets.similar import CloseNames, _at_least, _common_subsequence, _occurrences, _positions

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


def _random_names(rng: random.Random) -> list[str]:
    """Names with shared prefixes and suffixes, permuted digits (equal quick ratios, ties on the
    score), repeated characters, duplicates, non-ASCII characters and lengths from 0 up."""
    alphabet = rng.choice(["abc-", "ab-01", "svc-0123456789", "aé.-ü1", "xyzxyz-", "0"])
    names = []
    for _ in range(rng.randint(0, 120)):
        shape = rng.random()
        if shape < 0.4:
            digits = "".join(rng.choice("0123") for _ in range(rng.randint(1, 5)))
            name = f"svc-{digits}-{rng.choice(['ca', 'cert', 'key', 'cert-missing'])}"
        elif shape < 0.5 and names:
            name = rng.choice(names)  # a duplicate
        elif shape < 0.6 and names:
            base = list(rng.choice(names))
            rng.shuffle(base)  # an anagram: same characters, same quick ratio
            name = "".join(base)
        else:
            name = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        names.append(name)
    return names


def test_same_answer_as_difflib_on_random_name_sets():
    rng = random.Random(20261127)
    for _ in range(500):
        names = _random_names(rng)
        index = CloseNames(names)
        unique = list(dict.fromkeys(names))
        for _ in range(4):
            word = rng.choice(unique) if unique and rng.random() < 0.3 else rng.choice(_random_names(rng) or [""])
            if rng.random() < 0.3:
                word += rng.choice(["", "x", "-missing", "é"])
            cutoff = rng.choice([0.0, 0.3, 0.6, 0.75, 0.8, 0.9, 1.0, rng.random()])
            n = rng.randint(1, 5)
            assert index.close_matches(word, n=n, cutoff=cutoff) == difflib.get_close_matches(
                word, unique, n=n, cutoff=cutoff), (names, word, n, cutoff)


def test_many_names_of_one_length():
    """Thousands of names in one length bucket (integers of thousands of bits), queried repeatedly."""
    rng = random.Random(7)
    names = [f"svc-{rng.randrange(100000):05d}-{rng.choice(['ca0', 'crt', 'key'])}" for _ in range(6000)]
    index = CloseNames(names)
    unique = list(dict.fromkeys(names))
    for word in [*rng.sample(unique, 5), "svc-00114-crt-missing", "svc-1234-key", "svc-00000-ca0"]:
        for cutoff in (0.75, 0.9):
            assert index.close_matches(word, n=3, cutoff=cutoff) == difflib.get_close_matches(
                word, unique, n=3, cutoff=cutoff)


def test_character_counts_per_name():
    """`_occurrences` and `_at_least` count exactly what a plain count per name gives."""
    rng = random.Random(3)
    for _ in range(300):
        length = rng.randint(1, 9)
        names = list(dict.fromkeys("".join(rng.choice("aab-é") for _ in range(length))
                                   for _ in range(rng.randint(1, 70))))
        levels = _occurrences(names, length)
        for char in "ab-éz":
            for k in range(1, length + 2):
                expected = sum(1 << i for i, name in enumerate(names) if name.count(char) >= k)
                held = levels.get(char, [])
                assert (held[k - 1] if k <= len(held) else 0) == expected
        everyone = (1 << len(names)) - 1
        addends = [rng.randrange(everyone + 1) for _ in range(rng.randint(1, 12))]
        for need in range(1, len(addends) + 2):
            expected = sum(1 << i for i in range(len(names)) if sum(a >> i & 1 for a in addends) >= need)
            assert _at_least(addends, need, everyone) == expected


def _plain_lcs(a: str, b: str) -> int:
    row = [0] * (len(b) + 1)
    for char in a:
        previous, row = row, [0]
        for j, other in enumerate(b):
            row.append(previous[j] + 1 if char == other else max(previous[j + 1], row[j]))
    return row[-1]


def test_common_subsequence_is_the_longest_common_subsequence():
    rng = random.Random(5)
    for _ in range(3000):
        alphabet = rng.choice(["ab", "abc-", "svc-0123", "aé.-ü"])
        a = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25)))
        b = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 70)))
        assert _common_subsequence(a, _positions(b), len(b)) == _plain_lcs(a, b)


def test_difflib_ratio_never_exceeds_the_common_subsequence_ratio():
    """What dropping names by their LCS ratio relies on (autojunk included: words of 200+ characters)."""
    rng = random.Random(6)
    for _ in range(1500):
        a = "".join(rng.choice("ab-c") for _ in range(rng.randint(0, 30)))
        b = "".join(rng.choice("ab-c") for _ in range(rng.choice([rng.randint(0, 30), rng.randint(200, 260)])))
        matcher = difflib.SequenceMatcher(None, a, b)
        blocks = sum(block.size for block in matcher.get_matching_blocks())
        assert blocks <= _common_subsequence(a, _positions(b), len(b))


def test_more_than_255_characters_at_one_position():
    """A column with more distinct characters than one byte can number is read in pages."""
    rng = random.Random(8)
    alphabet = [chr(c) for c in range(0x100, 0x100 + 600)]
    names = list(dict.fromkeys("".join(rng.choice(alphabet) for _ in range(3)) + "-ab" for _ in range(900)))
    levels = _occurrences(names, 6)
    for char in {c for name in names for c in name}:
        for k in (1, 2):
            expected = sum(1 << i for i, name in enumerate(names) if name.count(char) >= k)
            held = levels.get(char, [])
            assert (held[k - 1] if k <= len(held) else 0) == expected
    index = CloseNames(names)
    for word in [*rng.sample(names, 5), names[0][:3] + "-ax", "x-ab"]:
        assert index.close_matches(word, n=3, cutoff=0.6) == difflib.get_close_matches(word, names, n=3, cutoff=0.6)
