"""Inputs for the merge-gate tests (core/gate, `mesdoctor check --baseline`, `mesdoctor diff`): the five-MES
2.9 chain of the report-diff tests, written to directories as a repository would hold them."""

from __future__ import annotations

import io
from pathlib import Path

from core.cli import main
from tests.incident import documents, mesh, secret, zone_egress
from tests.incident import mes as mes_doc

K = ".kuma-system"
NOW_ARG = "2026-06-01T12:00:00Z"  # tests.factories.NOW


def annotated(doc: str, value: str) -> str:
    """The manifest with a `mesdoctor.kuma.io/ignore` annotation (a YAML block scalar: one entry per line)."""
    body = "".join(f"      {line}\n" for line in value.splitlines())
    return doc.replace("  namespace: kuma-system\n", "  namespace: kuma-system\n  annotations:\n"
                       f"    mesdoctor.kuma.io/ignore: |\n{body}", 1)


def chain(**replace: str) -> dict[str, str]:
    """File name -> manifest: a ok, b fails (Secret ca-b missing), c ok, d fails (ca-d missing), e ok; in 2.9
    loop order b is the culprit, d the latent one, c, d and e its victims. `replace` swaps a file's text."""
    files = {
        "mesh.yaml": documents(mesh(), zone_egress()),
        "secrets.yaml": secret("ca-ok"),
        "a.yaml": mes_doc("a", ca="ca-ok"),
        "b.yaml": mes_doc("b", ca="ca-b"),
        "c.yaml": mes_doc("c"),
        "d.yaml": mes_doc("d", ca="ca-d"),
        "e.yaml": mes_doc("e", ca="ca-ok"),
    }
    files.update(replace)
    return {name: text for name, text in files.items() if text}


def write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.yaml"):
        old.unlink()
    for name, text in files.items():
        (directory / name).write_text(text)
    return directory


def run(*argv: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        import sys
        from unittest import mock

        with mock.patch.object(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin))):
            code = main(list(argv), stdout=out, stderr=err)
    else:
        code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()
