"""Pick the Kuma version semantics for an analysis (`auto` infers the MES generation)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from core.index import Index
from core.versions import NEWEST_CURRENT, NEWEST_LEGACY, KumaVersion, VersionChoice

_FIELDS = ("caCert", "clientCert", "clientKey")
_LEGACY_KEYS = frozenset({"secret", "inline", "inlineString"})


def choose_version(requested: str, index: Index, detected: str | None = None) -> VersionChoice:
    """Explicit choice wins; else a version reported by a live control plane; else the shape of
    the MES TLS data sources: current shape (`type:`) means 3.0, legacy shape the newest legacy
    release (2.14). 2.9 is only ever used when asked for explicitly.
    """
    requested = (requested or "auto").strip()
    if requested.lower() != "auto":
        version = KumaVersion.parse(requested)
        return VersionChoice(version, requested, f"chosen: Kuma {version}")
    if detected:
        try:
            version = KumaVersion.parse(detected)
        except ValueError:
            pass
        else:
            return VersionChoice(version, "auto", f"auto: control plane reports Kuma {detected}")
    legacy = current = 0
    for source in _data_sources(index):
        if "type" in source:
            current += 1
        elif _LEGACY_KEYS & set(source):
            legacy += 1
    if current > legacy:
        why = f"{current} data source(s) use the current `type:` shape"
        if legacy:
            why += f", {legacy} the legacy shape"
        return VersionChoice(KumaVersion.parse(NEWEST_CURRENT), "auto", f"auto: {why} → Kuma 3.0 semantics")
    if legacy:
        why = f"{legacy} data source(s) use the legacy `secret`/`inline` shape"
        if current:
            why += f", {current} the current shape"
        return VersionChoice(KumaVersion.parse(NEWEST_LEGACY), "auto", f"auto: {why} → Kuma {NEWEST_LEGACY} semantics")
    return VersionChoice(
        KumaVersion.parse(NEWEST_LEGACY),
        "auto",
        f"auto: no TLS data source tells the generation → newest release, Kuma {NEWEST_LEGACY}",
    )


def _data_sources(index: Index) -> Iterator[dict[str, Any]]:
    for mes in index.services:
        tls = mes.spec.get("tls") if isinstance(mes.spec, dict) else None
        verification = tls.get("verification") if isinstance(tls, dict) else None
        if not isinstance(verification, dict):
            continue
        for name in _FIELDS:
            source = verification.get(name)
            if isinstance(source, dict):
                yield source
