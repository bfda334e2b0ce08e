"""The hostile-input corpus (tests/data/hostile/, plus the loader's tests/data/malformed/): a differential test.

Each hostile file is analysed next to the valid baseline (after it and before it). The baseline's MES must
keep exactly the result they have alone; the hostile file must add the findings its table entry names; every
output format must render (the JSON report valid against its schema) and the CLI must not fail.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.model import Report
from core.options import Limits
from core.sources import Source
from tests.factories import NOW

from .corpus import (
    HOSTILE,
    MALFORMED,
    TARGET,
    baseline_source,
    case_files,
    case_source,
    finding_ids,
    materials,
    run,
    snapshots,
)
from .outputs import assert_no_key_material, key_fragments, render_all, run_cli

EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((HOSTILE / "expected.yaml").read_text())
MALFORMED_EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((MALFORMED / "expected.yaml").read_text())

# The categories of bad input, and the corpus files (hostile/ or malformed/) that hold each.
CATEGORIES: dict[str, list[str]] = {
    "malformed YAML at many positions": ["syntax-first-line.yaml", "syntax-in-list-item.yaml", "syntax-eof.yaml",
                                         "syntax-in-secret-data.yaml", "syntax-middle-doc.yaml"],
    "malformed JSON": ["json-lines-missing-colon.json", "json-unterminated-string.json", "json-trailing-garbage.json",
                       "json-value-then-text-same-line.yaml", "json-trailing-comma.json"],
    "tabs": ["tabs-in-mapping.yaml", "tabs-as-separators.yaml", "tab-indentation.yaml"],
    "duplicate keys": ["duplicate-keys-nested.yaml", "duplicate-keys-secret-data.yaml", "json-duplicate-keys.json"],
    "unknown tags, !!python/object": ["tags-python-variants.yaml", "tags-unknown-and-core.yaml",
                                      "python-object-tag.yaml"],
    "alias-expansion bombs": ["alias-bomb-in-spec.yaml", "alias-bomb.yaml", "recursive-alias.yaml"],
    "deep nesting": ["deep-nesting-in-extension.yaml", "deep-nesting-json.json", "deep-flow-nesting.yaml"],
    "very long strings": ["long-strings.yaml", "very-long-string.yaml"],
    "huge integers": ["huge-integers.yaml", "json-float-overflow.json", "huge-integer.yaml"],
    "binary files": ["binary-png.yaml", "binary-random.json", "binary-elf.yaml", "binary-gzip-named-yaml.yaml"],
    "non-UTF-8 text": ["non-utf8-latin1.yaml", "non-utf8-invalid-sequences.yaml", "non-utf8-surrogates.yaml",
                       "utf16-without-bom.yaml"],
    "empty files": ["empty-zero-bytes.yaml", "empty-whitespace.yaml", "empty-comments-only.yaml",
                    "empty-null-documents.yaml", "empty-json-values.json", "bom-only.yaml"],
    "every MES field with the wrong type": [f"wrong-type-{f}.yaml" for f in (
        "match", "match-port", "match-protocol", "match-type", "endpoints", "endpoint-address", "endpoint-port",
        "endpoint-priority", "tls", "tls-enabled", "tls-version", "tls-version-min", "tls-version-max",
        "verification", "verification-mode", "server-name", "subject-alt-names", "subject-alt-name-item",
        "subject-alt-name-type", "subject-alt-name-value", "ca-cert", "ca-cert-secret", "ca-cert-inline",
        "ca-cert-inline-string", "client-cert", "client-cert-secret", "client-key", "client-key-secret",
        "secure-type", "secure-secret-ref", "secure-secret-ref-kind", "secure-secret-ref-name",
        "secure-insecure-inline", "secure-insecure-inline-value", "extension", "extension-type",
        "extension-config", "spec")],
    "negative and overflowing ports": ["ports-match.yaml", "ports-endpoint.yaml", "ports-priority.yaml"],
    "unknown enum values": ["enums-unknown.yaml"],
    "Secrets with invalid base64": ["secret-invalid-base64.yaml", "secret-universal-invalid.yaml"],
    "truncated PEM": ["pem-truncated.yaml"],
    "PEM with garbage between blocks": ["pem-garbage-between-blocks.yaml"],
    "certificates with broken ASN.1": ["cert-broken-asn1.yaml"],
    "keys of unsupported types": ["key-unsupported-types.yaml", "key-in-wrong-place.yaml"],
    "encrypted keys": ["key-encrypted.yaml"],
    "archives with path traversal": ["archive-zip-traversal.archive.yaml", "archive-tar-links.archive.yaml"],
    "zip bombs": ["archive-zip-bomb.archive.yaml", "archive-tar-gzip-bomb.archive.yaml"],
    "symlinks": ["archive-zip-symlink.archive.yaml", "archive-tar-links.archive.yaml"],
    "names with HTML, Markdown and control characters": ["names-html-markdown.yaml", "names-control-characters.yaml",
                                                        "names-control-characters.json",
                                                        "archive-nested-and-odd.archive.yaml"],
    "names with autolinks, icon and emoji codes, math and newlines": ["names-links-icons.yaml"],
    "private keys outside a Secret (any field, any shape, names)": [
        "keys-in-annotations-labels.yaml", "keys-in-unknown-fields.yaml", "keys-in-extension-config.yaml",
        "keys-in-insecure-inline-string.yaml", "keys-in-names.yaml", "keys-in-json.json"],
    "Secret values with a tag that does not fit": ["keys-tagged-secret-values.yaml"],
    "other kinds and identities with wrong types": ["other-kinds-wrong-types.yaml", "identity-wrong-types.yaml",
                                                    "neighbours-wrong-types.yaml",
                                                    "rest-wrappers-wrong-types.json", "secret-payload-shapes.yaml"],
}


def test_the_table_covers_every_file_and_every_category() -> None:
    files = case_files()
    assert set(files) == set(EXPECTED), set(files) ^ set(EXPECTED)
    assert len(files) >= 60
    known = set(files) | set(MALFORMED_EXPECTED)
    for category, names in CATEGORIES.items():
        missing = [n for n in names if n not in known]
        assert not missing, f"{category}: {missing}"


def test_placeholders_are_rendered_and_unknown_ones_refused() -> None:
    source = case_source("key-encrypted.yaml")
    assert b"{{" not in source.data and b"LS0tLS1CRUdJTiBFTkNSWVBURUQgUFJJVkFURSBLRVkt" in source.data
    from .corpus import render

    with pytest.raises(KeyError):
        render("{{NO_SUCH_PLACEHOLDER}}")


@cache
def _alone(version: str) -> tuple[dict[str, dict[str, Any]], frozenset[tuple[str, str, str, str]]]:
    report = run([baseline_source()], version=version)
    assert len(report.services) == 3
    assert version != TARGET or all(s.status.value == "healthy" for s in report.services)
    return snapshots(report), frozenset(finding_ids(report))


@cache
def _fragments() -> tuple[str, ...]:
    out: list[str] = []
    for pem, der in materials().keys.values():
        out += key_fragments(pem, der)
    return tuple(out)


_MARKER = re.compile(r"<redacted: \d+ bytes, sha256 [0-9a-f]{12}…>")


def _shorten(name: str) -> str:
    """A name as expected.yaml lists it: a redaction marker (keys are made at test time, so their size and hash
    change) as `<redacted>`, and at most 80 characters."""
    name = _MARKER.sub("<redacted>", name)
    return name if len(name) <= 80 else name[:77] + "..."


def _check_differential(report: Report, version: str, where: str) -> list[Any]:
    """The baseline's MES are unchanged; returns the findings the hostile input added."""
    alone, alone_ids = _alone(version)
    now = snapshots(report)
    for key, expected in alone.items():
        assert key in now, f"{where}: baseline MES {key} lost"
        for field, value in expected.items():
            assert now[key][field] == value, f"{where}: baseline MES {key} changed its {field}"
    return [f for f in report.findings
            if (f.code, f.resource.key if f.resource else "", f.path, f.message) not in alone_ids]


def _check_everything_renders(report: Report) -> None:
    outputs = render_all(report)
    assert_no_key_material(outputs, list(_fragments()))


def _cli(tmp_path: Path, sources: list[Source], version: str) -> None:
    paths = []
    for i, source in enumerate(sources):
        name = Path(source.name).name.replace("\\", "_") or "input.yaml"
        path = tmp_path / f"{i}-{name}"
        path.write_bytes(source.data)
        paths.append(str(path))
    code, out, err = run_cli("check", *paths, "--format", "json", "--now", NOW.isoformat(),
                             "--kuma-version", version, "--fail-on", "never")
    assert code == 0 and not err, err
    assert '"schemaVersion": 1' in out


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_input(name: str, tmp_path: Path) -> None:
    expected = EXPECTED[name]
    version = str(expected.get("version", TARGET))
    limits = replace(Limits(), **expected.get("limits", {}))
    hostile = case_source(name)
    orders = [[baseline_source(), hostile]]
    if expected.get("order") != "baseline-first":
        orders.append([hostile, baseline_source()])
    for i, sources in enumerate(orders):
        report = run(sources, limits, version)
        added = _check_differential(report, version, f"{name} (order {i})")
        assert sorted({f.code for f in added}) == expected["codes"], [(f.code, f.message[:80]) for f in added]
        baseline = set(_alone(version)[0])
        loaded = {_shorten(s.resource.name): sorted({f.code for f in s.findings})
                  for s in report.services if s.resource.key not in baseline}
        assert loaded == (expected.get("services") or {})
        if "message" in expected:
            assert any(expected["message"] in f.message for f in added), [f.message for f in added]
        for finding in added:
            assert finding.message.strip()
        if i == 0:
            _check_everything_renders(report)
    _cli(tmp_path, orders[0], version)


LOADER_CODES = ("MES001", "MES002", "MES003", "MES004", "MES005", "MES006", "MES007", "MES009")


@pytest.mark.parametrize("name", sorted(n for n, e in MALFORMED_EXPECTED.items() if "limits" not in e))
def test_malformed_fixture_next_to_the_baseline(name: str) -> None:
    """The loader's malformed fixtures, now through the whole pipeline and every format, next to the baseline.

    (Fixtures with their own limits are left out: those limits are too small for the baseline itself.)"""
    source = Source("malformed", name, (MALFORMED / name).read_bytes())
    report = run([baseline_source(), source])
    added = _check_differential(report, TARGET, name)
    assert sorted(f.code for f in added if f.code in LOADER_CODES) == MALFORMED_EXPECTED[name]["codes"]
    _check_everything_renders(report)
    report = run([source, baseline_source()])
    _check_differential(report, TARGET, f"{name} (first)")
