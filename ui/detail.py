"""The detail of one MeshExternalService: why it is in the state it is, and what to do about it."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st
import yaml

from core.catalogue import CATALOGUE
from core.model import Destination, Finding, Origin, Report, ServiceOutcome, Severity, UpstreamTls
from ui.frames import service_id
from ui.style import badge, included_label, label, look
from ui.text import code, plain, prose, safe


def render_service(outcome: ServiceOutcome, report: Report) -> None:
    r = outcome.resource
    with st.container(border=True):
        top = st.columns([3, 2], vertical_alignment="center")
        with top[0]:
            st.subheader(f"{look(outcome.status.value).icon} {safe(r.mesh)} / {safe(r.name)}", anchor=False)
            where = f"namespace {code(r.namespace)} · " if r.namespace else ""
            st.caption(f"{where}{r.flavour.value} · {defined_in(r.origin)}")
        with top[1], st.container(horizontal=True, horizontal_alignment="right"):
            badge(outcome.status.value, f"{look(outcome.status.value).label}")
            st.badge(
                f"Kuma {report.kuma_version}: {included_label(outcome.included)}",
                color="green" if outcome.included else "red",
            )
            if report.kuma_version != "2.9":
                st.badge(f"2.9.x: {included_label(outcome.included_on_2_9)}",
                         color="green" if outcome.included_on_2_9 else "orange")
        _summary(outcome, report)
        tabs = st.tabs(["Findings", "TLS & destination", "Secret references", "Certificates", "kuma-cp log",
                        "Manifest"])
        with tabs[0]:
            render_findings(outcome.findings)
        with tabs[1]:
            _destination(outcome, report)
        with tabs[2]:
            _references(outcome)
        with tabs[3]:
            _certificates(outcome)
        with tabs[4]:
            _log(outcome)
        with tabs[5]:
            st.caption("As loaded; Secret payloads, inline TLS material and any private key found elsewhere (MES020) "
                       "are replaced by their size and SHA-256.")
            st.code(manifest_yaml(r.redacted_manifest()), language="yaml")


def defined_in(origin: Origin) -> str:
    """`defined in upload → mes.yaml:12`, or for a live resource
    `defined in http://cp:5681 → /meshes/default/meshexternalservices (fetched 2026-06-01 12:00:00 UTC)`."""
    text = f"defined in {code(origin.source)} → {code(origin.location())}"
    if origin.fetched_at is not None:
        text += f" (fetched {origin.fetched_at:%Y-%m-%d %H:%M:%S} UTC)"
    return text


def _summary(outcome: ServiceOutcome, report: Report) -> None:
    problems = [f for f in outcome.findings if f.severity is not Severity.INFO]
    if outcome.dropped_by is not None and not outcome.included_on_2_9:
        who = f"{code(outcome.dropped_by.name)}"
        if report.kuma_version == "2.9":
            st.error(f"Dropped by the 2.9 cascade: {who} fails to load its TLS material and sorts first.", icon="💥")
        else:
            st.caption(f"On a 2.9.x control plane it would be dropped because of {who} (kumahq/kuma#12821).")
    if not problems:
        st.success("Nothing to fix: kuma-cp includes it and no check found a problem.", icon="✅")


def render_findings(findings: list[Finding]) -> None:
    if not findings:
        st.caption("No findings.")
        return
    ordered = sorted(findings, key=lambda f: f.severity.rank)
    few = len(ordered) <= 4
    for f in ordered:
        entry = CATALOGUE.get(f.code)
        title = entry.title if entry else f.code
        lk = look(f.severity.value)
        with st.expander(f"{lk.icon} {f.code} · {prose(title)}", expanded=few or f.severity is Severity.ERROR):
            st.markdown(prose(f.message))
            meta = [f"stage {code(f.stage.value)}"]
            if f.path:
                meta.append(f"field {code(f.path)}")
            if f.location:
                meta.append(f"at {code(f.location)}")
            st.caption(" · ".join(meta))
            if f.hint:
                st.markdown(f"**How to fix:** {prose(f.hint)}")
            if f.fix:
                st.code(plain(f.fix), language=_fix_language(f.fix), wrap_lines=True)


def _fix_language(fix: str) -> str | None:
    head = fix.lstrip()
    if head.startswith(("kubectl", "kumactl", "curl", "#", "openssl")):
        return "bash"
    if ":" in head.split("\n", 1)[0]:
        return "yaml"
    return None


def _destination(outcome: ServiceOutcome, report: Report) -> None:
    d = outcome.destination
    note = ""
    if d is None:
        exclusion = report.endpoint_map.excluded.get(outcome.resource.key) or report.legacy_map.excluded.get(
            outcome.resource.key
        )
        d = exclusion.destination if exclusion else None
        note = "Not in the endpoint map; these are the names it would have (to grep logs and config dumps)."
    if d is None:
        st.caption(
            f"kuma-cp builds no destination for it (it is not in the endpoint map), so there are no effective "
            f"settings to show. TLS mode as written: {code(outcome.tls_mode)}; the Manifest tab has the rest."
        )
        return
    if note:
        st.caption(note)
    cols = st.columns(2)
    with cols[0]:
        st.markdown("**Destination**")
        st.dataframe(_pairs(destination_pairs(d)), hide_index=True, width="stretch")
    with cols[1]:
        st.markdown("**Effective upstream TLS (egress → service)**")
        if d.tls is None:
            st.caption("TLS disabled: the egress talks plain TCP/HTTP to the endpoints.")
        else:
            st.dataframe(_pairs(tls_pairs(d.tls)), hide_index=True, width="stretch")


def destination_pairs(d: Destination) -> list[tuple[str, str]]:
    return [
        ("cluster", d.cluster),
        ("legacy name", d.name),
        ("KRI", d.kri),
        ("hostname", d.hostname),
        ("port / protocol", f"{d.port} / {d.protocol}"),
        ("cluster type", d.cluster_type),
        ("endpoints", ", ".join(f"{e.address}:{e.port}" + (f" (priority {e.priority})" if e.priority else "")
                                for e in d.endpoints) or "—"),
        ("SNI sidecar → egress", d.egress_sni),
        ("legacy SNI", d.legacy_sni),
        ("KRI SNI", d.kri_sni),
        ("tags", ", ".join(f"{k}={v}" for k, v in sorted(d.tags.items())) or "—"),
    ]


def tls_pairs(t: UpstreamTls) -> list[tuple[str, str]]:
    def yes(v: bool) -> str:
        return "yes" if v else "no"

    versions = f"{t.min_version or 'default'} … {t.max_version or 'default'}"
    return [
        ("verification mode", t.mode),
        ("SNI", f"{t.sni or '—'}" + (f" (from {t.sni_source})" if t.sni_source else "")),
        ("validation context", yes(t.validation_context)),
        ("CA", t.ca or "none"),
        ("system CA fallback", yes(t.system_ca_fallback)),
        ("client certificate", yes(t.client_certificate)),
        ("hostname verification", yes(t.hostname_verification)),
        ("SAN matchers", ", ".join(t.san_matchers) or "—"),
        ("TLS versions", versions + ("" if t.versions_applied else " (not applied)")),
        ("renegotiation", yes(t.allow_renegotiation)),
    ]


def _pairs(pairs: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame([{"setting": k, "value": plain(v)} for k, v in pairs])


def _references(outcome: ServiceOutcome) -> None:
    if not outcome.references:
        st.caption("No TLS data sources (no caCert / clientCert / clientKey).")
        return
    rows = [
        {
            "status": label(r.status.value),
            "field": r.field,
            "source": r.source,
            "secret": r.secret or "",
            "found": r.matched.label() if r.matched else "",
            "message": r.message,
        }
        for r in outcome.references
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _certificates(outcome: ServiceOutcome) -> None:
    if not outcome.certificates:
        st.caption("No certificate was reached through this service's data sources.")
        return
    rows = [
        {
            "status": label(c.status.value),
            "days left": c.days_left,
            "not after": c.not_after,
            "field": c.field + (f" #{c.position}" if c.position else ""),
            "secret": c.secret or c.source,
            "subject": c.subject,
            "issuer": c.issuer,
            "SANs": ", ".join(c.sans),
            "key": f"{c.key_type} {c.key_size}" if c.key_size else c.key_type,
            "sha256": c.sha256,
        }
        for c in outcome.certificates
    ]
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config={"not after": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
    )


def _log(outcome: ServiceOutcome) -> None:
    lines = outcome.log_lines  # kuma-cp stops at the first failing data source: core says which lines
    if not lines:
        st.caption("kuma-cp would log nothing for this MeshExternalService.")
        return
    st.caption("What kuma-cp would log (on every egress rebuild, so expect repeats):")
    st.code(plain("\n".join(lines)), language=None, wrap_lines=True)


def manifest_yaml(manifest: Any) -> str:
    try:
        return plain(yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=100))
    except yaml.YAMLError:
        return plain(json.dumps(manifest, indent=2, default=str))


def deep_link(outcome: ServiceOutcome) -> str:
    return service_id(outcome.resource)
