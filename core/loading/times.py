"""Creation and modification times of a loaded object, read leniently.

Kubernetes: `metadata.creationTimestamp`, and the latest `metadata.managedFields[].time` (what kubectl shows
with `--show-managed-fields`, and what a live read returns) as the modification time; entries for a
subresource (`status`, written by controllers such as kuma-cp) are not a change of the object's
configuration and are skipped. Kuma (Universal manifests, REST items): `creationTime` / `modificationTime`.

The API server and kuma-cp write RFC 3339 times (`2026-05-07T10:11:12Z`, Kuma with nanoseconds); a value that
is missing, not a string or not a date/time is simply unknown (None): MES Doctor reads it only to say how
old a resource is, nothing is wrong with the resource because of it, and the API server sets these fields
itself whatever a manifest says. Times without a zone are taken as UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

MAX_TEXT = 64  # longer than any RFC 3339 time, even with nanoseconds and an offset


def parse_time(value: Any) -> datetime | None:
    if type(value) is not str or not 10 <= len(value) <= MAX_TEXT:
        return None
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def latest_managed_time(entries: Any) -> datetime | None:
    """The latest `time` of `metadata.managedFields` entries that are not about a subresource."""
    if not isinstance(entries, list):
        return None
    latest: datetime | None = None
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("subresource"):
            continue
        moment = parse_time(entry.get("time"))
        if moment is not None and (latest is None or moment > latest):
            latest = moment
    return latest


def kubernetes_times(meta: dict[Any, Any]) -> tuple[datetime | None, datetime | None]:
    """(created, modified) of a Kubernetes object's `metadata`."""
    created = parse_time(meta.get("creationTimestamp"))
    managed = meta.get("managedFields")
    return created, latest_managed_time(managed) if managed is not None else None


def kuma_times(obj: dict[Any, Any]) -> tuple[datetime | None, datetime | None]:
    """(created, modified) of a Kuma object (Universal manifest or REST item)."""
    return parse_time(obj.get("creationTime")), parse_time(obj.get("modificationTime"))
