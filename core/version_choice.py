"""Pick the Kuma version semantics for an analysis (`auto` infers the MES generation)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from core.index import Index
from core.versions import NEWEST_CURRENT, NEWEST_LEGACY, KumaVersion, VersionChoice

_FIELDS = ("caCert", "clientCert", "clientKey")
_LEGACY_KEYS = frozenset({"secret", "inline", "inlineString"})


def choose_version(requested: str, index: Index, detected: str | None = None, *, source: str = "api",
                   evidence: str = "") -> VersionChoice:
    """Explicit choice wins; else the version the control plane runs (a live API's `version`, or a kuma-cp
    image tag in the input: `source` "api" / "control-plane", `evidence` says where it was seen); else the
    shape of the MES TLS data sources: current shape (`type:`) means 3.0, legacy shape the newest legacy
    release (2.14). 2.9 is only ever used when asked for or detected. When the version is not detected,
    the reason says so first and asks, since 2.9.x behaves very differently (the cascade).
    """
    requested = (requested or "auto").strip()
    if requested.lower() != "auto":
        version = KumaVersion.parse(requested)
        reason = f"chosen: Kuma {version}"
        if detected and _line_of(detected) != str(version):
            reason += f" (the control plane runs Kuma {detected}" + (f": {evidence})" if evidence else ")")
        return VersionChoice(version, requested, reason, "chosen")
    unusable = ""
    if detected:
        try:
            version = KumaVersion.parse(detected)
        except ValueError:
            unusable = f"{evidence or 'the control plane'}: Kuma {detected} is a release MES Doctor does not model"
        else:
            if source == "control-plane":
                return VersionChoice(version, "auto", f"auto: {evidence} → Kuma {version}", "control-plane")
            return VersionChoice(version, "auto", f"auto: control plane reports Kuma {detected}", "api")
    seen = unusable or evidence or "no kuma-cp Deployment/Pod image or control plane API in the input"
    not_detected = f"auto: kuma-cp version not detected ({seen})"
    legacy = current = 0
    for data_source in _data_sources(index):
        if "type" in data_source:
            current += 1
        elif _LEGACY_KEYS & set(data_source):
            legacy += 1
    if current > legacy:
        why = f"{current} data source(s) use the current `type:` shape"
        if legacy:
            why += f", {legacy} the legacy shape"
        return VersionChoice(KumaVersion.parse(NEWEST_CURRENT), "auto",
                             f"{not_detected}; {why} → Kuma 3.0 semantics{_ASK}", "shape")
    if legacy:
        why = f"{legacy} data source(s) use the legacy `secret`/`inline` shape"
        if current:
            why += f", {current} the current shape"
        return VersionChoice(KumaVersion.parse(NEWEST_LEGACY), "auto",
                             f"{not_detected}; {why} → Kuma {NEWEST_LEGACY} semantics{_ASK}", "shape")
    return VersionChoice(
        KumaVersion.parse(NEWEST_LEGACY),
        "auto",
        f"{not_detected}; no TLS data source tells the generation → newest release, Kuma {NEWEST_LEGACY}{_ASK}",
        "default",
    )


# the question an undetected version leaves open (every surface shows the reason)
_ASK = (". Which kuma-cp version runs the zone? Choose it if it differs: a 2.9.x control plane drops every MES "
        "sorted after one whose TLS material fails to load")


def _line_of(detected: str) -> str:
    try:
        return str(KumaVersion.parse(detected))
    except ValueError:
        return detected


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
