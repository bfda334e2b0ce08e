"""The registry of every check, sorted by check id. Each area keeps its own explicit tuple of
checks next to the code it checks; this module only joins them and enforces the order."""

from __future__ import annotations

from core.builder.checks import CHECKS as _BUILD
from core.certs.checks import CHECKS as _CERTIFICATES
from core.checks.base import Check
from core.gate.checks import CHECKS as _GATE
from core.neighbours.checks import CHECKS as _NEIGHBOURS
from core.secrets.checks import CHECKS as _SECRETS
from core.validation.checks import CHECKS as _VALIDATION

REGISTRY: tuple[Check, ...] = tuple(sorted(_VALIDATION + _SECRETS + _CERTIFICATES + _BUILD + _NEIGHBOURS + _GATE,
                                           key=lambda c: c.id))

_ids = [c.id for c in REGISTRY]
assert len(set(_ids)) == len(_ids), "duplicate check id"
