"""What a kuma-cp workload in the input tells about the control plane: its version and its zone.

A `kubectl get … -A -o yaml` export often holds the control plane's own Deployment (or its Pods,
ReplicaSets…). MES Doctor does not analyse those kinds (they stay "ignored" documents, with no
finding), but the `kuma-cp` container image tag names the Kuma release (`docker.io/kumahq/kuma-cp:2.9.3`,
Kong Mesh's `kong/kuma-cp:2.9.3`), and the Helm chart sets `KUMA_MULTIZONE_ZONE_NAME` (the zone) and
`KUMA_MODE` in its environment. An image pinned by digest only names no version: nothing is guessed.

Which workload counts when several disagree: a Deployment, StatefulSet or DaemonSet (the desired
state) before a running Pod, before a ReplicaSet that still has replicas (a Deployment keeps its
old ReplicaSets, scaled to zero, for rollbacks: those are skipped, as are finished Pods).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from core.model import LoadResult

CP_IMAGE_NAMES = frozenset({"kuma-cp"})  # the last path segment of the image repository (Kuma, Kong Mesh)
ZONE_ENV = "KUMA_MULTIZONE_ZONE_NAME"
MODE_ENV = "KUMA_MODE"
SOURCE = "control-plane"
# rank: lower is more authoritative
_WORKLOADS = {"Deployment": 0, "StatefulSet": 0, "DaemonSet": 0, "Pod": 1, "ReplicaSet": 2}
_TAG = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+][0-9A-Za-z.+-]*)?")


@dataclass(frozen=True, slots=True)
class Sighting:
    """One kuma-cp container of a workload in the input."""

    workload: str  # "Deployment kuma-system/kuma-control-plane"
    rank: int
    image: str
    version: str | None  # "2.9.3" from the tag; None when the tag names no release (digest only, `latest`)
    zone: str | None  # KUMA_MULTIZONE_ZONE_NAME
    mode: str | None  # KUMA_MODE


def sightings(obj: Mapping[Any, Any]) -> list[Sighting]:
    """The kuma-cp containers of a Kubernetes workload object (none for anything else). Never raises."""
    kind = obj.get("kind")
    rank = _WORKLOADS.get(kind) if isinstance(kind, str) else None
    if rank is None or not _live(kind, obj):
        return []
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    namespace = meta.get("namespace") if isinstance(meta, Mapping) else None
    where = f"{namespace}/{name}" if isinstance(namespace, str) and namespace else str(name)
    out: list[Sighting] = []
    for container in _containers(obj):
        image = container.get("image")
        if not isinstance(image, str) or not is_cp_image(image):
            continue
        env = _env(container.get("env"))
        out.append(Sighting(f"{kind} {where}", rank, image, image_version(image), env.get(ZONE_ENV) or None,
                            env.get(MODE_ENV) or None))
    return out


def collect(into: dict[str, list[Sighting]], obj: Mapping[Any, Any]) -> str:
    """Record the kuma-cp containers of `obj` by workload (a later definition of a workload replaces it);
    returns their images ("" when it has none), for the documents inventory."""
    found = sightings(obj)
    if not found:
        return ""
    into.pop(found[0].workload, None)  # re-inserted last: the newest definition counts as the latest
    into[found[0].workload] = found
    return ", ".join(s.image for s in found)


def is_cp_image(image: str) -> bool:
    return repository(image).rsplit("/", 1)[-1] in CP_IMAGE_NAMES


def repository(image: str) -> str:
    """The image reference without tag and digest (`docker.io/kumahq/kuma-cp`)."""
    name = image.strip().split("@", 1)[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    return name[:colon] if colon > slash else name


def image_version(image: str) -> str | None:
    """The release an image tag names (`2.9.3` from `kumahq/kuma-cp:2.9.3@sha256:…`), else None."""
    name = image.strip().split("@", 1)[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon <= slash:
        return None  # no tag (digest only, or the implicit `latest`)
    tag = name[colon + 1:]
    m = _TAG.fullmatch(tag)
    if not m:
        return None
    return ".".join(part for part in m.groups() if part is not None)


def apply(load: LoadResult, seen: Mapping[str, Iterable[Sighting]]) -> None:
    """Record what the sightings (by workload) say in `load`: detected version / zone and the evidence."""
    found = [s for group in seen.values() for s in group]
    if not found:
        return
    best = min(s.rank for s in found)
    top = [s for s in found if s.rank == best]
    _version(load, top, found)
    _zone(load, top)


def _version(load: LoadResult, top: list[Sighting], found: list[Sighting]) -> None:
    tagged = [s for s in top if s.version] or [s for s in found if s.version]
    if not tagged:
        first = top[0]
        load.version_evidence = (f"the kuma-cp image {first.image} of {first.workload} names no release "
                                 "(no version tag)")
        return
    counts = Counter(_line(s.version) for s in tagged)
    most = max(counts.values())
    line = min((v for v, n in counts.items() if n == most), key=_line_key)  # a tie: the oldest (2.9 drops most)
    chosen = next(s for s in tagged if _line(s.version) == line)
    load.detected_version = chosen.version
    load.version_source = SOURCE
    load.version_evidence = f"kuma-cp image {chosen.image} in {chosen.workload}"
    others = sorted({s.version for s in tagged if _line(s.version) != line}, key=_line_key)
    if others:
        load.version_evidence += f" (the input also runs kuma-cp {', '.join(str(v) for v in others)})"


def _zone(load: LoadResult, top: list[Sighting]) -> None:
    zoned = [s for s in top if s.zone and s.mode != "global"]
    if not zoned:
        return
    chosen = zoned[0]
    load.detected_zone = chosen.zone
    load.zone_source = SOURCE
    load.zone_evidence = f"{chosen.workload} runs kuma-cp with {ZONE_ENV}={chosen.zone}"


def _line(version: str | None) -> str:
    parts = (version or "").split(".")
    return ".".join(parts[:2])


def _line_key(version: str | None) -> tuple[int, ...]:
    return tuple(int(p) for p in (version or "0").split(".") if p.isdigit())


def _live(kind: str, obj: Mapping[Any, Any]) -> bool:
    """False for what no longer runs: a finished Pod, a ReplicaSet scaled to zero (an old revision)."""
    status = obj.get("status")
    spec = obj.get("spec")
    if kind == "Pod":
        phase = status.get("phase") if isinstance(status, Mapping) else None
        return phase not in ("Succeeded", "Failed")
    if kind == "ReplicaSet":
        replicas = spec.get("replicas") if isinstance(spec, Mapping) else None
        running = status.get("replicas") if isinstance(status, Mapping) else None
        return not (replicas == 0 and not running)
    return True


def _containers(obj: Mapping[Any, Any]) -> Iterator[Mapping[Any, Any]]:
    spec = obj.get("spec")
    if obj.get("kind") != "Pod":
        template = spec.get("template") if isinstance(spec, Mapping) else None
        spec = template.get("spec") if isinstance(template, Mapping) else None
    containers = spec.get("containers") if isinstance(spec, Mapping) else None
    if isinstance(containers, list):
        yield from (c for c in containers if isinstance(c, Mapping))


def _env(value: Any) -> dict[str, str]:
    if not isinstance(value, list):
        return {}
    return {item["name"]: item["value"] for item in value
            if isinstance(item, Mapping) and isinstance(item.get("name"), str) and isinstance(item.get("value"), str)}
