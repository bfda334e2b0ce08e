"""`record`: the dataclass form of the values the pipeline produces by the hundred thousand.

A record is a slotted dataclass compared and hashed by value, like a frozen one, and treated as
immutable by convention: nothing in `core` assigns to a record after it is made. It is not
`frozen=True` because a frozen dataclass assigns each field in `__init__` through
`object.__setattr__`, which makes construction about six times slower (2.9 against 0.45 µs for
ten fields on the benchmark machine), and an analysis of 10,000 MES builds several hundred
thousand of them: findings, references, endpoints, destinations, spec views.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar, dataclass_transform

T = TypeVar("T")


@dataclass_transform(eq_default=True)
def record(cls: type[T]) -> type[T]:
    return dataclass(slots=True, unsafe_hash=True)(cls)
