"""Near-miss names: the Secrets whose names are close to one that does not exist ("Similar Secrets of this
mesh: ..."), with rapidfuzz.

A name is compared in three forms, all made once per candidate:

* as written, in lower case (`fuzz.ratio` is the longest-common-subsequence ratio, never below difflib's ratio,
  so every name difflib's `get_close_matches` suggested at the same cutoff still reaches it);
* its words: lower case, split at anything but letters and digits, leading zeros of numbers dropped
  (`Orders-API-017-Cert` -> `orders api 17 cert`), so case, separators and zero padding cost nothing;
* the same words sorted (`17 api cert orders`), so swapped words cost nothing either
  (`cert-orders-api-17` is `orders-api-17-cert`).

The score of a candidate is the best of the three `fuzz.ratio` (the normalised Indel similarity,
`2 * LCS / (len(a) + len(b))`, in percent); a candidate must reach the cutoff. Numbers name instances: when the
name asked for has numbers, the candidates with the very same numbers come first (`orders-api-17-ca-cert` suggests
`orders-api-17-cert`, `orders-api-17-ca`, `orders-api-17-key` before `orders-api-117-cert`); then the better
score; ties go to the candidate whose name as written is closer (`fuzz.ratio` of the raw names), then to the
first name. `process.extract` with `score_cutoff` does the work in C for all candidates of a scope at once (one
pass per form; only over the names with the same numbers when n of those reach the cutoff), so a miss among
thousands of numbered look-alike names costs a fraction of a millisecond; each query is answered once per scope.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import fuzz, process

_WORD = re.compile(r"[^\W_]+")  # letters and digits (any script)
_SPARE = 8  # candidates kept per form beyond `n`, so that ties at the cut are ranked by the raw names


def words(name: str) -> str:
    """`name` as its words: lower case, single spaces, numbers without leading zeros (the name itself, lower
    case, when it has no letter or digit at all)."""
    found = [(w.lstrip("0") or "0") if w.isdigit() else w for w in _WORD.findall(name.lower())]
    return " ".join(found) or name.lower()


def sorted_words(name: str) -> str:
    """`words(name)` in sorted order."""
    return " ".join(sorted(words(name).split(" ")))


def numbers(worded: str) -> tuple[str, ...]:
    """The numbers among the words of `words(...)` text."""
    return tuple(w for w in worded.split(" ") if w.isdigit())


class _Forms:
    """Names with their three forms, in parallel lists (`process.extract` takes the lists as they are)."""

    def __init__(self) -> None:
        self.indices: list[int] = []
        self.lower: list[str] = []
        self.words: list[str] = []
        self.sorted: list[str] = []

    def add(self, index: int, lower: str, worded: str, ordered: str) -> None:
        self.indices.append(index)
        self.lower.append(lower)
        self.words.append(worded)
        self.sorted.append(ordered)

    def best(self, lower: str, worded: str, ordered: str, limit: int, cutoff: float) -> dict[int, float]:
        """name index -> its score, for the (at most 3 x `limit`) best names reaching `cutoff` in any form."""
        scores: dict[int, float] = {}
        for query, forms in ((lower, self.lower), (worded, self.words), (ordered, self.sorted)):
            for _, score, at in process.extract(query, forms, scorer=fuzz.ratio, processor=None,
                                                score_cutoff=cutoff, limit=limit):
                index = self.indices[at]
                if score > scores.get(index, -1.0):
                    scores[index] = score
        return scores


class CloseNames:
    """The candidate names of one lookup scope (e.g. the Secrets one mesh can see)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = list(dict.fromkeys(names))
        self._all = _Forms()
        self._by_numbers: dict[tuple[str, ...], _Forms] = {}
        for index, name in enumerate(self.names):
            worded = words(name)
            ordered = " ".join(sorted(worded.split(" ")))
            self._all.add(index, name.lower(), worded, ordered)
            found = numbers(worded)
            if found:
                self._by_numbers.setdefault(found, _Forms()).add(index, name.lower(), worded, ordered)
        self._answers: dict[tuple[str, int, float], list[str]] = {}

    def close_matches(self, word: str, n: int = 3, cutoff: float = 0.75) -> list[str]:
        """Up to `n` names scoring at least `cutoff` (0-1) against `word`, best first."""
        key = (word, n, cutoff)
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = self._close(word, n, cutoff)
        return list(answer)

    def _close(self, word: str, n: int, cutoff: float) -> list[str]:
        if n <= 0 or not self.names:
            return []
        lower, worded = word.lower(), words(word)
        ordered = " ".join(sorted(worded.split(" ")))
        limit, threshold = n + _SPARE, cutoff * 100
        same = self._by_numbers.get(numbers(worded))
        first = same.best(lower, worded, ordered, limit, threshold) if same is not None else {}
        # the same instance's names rank first: with n of them, no other name can make the answer
        scores = first if len(first) >= n else {**self._all.best(lower, worded, ordered, limit, threshold), **first}
        names = self.names
        ranked = sorted(scores, key=lambda i: (i not in first, -scores[i], -fuzz.ratio(word, names[i]), i))
        return [names[i] for i in ranked[:n]]
