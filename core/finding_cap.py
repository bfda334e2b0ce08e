"""At most `Limits.max_findings_per_code` findings of one code per subject; one MES010 finding counts the rest.

The subject of a finding is its resource when it has one (a MeshExternalService with 4,000 invalid endpoints),
else its file (a ConfigMap repeating a key 200,000 times, a file of broken documents). Without the cap a few
megabytes of input make hundreds of thousands of findings: a report of hundreds of megabytes, and a dashboard
that renders every one. The first findings of each code are kept as they are; the summary names the code, how
many more there were and where, so the count is never lost. A subject's status does not change: the kept
findings have the same severity as the dropped ones, and MES010 itself is a note.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.catalogue import CATALOGUE, finding
from core.model import Finding, Origin, ResourceRef

SUMMARY = "MES010"


@dataclass(slots=True)
class _Unlisted:
    count: int
    resource: ResourceRef | None
    origin: Origin | None  # of the first finding not listed


class FindingCap:
    """Counts findings per (subject, code) as they are made; `admit` says whether to keep one."""

    def __init__(self, limit: int) -> None:
        self.limit = max(limit, 1)
        self.kept: dict[tuple[str, str], int] = {}
        self.unlisted: dict[tuple[str, str], _Unlisted] = {}

    def admit(self, item: Finding) -> bool:
        code = item.code
        if code == SUMMARY:
            return True
        key = (_subject(item.resource, item.origin), code)
        kept = self.kept.get(key, 0)
        if kept < self.limit:
            self.kept[key] = kept + 1
            return True
        self.count_unlisted(code, 1, item.resource, item.origin)
        return False

    def count_unlisted(self, code: str, count: int, resource: ResourceRef | None, origin: Origin | None) -> None:
        """Count `count` findings of `code` that were never made (the loader's builder counts the repeated
        keys beyond the first ones of a document without making a finding for each)."""
        if count <= 0:
            return
        key = (_subject(resource, origin), code)
        entry = self.unlisted.get(key)
        if entry is None:
            self.unlisted[key] = _Unlisted(count, resource, origin)
        else:
            entry.count += count

    def summaries(self) -> list[Finding]:
        """One MES010 finding per (subject, code) with findings not listed."""
        return [summary(code, entry.count, self.limit, entry.resource, entry.origin)
                for (_subject, code), entry in self.unlisted.items()]


def summary(code: str, count: int, limit: int, resource: ResourceRef | None, origin: Origin | None) -> Finding:
    title = CATALOGUE[code].title.lower() if code in CATALOGUE else "other"
    where = f"for {resource.label()}" if resource is not None else f"in {origin.file}" if origin else "in the input"
    return finding(
        SUMMARY,
        f"{count:,} more {code} findings ({title}) {where} not listed; the first {limit} are",
        resource,
        origin=origin,
        hint=f"Fix the ones listed and run the analysis again: the others are most likely the same problem. "
             f"The count of each code is limited to {limit} per file or resource so that a flood of findings "
             "cannot exhaust the memory of the dashboard or the size of a report.",
    )


def cap_findings(findings: Iterable[Finding], limit: int) -> list[Finding]:
    """`findings` with at most `limit` of one code per subject, in their order, then the MES010 summaries."""
    cap = FindingCap(limit)
    kept = [f for f in findings if cap.admit(f)]
    kept.extend(cap.summaries())
    return kept


def _subject(resource: ResourceRef | None, origin: Origin | None) -> str:
    if resource is not None:
        return resource.key
    if origin is not None:
        return f"{origin.source}\x00{origin.file}"
    return ""
