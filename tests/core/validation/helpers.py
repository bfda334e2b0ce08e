"""Shared helpers for the validation tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from core.model import Finding, Resource
from core.validation.checks import CHECKS
from tests.factories import context, mes

DATA = Path(__file__).resolve().parents[2] / "data" / "validation"


def spec(name: str) -> dict[str, Any]:
    """A spec from tests/data/validation/<name>.yaml (a fresh copy each call)."""
    return yaml.safe_load((DATA / f"{name}.yaml").read_text())


def run(resource: Resource, version: str = "2.14", **options: Any) -> list[Finding]:
    """Every validation check on one MES, in registry order."""
    ctx = context(resource, version=version, **options)
    out: list[Finding] = []
    for check in CHECKS:
        out.extend(check.func(ctx, resource))
    return out


def triples(findings: list[Finding], *codes: str) -> list[tuple[str, str, str]]:
    """(code, path, message) of the findings, optionally only those with the given codes."""
    return [(f.code, f.path, f.message) for f in findings if not codes or f.code in codes]


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def kuma_rules(findings: list[Finding]) -> list[Finding]:
    """Only the Kuma validator findings (MES110-MES130)."""
    return [f for f in findings if "MES110" <= f.code <= "MES130"]


def clean_spec() -> dict[str, Any]:
    """A spec with no finding at all (the factory default triggers MES153 on purpose-free port 443)."""
    return {"match": {"port": 443, "protocol": "tcp"}, "endpoints": [{"address": "api.example.com", "port": 443}]}


def svc(name: str, **kwargs: Any) -> Resource:
    """`tests.factories.mes` with `clean_spec()` unless a spec is given."""
    spec_ = kwargs.pop("spec", None)
    return mes(name, spec_ if spec_ is not None else clean_spec(), **kwargs)
