"""Every output of a report, rendered and checked: schema-valid JSON, parseable SARIF and JUnit,
Markdown without live markup, a table without control characters, CSV exports, and no key material."""

from __future__ import annotations

import base64
import io
import json
import re
from functools import cache
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema

from core.cli import main
from core.model import Report
from core.options import AnalysisOptions
from core.report.codequality import to_codequality
from core.report.diff import diff_reports
from core.report.diff_text import DiffSide, to_diff_json, to_diff_markdown, to_diff_table
from core.report.json_report import report_dict
from core.report.junit import to_junit
from core.report.markdown import to_markdown
from core.report.rows import (
    CERTIFICATE_COLUMNS,
    FINDING_COLUMNS,
    REFERENCE_COLUMNS,
    SERVICE_COLUMNS,
    certificate_rows,
    finding_rows,
    reference_rows,
    service_rows,
    to_csv,
)
from core.report.sarif import sarif_dict
from core.report.snapshot import from_snapshot, to_snapshot
from core.report.table import to_table

ROOT = Path(__file__).resolve().parents[3]
PEM_KEY = re.compile(r"-----BEGIN [A-Z ]*(?:PRIVATE KEY|CERTIFICATE REQUEST)-----")  # "(EC PRIVATE KEY)" is fine
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # terminal escapes, bidi overrides


@cache
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((ROOT / "core" / "report" / "report.schema.json").read_text())
    return jsonschema.Draft202012Validator(schema)


def key_fragments(pem: bytes, der: bytes = b"") -> list[str]:
    """Pieces of a private key that must never appear in an output: PEM body lines, slices of the base64
    of the PEM (as stored in a Secret) and of the DER, and the DER as hex."""
    body = [line for line in pem.decode().splitlines() if line and not line.startswith("-----") and ":" not in line]
    stored = base64.b64encode(pem).decode()
    middle = len(stored) // 2  # (the start of a key's encodings is the same for every key of its type)
    out = [*body, stored[middle - 20:middle + 20], stored[-60:-20]]
    if der:
        b64, hexed = base64.b64encode(der).decode(), der.hex()
        out += [b64[len(b64) // 2 - 20:len(b64) // 2 + 20], hexed[len(hexed) // 2 - 32:len(hexed) // 2 + 32]]
    return [f for f in out if len(f) >= 24]


def render_all(report: Report) -> dict[str, str]:
    """Every format a user can get from the report (the CLI's six, `mesdoctor diff`'s three, the dashboard's CSV
    exports and its snapshot)."""
    data = report_dict(report)
    errors = sorted(validator().iter_errors(data), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:3]]
    out = {
        "json": json.dumps(data, ensure_ascii=False),
        "sarif": json.dumps(sarif_dict(report), ensure_ascii=False),
        "junit": to_junit(report),
        "markdown": to_markdown(report),
        "table": to_table(report, width=120),
        "table-colour": to_table(report, colour=True, width=200),
        "services.csv": to_csv(service_rows(report), SERVICE_COLUMNS),
        "references.csv": to_csv(reference_rows(report), REFERENCE_COLUMNS),
        "certificates.csv": to_csv(certificate_rows(report), CERTIFICATE_COLUMNS),
        "findings.csv": to_csv(finding_rows(report), FINDING_COLUMNS),
        "snapshot": to_snapshot(report, AnalysisOptions()).decode(),
        "codequality": to_codequality(report),
    }
    # `mesdoctor diff` from nothing to this report: every name and message of the report goes through it
    change, before, after = diff_reports({}, data), DiffSide("before", {}), DiffSide("after", data)
    out["diff.markdown"] = to_diff_markdown(change, before, after)
    out["diff.table"] = to_diff_table(change, before, after)
    out["diff.json"] = to_diff_json(change, before, after)
    json.loads(out["codequality"])
    json.loads(out["diff.json"])
    assert not CONTROL.findall(out["diff.table"]), "control characters in the diff table"
    reopened, _ = from_snapshot(out["snapshot"])  # whatever the input held, its snapshot opens again
    assert [s.resource.key for s in reopened.services] == [s.resource.key for s in report.services]
    ET.fromstring(out["junit"].encode())  # well-formed XML (raises otherwise)
    json.loads(out["sarif"])
    bad = CONTROL.findall(out["table"])
    assert not bad, f"control characters in the table output: {bad[:5]}"
    coloured = re.sub(r"\x1b\[[0-9;]*m", "", out["table-colour"])  # only our own SGR colour codes
    assert not CONTROL.search(coloured), "a terminal escape in the coloured table that is not a colour"
    return out


def assert_no_key_material(texts: dict[str, str] | list[str], fragments: list[str]) -> None:
    items = texts.items() if isinstance(texts, dict) else enumerate(texts)
    for where, text in items:
        assert not PEM_KEY.search(text), f"a private key block in {where}"
        leaked = [f for f in fragments if f in text]
        assert not leaked, f"key material in {where}: {leaked[0][:16]}…"


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def markdown_prose(markdown: str) -> str:
    """Markdown outside code spans and fenced blocks (which render literally)."""
    text = re.sub(r"(?ms)^[ \t]*(`{3,}).*?^[ \t]*\1", "", markdown)
    return re.sub(r"(`+)(?:(?!\1).)*?\1", "", text)


# What renderers make of the text itself, even when escaped: GFM autolink literals, emoji shortcodes and
# Streamlit's icon codes (found after the backslash escapes are read), and `$` math.
AUTOLINK = re.compile(r"(?i)(?:https?://|www\.)[-.\w]|[-.\w+]+@[-\w]+\.[-\w]")
SHORTCODE = re.compile(r":[\w+-]+:|:material[/_]\w+:")


def live_patterns(markdown: str) -> list[str]:
    """Autolinks, shortcodes and unescaped `$` in the prose of a Markdown text, after its escapes are read; and
    any `:material/` at all (Streamlit rewrites it to an icon code in the whole source, code spans included)."""
    prose = markdown_prose(markdown)
    read = re.sub(r"\\(.)", r"\1", prose)
    found = AUTOLINK.findall(read) + SHORTCODE.findall(read) + re.findall(r"(?<!\\)\$", prose)
    return found + re.findall(r":material/", markdown)
