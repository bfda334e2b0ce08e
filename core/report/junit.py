"""JUnit XML for CI test reports: one test case per MES (failed when broken), plus input problems.

With the merge gate (`report.gate`), suppressed errors are no failure: a broken MES whose every error is
suppressed is `skipped`, with the suppressions' reasons; so is a suppressed input problem."""

from __future__ import annotations

import re
from collections import defaultdict
from xml.etree import ElementTree as ET

from core.gate.result import GateResult
from core.model import Finding, Report, ServiceStatus, Severity
from core.report.text import printable

# what XML 1.0 cannot carry even escaped (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF), and C1
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def to_junit(report: Report) -> str:
    root = ET.Element("testsuites", name="mes-doctor", tests="0", failures="0", errors="0")
    by_mesh: dict[str, list] = defaultdict(list)
    for s in report.services:
        by_mesh[s.resource.mesh].append(s)
    gate = report.gate
    total = failures = skipped = 0
    for mesh in sorted(by_mesh):
        services = by_mesh[mesh]
        suite = ET.SubElement(root, "testsuite", name=f"mesh {mesh}", tests=str(len(services)))
        suite_failures = suite_skipped = 0
        for s in services:
            r = s.resource
            case = ET.SubElement(suite, "testcase", classname=f"{mesh}", name=r.core_name, file=r.origin.file)
            if r.origin.line:
                case.set("line", str(r.origin.line))
            all_errors = [f for f in s.findings if f.severity is Severity.ERROR]
            errors = [f for f in all_errors if gate is None or gate.suppression(f) is None]
            if s.status is ServiceStatus.BROKEN and errors:
                suite_failures += 1
                failure = ET.SubElement(case, "failure", type=errors[0].code, message=_one_line(errors[0]))
                failure.text = "\n".join(_describe(f) for f in errors)
            elif s.status is ServiceStatus.BROKEN and all_errors:
                suite_skipped += 1
                _skip(case, all_errors, gate)
            others = [f for f in s.findings if f.severity is not Severity.ERROR]
            if others:
                ET.SubElement(case, "system-out").text = "\n".join(_describe(f) for f in others)
        suite.set("failures", str(suite_failures))
        suite.set("skipped", str(suite_skipped))
        total += len(services)
        failures += suite_failures
        skipped += suite_skipped
    input_errors = [f for f in report.findings if f.resource is None and f.severity is Severity.ERROR]
    if input_errors:
        suppressed = [f for f in input_errors if gate is not None and gate.suppression(f) is not None]
        suite = ET.SubElement(root, "testsuite", name="input", tests=str(len(input_errors)),
                              failures=str(len(input_errors) - len(suppressed)), skipped=str(len(suppressed)))
        for f in input_errors:
            case = ET.SubElement(suite, "testcase", classname="input", name=f"{f.code} {f.location}")
            if f in suppressed:
                _skip(case, [f], gate)
            else:
                ET.SubElement(case, "failure", type=f.code, message=_one_line(f)).text = _describe(f)
        total += len(input_errors)
        failures += len(input_errors) - len(suppressed)
        skipped += len(suppressed)
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("skipped", str(skipped))
    _make_xml_safe(root)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _skip(case: ET.Element, errors: list[Finding], gate: GateResult | None) -> None:
    """Every error of the case is suppressed: skipped, with each suppression's reason."""
    lines = []
    for f in errors:
        s = gate.suppression(f) if gate is not None else None
        until = f" until {s.until_text}" if s is not None and s.until_text else ""
        lines.append(f"{_one_line(f)}\n    suppressed{until}: {s.reason if s else ''} ({s.where() if s else ''})")
    first = gate.suppression(errors[0]) if gate is not None else None
    message = f"suppressed: {errors[0].code} ({first.reason})" if first is not None else "suppressed"
    ET.SubElement(case, "skipped", message=message.replace("\n", " ")).text = "\n".join(lines)


def _make_xml_safe(root: ET.Element) -> None:
    """User-provided names and messages may hold control characters: shown as `\\xNN`, never written raw
    (they would make the document ill-formed, and reach a terminal when a CI log prints it)."""
    for element in root.iter():
        for name, value in element.attrib.items():
            if _NOT_XML.search(value):
                element.set(name, _visible(value))
        if element.text and _NOT_XML.search(element.text):
            element.text = _visible(element.text)


def _visible(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", printable(text))


def _one_line(f: Finding) -> str:
    return f"{f.code} {f.path}: {f.message}".replace("\n", " ") if f.path else f"{f.code}: {f.message}"


def _describe(f: Finding) -> str:
    text = f"[{f.severity.value}] {f.code} {f.path or '-'}: {f.message}"
    if f.hint:
        text += f"\n    hint: {f.hint}"
    if f.location:
        text += f"\n    at: {f.location}"
    return text
