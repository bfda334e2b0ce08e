"""`difflib.get_close_matches` against many names, with difflib's exact answer but without running
difflib on every name.

difflib tests each candidate with three ratios, cheapest first, and keeps it only if all three
reach the cutoff: `real_quick_ratio` (the two lengths), `quick_ratio` (characters in common,
counted as multisets) and `ratio` (matching blocks, the score). `CloseNames` computes the first
two in bulk for one query — lengths by bucket, common characters as the bit count of an AND of
two integers prepared once per name — with difflib's own formula, and hands only the survivors
to `difflib.get_close_matches`. A name it drops would have failed difflib's own test, and names
are unique, so the result (scores, order, ties) is the same.

It matters when many references miss in a large mesh: the plain call costs a few microseconds
per name and query, which at thousands of Secrets and hundreds of misses is seconds.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from itertools import compress


def _ratio(matches: int, length: int) -> float:
    """difflib's `_calculate_ratio`, so both compare the very same float against the cutoff."""
    return 2.0 * matches / length if length else 1.0


def _threshold(total: int, cutoff: float) -> int:
    """The fewest common characters for which difflib's ratio over `total` characters reaches `cutoff`."""
    return next((m for m in range(total + 1) if _ratio(m, total) >= cutoff), total + 1)


class CloseNames:
    """The candidate names of one lookup scope (e.g. the Secrets one mesh can see).

    A name's characters, as a multiset, are one integer: bit `slot(c) * stride + k` is set when `c`
    occurs more than `k` times (each character seen in a name has a slot; the stride exceeds every
    name's length, so no two (character, occurrence) pairs share a bit). The characters two texts
    have in common is then the bit count of the AND of their integers.
    """

    def __init__(self, names: Iterable[str]) -> None:
        unique = list(dict.fromkeys(names))
        self.by_length: dict[int, list[str]] = {}
        for name in unique:
            self.by_length.setdefault(len(name), []).append(name)
        self._slots = {char: i for i, char in enumerate(sorted({c for name in unique for c in name}))}
        self._stride = max(self.by_length, default=0) + 1
        self._masks: dict[int, list[int]] = {}  # per length, made when a query first needs it

    def _mask(self, text: str) -> int:
        mask, stride = 0, self._stride
        for char in set(text):
            slot = self._slots.get(char)
            if slot is not None:  # a character no name has adds nothing in common
                # occurrences past the stride cannot be matched by any name either
                mask |= ((1 << min(text.count(char), stride)) - 1) << (slot * stride)
        return mask

    def close_matches(self, word: str, n: int = 3, cutoff: float = 0.6) -> list[str]:
        """Exactly `difflib.get_close_matches(word, <the names>, n, cutoff)` (names in any order)."""
        size = len(word)
        common = self._mask(word).__and__
        survivors: list[str] = []
        for length, names in self.by_length.items():
            total = size + length
            if _ratio(min(size, length), total) < cutoff:  # real_quick_ratio fails for the whole bucket
                continue
            masks = self._masks.get(length)
            if masks is None:
                masks = self._masks[length] = [self._mask(name) for name in names]
            # quick_ratio >= cutoff  <=>  common characters >= threshold; map/compress keep the loop in C
            enough = _threshold(total, cutoff).__le__
            survivors.extend(compress(names, map(enough, map(int.bit_count, map(common, masks)))))
        return difflib.get_close_matches(word, survivors, n=n, cutoff=cutoff)
