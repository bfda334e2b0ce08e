"""Suppressions: an accepted finding, with a reason and an optional end.

A suppression comes from the gate's configuration file (`.mesdoctor.yaml`, core.gate.config) or from
the `mesdoctor.kuma.io/ignore` annotation of the resource a finding is about. It names finding codes
and, from the file, optional globs on the finding's resource (mesh, name, namespace) or input file.
A suppressed finding stays in every report, marked with the suppression; it no longer counts for
`--fail-on`. A suppression past its end suppresses nothing (MES951); one that matches nothing is a
finding too (MES950), so accepted problems are revisited when they are fixed or when time is up.

Annotation value: one entry per line, `CODES [until DATE]: REASON`, CODES one or more codes
separated by commas or spaces, e.g. `MES508: partner fixes its SNI in Q1` or
`MES312, MES313 until 2027-03-31: legacy CA, replaced by the March rotation`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fnmatch import fnmatchcase

from core.catalogue import CATALOGUE
from core.model import Finding, Origin, Resource, ResourceRef

ANNOTATION = "mesdoctor.kuma.io/ignore"
ANNOTATION_PATH = f'metadata.annotations["{ANNOTATION}"]'
GATE_CODES = frozenset(c for c in CATALOGUE if c.startswith("MES95"))  # what a suppression cannot hide

_CODE = re.compile(r"MES\d{3}")
_UNTIL = re.compile(r"^(?P<codes>[^:]*?)\s+until\s+(?P<rest>.*)$")
_END_OF_DATE = re.compile(r":(?:\s|$)")  # a date-time's own colons are followed by digits


@dataclass(frozen=True, slots=True)
class Suppression:
    """One suppression. `until` is the instant it ends (exclusive): a date `2027-03-31` ends at the start
    of 1 April UTC, so the day itself is covered. Globs are `fnmatch` patterns, case-sensitive; `name`
    matches the resource's name as written or its core name (`name.namespace` on Kubernetes)."""

    codes: tuple[str, ...]
    reason: str
    source: str  # "config" | "annotation"
    origin: Origin  # the config file and line, or the annotated resource's origin
    until: datetime | None = None
    until_text: str = ""  # as written (a date stays a date in messages)
    mesh: str | None = None
    name: str | None = None
    namespace: str | None = None
    file: str | None = None
    resource: ResourceRef | None = None  # the annotated resource (annotation suppressions only)
    index: int = 0  # position in the file, or among the resource's entries

    def expired(self, now: datetime) -> bool:
        return self.until is not None and now >= self.until

    def where(self) -> str:
        """Where the suppression is written, for messages."""
        if self.resource is not None:
            return f"annotation {ANNOTATION} of {self.resource.label()}"
        return self.origin.location()

    def matches(self, f: Finding) -> bool:
        if f.code not in self.codes:
            return False
        r = f.resource
        if self.resource is not None:
            return r is not None and r.key == self.resource.key
        if self.file is not None:
            origin = f.origin or (r.origin if r is not None else None)
            if origin is None or not _glob(origin.file, self.file):
                return False
        if self.mesh is None and self.name is None and self.namespace is None:
            return True
        if r is None:
            return False
        return (_glob(r.mesh or "", self.mesh) and _glob(r.namespace or "", self.namespace)
                and (self.name is None or _glob(r.name, self.name) or _glob(r.core_name, self.name)))

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "codes": list(self.codes),
            "reason": self.reason,
            "until": self.until_text or None,
            "mesh": self.mesh,
            "name": self.name,
            "namespace": self.namespace,
            "file": self.file,
            "resource": None if self.resource is None else {
                "kind": self.resource.kind.value, "name": self.resource.name, "mesh": self.resource.mesh,
                "namespace": self.resource.namespace, "coreName": self.resource.core_name},
            "location": {"file": self.origin.file, "line": self.origin.line},
        }


def _glob(value: str, pattern: str | None) -> bool:
    return pattern is None or fnmatchcase(value, pattern)


def parse_until(value: object) -> tuple[datetime, str]:
    """An end date: a YAML date or date-time, or ISO-8601 text. A date (no time) ends after that day (UTC).
    ValueError when it is neither."""
    if isinstance(value, datetime):
        end = value if value.tzinfo else value.replace(tzinfo=UTC)
        return end, end.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return datetime.combine(value + timedelta(days=1), time(), tzinfo=UTC), value.isoformat()
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return parse_until(date.fromisoformat(text))
    try:
        return parse_until(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        raise ValueError(f"not an ISO-8601 date or date-time: {text!r}") from None


def check_codes(codes: list[str]) -> str | None:
    """Why this list of codes cannot be suppressed, or None."""
    if not codes:
        return "no finding code"
    unknown = [c for c in codes if c not in CATALOGUE]
    if unknown:
        return f"unknown code{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} (`mesdoctor codes` lists them)"
    gate = [c for c in codes if c in GATE_CODES]
    if gate:
        return f"{', '.join(gate)} cannot be suppressed (they report on the suppressions themselves)"
    return None


@dataclass(frozen=True, slots=True)
class AnnotationProblem:
    """An annotation entry that cannot be read (MES952)."""

    resource: Resource
    entry: str
    why: str


def annotation_suppressions(resource: Resource) -> tuple[list[Suppression], list[AnnotationProblem]]:
    """The suppressions the resource's `mesdoctor.kuma.io/ignore` annotation declares, and the entries
    that cannot be read."""
    annotations = resource.annotations if isinstance(resource.annotations, dict) else {}
    value = annotations.get(ANNOTATION)
    if value is None:
        return [], []
    out: list[Suppression] = []
    problems: list[AnnotationProblem] = []
    origin = resource.origin.at_line(resource.line_of(ANNOTATION_PATH))
    lines = [line.strip() for line in str(value).splitlines() if line.strip()]
    if not lines:
        return [], [AnnotationProblem(resource, "", "the annotation is empty")]
    for i, line in enumerate(lines):
        head_codes, until_word, reason = _split_entry(line)
        if reason is None or not head_codes.strip():
            problems.append(AnnotationProblem(resource, line, "expected `CODES [until DATE]: REASON`, e.g. "
                                              "`MES508: partner fixes its SNI in Q1`"))
            continue
        words = [w for w in re.split(r"[\s,]+", head_codes) if w]
        bad = [w for w in words if not _CODE.fullmatch(w)]
        if bad:
            problems.append(AnnotationProblem(resource, line, f"not a finding code: {', '.join(bad)}"))
            continue
        why = check_codes(words)
        if why is not None:
            problems.append(AnnotationProblem(resource, line, why))
            continue
        reason = reason.strip()
        if not reason:
            problems.append(AnnotationProblem(resource, line, "no reason after the `:`; say why it is accepted"))
            continue
        until = until_text = None
        if until_word is not None:
            try:
                until, until_text = parse_until(until_word)
            except ValueError as exc:
                problems.append(AnnotationProblem(resource, line, f"until: {exc}"))
                continue
        out.append(Suppression(codes=tuple(dict.fromkeys(words)), reason=reason, source="annotation",
                               origin=origin, until=until, until_text=until_text or "",
                               resource=resource.ref, index=i))
    return out, problems


def _split_entry(line: str) -> tuple[str, str | None, str | None]:
    """`CODES [until DATE]: REASON` -> (codes, date text or None, reason or None when there is no `:`)."""
    until = _UNTIL.match(line)
    if until is not None:
        end = _END_OF_DATE.search(until["rest"])
        if end is None:
            return until["codes"], until["rest"], None
        return until["codes"], until["rest"][:end.start()].strip(), until["rest"][end.end():]
    codes, colon, reason = line.partition(":")
    return codes, None, reason if colon else None
