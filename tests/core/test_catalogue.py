"""The catalogue and the registry: every code is owned by a check, documented, and tested."""

from __future__ import annotations

import re
from pathlib import Path

from core.catalogue import CATALOGUE, CATEGORIES
from core.checks.registry import REGISTRY

TESTS = Path(__file__).parents[1]
LOADER_CODES = {c for c in CATALOGUE if c.startswith("MES0")}


def test_codes_are_sorted_and_well_formed():
    codes = list(CATALOGUE)
    assert codes == sorted(codes)
    for code, entry in CATALOGUE.items():
        assert re.fullmatch(r"MES\d{3}", code)
        assert entry.code == code and entry.title and entry.explanation
        assert code[3] in CATEGORIES


def test_registry_is_sorted_and_every_check_declares_known_codes():
    ids = [c.id for c in REGISTRY]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    for check in REGISTRY:
        assert check.codes, check.id
        assert set(check.codes) <= set(CATALOGUE), check.id


def test_every_code_has_an_owner():
    owned = {code for check in REGISTRY for code in check.codes} | LOADER_CODES
    assert set(CATALOGUE) - owned == set()


def test_every_code_appears_in_a_test():
    text = "\n".join(p.read_text(errors="replace") for p in TESTS.rglob("*") if p.suffix in (".py", ".yaml", ".yml"))
    text = text.replace(Path(__file__).read_text(), "")
    untested = [code for code in CATALOGUE if code not in text]
    assert untested == []


def test_every_active_code_has_an_example():
    missing = [code for code, entry in CATALOGUE.items() if not entry.retired and not entry.example.strip()]
    assert missing == []
