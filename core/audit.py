"""The dashboard's audit trail: one structured line (a JSON object) per analysis and per live fetch.

Pure functions that build the lines; `ui/audit.py` fills in who and writes them to the `mesdoctor.audit` logger.
A line says who (the authenticated user, when there is one), which source (the live source's name or label; for
files their names, count and sizes), counts (MES, findings by severity, resources per kind) and the duration.
It never holds tokens, payloads, key material or file contents: only names, numbers and fixed words go in, and
every input-derived name is cut to `NAME_LIMIT` characters, has its control characters escaped and is replaced
by a `<withheld: …>` marker when it looks like key material or a token (a PEM marker, a long base64 or hex run).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from core.model import Report, Severity
from core.report.text import printable

AUDIT_LOGGER = "mesdoctor.audit"
NAME_LIMIT = 120
FILES_LISTED = 20  # more files are counted, not named

# key material or a credential inside a name: PEM armour, a long base64/base64url run mixing cases and digits
# (JWTs, keys, cloud tokens), or a long hex run (API keys, hashes of secrets)
_PEM = re.compile(r"-----\s*(BEGIN|END)\b", re.IGNORECASE)
_B64_RUN = re.compile(r"[A-Za-z0-9+/=_-]{32,}")
_HEX_RUN = re.compile(r"[0-9a-fA-F]{32,}")


def _looks_secret(text: str) -> bool:
    if _PEM.search(text) or _HEX_RUN.search(text):
        return True
    return any(
        re.search(r"[A-Z]", run) and re.search(r"[a-z]", run) and re.search(r"[0-9]", run)
        for run in _B64_RUN.findall(text)
    )


def safe_name(value: object) -> str:
    """An input-derived name as it may appear in the log: printable, short, and never a secret."""
    text = str(value)
    if _looks_secret(text):
        return f"<withheld: {len(text)} characters>"
    text = printable(text).replace("\n", "\\n")
    return text if len(text) <= NAME_LIMIT else text[: NAME_LIMIT - 1] + "…"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acted: the deployment mode, how the visitor was authenticated ("oidc", "proxy"; "" when not) and the
    user ("" when not authenticated)."""

    mode: str
    auth: str = ""
    user: str = ""


@dataclass(frozen=True, slots=True)
class FileSummary:
    name: str
    size: int


def files_entry(files: Iterable[FileSummary]) -> dict[str, object]:
    """Names (the first `FILES_LISTED`), count and total size of the files analysed."""
    items = list(files)
    entry: dict[str, object] = {
        "count": len(items),
        "bytes": sum(f.size for f in items),
        "files": [{"name": safe_name(f.name), "bytes": f.size} for f in items[:FILES_LISTED]],
    }
    if len(items) > FILES_LISTED:
        entry["filesNotListed"] = len(items) - FILES_LISTED
    return entry


def _base(event: str, actor: Actor, at: datetime) -> dict[str, object]:
    return {
        "event": event,
        "time": at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "mode": actor.mode,
        "auth": actor.auth or None,
        "user": safe_name(actor.user) if actor.user else None,
    }


def severity_counts(report: Report) -> dict[str, int]:
    counts = Counter(f.severity.value for f in report.findings)
    return {s.value: counts.get(s.value, 0) for s in Severity}


def analysis_line(
    actor: Actor,
    *,
    kind: str,
    files: Iterable[FileSummary] = (),
    live_source: str = "",
    report: Report | None,
    seconds: float,
    at: datetime,
    error: str = "",
) -> str:
    """The line for one analysis. `kind` is the input kind (`sample`, `files`, a live kind); `live_source` the live
    source's name when the input is live (the files are then a what-if overlay); `report` None when it failed
    (`error`: the exception's type name, never its message)."""
    source: dict[str, object] = {"kind": safe_name(kind)}
    if live_source:
        source["name"] = safe_name(live_source)
    source.update(files_entry(files))
    line = _base("analysis", actor, at)
    line["source"] = source
    line["seconds"] = round(max(seconds, 0.0), 3)
    if report is None:
        line["outcome"] = "failed"
        line["error"] = safe_name(error) if error else None
    else:
        line["outcome"] = "ok"
        line["kumaVersion"] = safe_name(report.kuma_version)
        line["mes"] = len(report.services)
        line["findings"] = severity_counts(report)
    return _dump(line)


def live_fetch_line(
    actor: Actor,
    *,
    kind: str,
    source: str,
    counts: Mapping[str, int] | None,
    seconds: float,
    at: datetime,
    error: str = "",
) -> str:
    """The line for one live read (a fetch or a refresh). `counts` are resources per kind, None when the read
    failed (`error`: a fixed word or an exception type name, never the error text: it may echo a server's
    answer)."""
    line = _base("live-fetch", actor, at)
    line["source"] = {"kind": safe_name(kind), "name": safe_name(source)}
    line["seconds"] = round(max(seconds, 0.0), 3)
    if counts is None:
        line["outcome"] = "failed"
        line["error"] = safe_name(error) if error else None
    else:
        line["outcome"] = "ok"
        line["resources"] = {safe_name(k): int(v) for k, v in sorted(counts.items())}
    return _dump(line)


def access_refused_line(actor: Actor, *, reason: str, at: datetime) -> str:
    """The line for a visitor the allowlist refused (once per session)."""
    line = _base("access-refused", actor, at)
    line["reason"] = safe_name(reason)
    return _dump(line)


def _dump(line: Mapping[str, object]) -> str:
    # ensure_ascii: one physical line whatever the names hold (no raw newline, separator or control character)
    return json.dumps(line, ensure_ascii=True, separators=(", ", ": "))
