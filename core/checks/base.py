"""What a check is. Registered in `core.checks.registry`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from core.context import Context
from core.model import Finding, Resource


class Scope(StrEnum):
    SERVICE = "service"  # called once per MeshExternalService: func(ctx, mes)
    GLOBAL = "global"  # called once per analysis: func(ctx)


class Phase(StrEnum):
    VALIDATE = "validate"  # before secret resolution and building (decides admission)
    DIAGNOSE = "diagnose"  # after the endpoint maps are built; may read every stage's result
    GATE = "gate"  # after the report, run by the merge gate (core.gate): suppressions; func(gate_input)


ServiceCheck = Callable[[Context, Resource], Iterable[Finding]]
GlobalCheck = Callable[[Context], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Check:
    id: str  # stable, sortable: the lowest code it emits, then a slug (e.g. "MES150-no-endpoints")
    codes: tuple[str, ...]
    scope: Scope
    phase: Phase
    func: Callable[..., Iterable[Finding]]
    doc: str = ""
