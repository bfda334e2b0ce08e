"""`difflib.get_close_matches` against many names, with difflib's exact answer but without running
difflib on every name.

difflib tests each candidate with three ratios, cheapest first, and keeps it only if all three
reach the cutoff: `real_quick_ratio` (the two lengths), `quick_ratio` (characters in common,
counted as multisets) and `ratio` (matching blocks, the score). `CloseNames` computes the first
two for all names of a length at once, with difflib's own formula, and hands only the survivors
to `difflib.get_close_matches`. A name it drops would have failed difflib's own test, and names
are unique, so the result (scores, order, ties) is the same.

It matters when many references miss in a large mesh: the plain call costs a few microseconds
per name and query, which at thousands of Secrets and hundreds of misses is seconds.

How the characters in common are counted for thousands of names at once: the names of one length
are numbered, and a set of them is an integer whose bit `i` stands for name `i`. For every
character `c` and `k >= 1`, the length keeps the set of names holding `c` at least `k` times. The
characters a name shares with the query, as multisets, is `sum over c of min(count in query,
count in name)`, which is the number of pairs `(c, k <= count of c in the query)` whose set holds
the name. Adding those sets up as a binary counter kept one bit per name in each digit (bitwise
XOR / AND on the integers) and comparing the counter with the threshold (bitwise again) gives the
set of names whose `quick_ratio` reaches the cutoff, in a few hundred integer operations per
query instead of a Python step per name.

Of those, names whose longest common subsequence with the query (computed bit-parallel, a few
integer operations per character) gives a ratio below the cutoff are dropped as well: difflib's
matching blocks form a common subsequence, so its `ratio` cannot be higher. Only the rest reach
`difflib.get_close_matches`, whose `ratio` is the costly step.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def _ratio(matches: int, length: int) -> float:
    """difflib's `_calculate_ratio`, so both compare the very same float against the cutoff."""
    return 2.0 * matches / length if length else 1.0


def _threshold(total: int, cutoff: float) -> int:
    """The fewest common characters for which difflib's ratio over `total` characters reaches `cutoff`."""
    return next((m for m in range(total + 1) if _ratio(m, total) >= cutoff), total + 1)


# _ONE_HOT[k] translates byte k to "1" and every other byte to "0"
_ONE_HOT = [b"0" * k + b"1" + b"0" * (255 - k) for k in range(256)]


def _occurrences(names: list[str], length: int) -> dict[str, list[int]]:
    """For each character `c` of the names (all of `length` characters): `[names holding c at least
    once, at least twice, ...]`, each a set of names as an integer (bit `i` for `names[i]`), none empty."""
    joined = "".join(names)
    everyone = (1 << len(names)) - 1
    levels: dict[str, list[int]] = {}
    for position in range(length):
        column = joined[position::length]  # the character at `position` of every name, in name order
        chars = list(set(column))
        if len(chars) == 1:
            _count_in(levels, chars[0], everyone)
            continue
        # The column as one byte per name (byte k: the k-th character of a page of up to 255 of them,
        # 255: another character), reversed so that name i becomes bit i; then per character, "1"
        # where a name has it here and "0" elsewhere, read as a binary number. All of it in C.
        for start in range(0, len(chars), 255):
            page = chars[start:start + 255]
            codes = dict.fromkeys(map(ord, chars), 255)
            codes.update((ord(char), k) for k, char in enumerate(page))
            encoded = column.translate(codes).encode("latin-1")[::-1]
            for k, char in enumerate(page):
                _count_in(levels, char, int(encoded.translate(_ONE_HOT[k]), 2))
    return levels


def _count_in(levels: dict[str, list[int]], char: str, here: int) -> None:
    """Count one more occurrence of `char` for the names in `here`."""
    held = levels.get(char)
    if held is None:
        levels[char] = [here]
        return
    more = held[-1] & here  # names that had `char` as often as any name and have it once more
    # from the top level down, so that each level is updated from the one below before that changes
    for k in range(len(held) - 1, 0, -1):
        held[k] |= held[k - 1] & here
    held[0] |= here
    if more:
        held.append(more)


def _at_least(addends: list[int], need: int, everyone: int) -> int:
    """The names (bits) present in at least `need` of the sets `addends` (need >= 1)."""
    digits: list[int] = []  # a binary counter per name: bit i of digits[j] is digit j of name i's count
    for carry in addends:
        for j, digit in enumerate(digits):
            digits[j] = digit ^ carry
            carry &= digit
            if not carry:
                break
        else:
            if carry:
                digits.append(carry)
    if need >> len(digits):  # more than any count can reach
        return 0
    greater, equal = 0, everyone  # counter > need, counter == need on the digits seen so far (most significant first)
    for j in range(len(digits) - 1, -1, -1):
        digit = digits[j]
        if need >> j & 1:
            equal &= digit
        else:
            greater |= equal & digit
            equal &= ~digit
    return greater | equal


def _positions(word: str) -> dict[str, int]:
    """Where each character occurs in `word`, as bits (bit j: `word[j]`)."""
    positions: dict[str, int] = {}
    for j, char in enumerate(word):
        positions[char] = positions.get(char, 0) | 1 << j
    return positions


def _common_subsequence(name: str, positions: dict[str, int], size: int) -> int:
    """The length of the longest common subsequence of `name` and the `size`-character word whose
    `_positions` are given (Hyyrö's bit-parallel LCS: one row of the dynamic programme per character of
    `name`, held as the bits of an integer)."""
    row = (1 << size) - 1
    for char in name:
        matched = row & positions.get(char, 0)
        row = (row + matched) | (row - matched)
    return size - (row & ((1 << size) - 1)).bit_count()


class CloseNames:
    """The candidate names of one lookup scope (e.g. the Secrets one mesh can see)."""

    def __init__(self, names: Iterable[str]) -> None:
        unique = list(dict.fromkeys(names))
        self.by_length: dict[int, list[str]] = {}
        for name in unique:
            self.by_length.setdefault(len(name), []).append(name)
        self._levels: dict[int, dict[str, list[int]]] = {}  # per length, made when a query first needs it

    def close_matches(self, word: str, n: int = 3, cutoff: float = 0.6) -> list[str]:
        """Exactly `difflib.get_close_matches(word, <the names>, n, cutoff)` (names in any order)."""
        size = len(word)
        wanted: list[tuple[str, int]] | None = None  # the query's characters with their counts
        survivors: list[str] = []
        for length, names in self.by_length.items():
            total = size + length
            if _ratio(min(size, length), total) < cutoff:  # real_quick_ratio fails for the whole bucket
                continue
            # quick_ratio >= cutoff  <=>  common characters >= threshold
            need = _threshold(total, cutoff)
            everyone = (1 << len(names)) - 1
            addends: list[int] = []
            if need > 0:
                levels = self._levels.get(length)
                if levels is None:
                    levels = self._levels[length] = _occurrences(names, length)
                if wanted is None:
                    wanted = [(char, word.count(char)) for char in set(word)]
                for char, times in wanted:
                    for held in levels.get(char, ())[:times]:
                        if held == everyone:  # one more character in common for every name
                            need -= 1
                        else:
                            addends.append(held)
            if need <= 0:
                survivors.extend(names)
                continue
            if len(addends) < need:
                continue
            passing = _at_least(addends, need, everyone)
            while passing:
                lowest = passing & -passing
                survivors.append(names[lowest.bit_length() - 1])
                passing ^= lowest
        if survivors:
            # difflib's matching blocks are a common subsequence, so its ratio never exceeds the one of the
            # longest common subsequence: a name whose LCS ratio misses the cutoff cannot make it.
            positions = _positions(word)
            survivors = [name for name in survivors
                         if _ratio(_common_subsequence(name, positions, size), size + len(name)) >= cutoff]
        return difflib.get_close_matches(word, survivors, n=n, cutoff=cutoff)
