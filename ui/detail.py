"""The detail of one MeshExternalService: why it is in the state it is, and what to do about it."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st
import yaml

from core.catalogue import CATALOGUE
from core.model import Destination, Finding, Origin, Report, ServiceOutcome, Severity, UpstreamTls
from core.report.cascade import cascade_summary
from core.report.verdict import service_verdict
from core.secrets.placeholder import can_stub
from ui import state, whatif
from ui.frames import change_look, service_id
from ui.incident import culprit_lead, service_link, victim_links
from ui.style import ROLE_LOOKS, badge, included_label, label, look
from ui.text import code, plain, prose, safe


def render_service(outcome: ServiceOutcome, report: Report) -> None:
    r = outcome.resource
    with st.container(border=True):
        top = st.columns([3, 2], vertical_alignment="center")
        with top[0]:
            st.subheader(f"{look(outcome.status.value).icon} {safe(r.mesh)} / {safe(r.name)}", anchor=False)
            where = f"namespace {code(r.namespace)} · " if r.namespace else ""
            age = change_look(r.created_at, r.modified_at, report.now)
            st.caption(f"{where}{r.flavour.value} · {defined_in(r.origin)}" + (f" · **{safe(age)}**" if age else ""))
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
            render_findings(outcome.findings, fix_elsewhere=_cascade_pointer(outcome))
        with tabs[1]:
            _destination(outcome, report)
        with tabs[2]:
            _references(outcome, report)
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


_VERDICT_ALERTS = {"ok": (st.success, "✅"), "info": (st.info, "🧭"), "warning": (st.warning, "⚠️"),
                   "error": (st.error, "🔴")}


def _summary(outcome: ServiceOutcome, report: Report) -> None:
    """The verdict (core.report.verdict: it follows inclusion, so "out of this zone" is never "nothing to fix"),
    and its part in the 2.9 cascade: what a root cause takes down, what brings a dropped MES back."""
    cascade = state.derived("cascade", cascade_summary)
    verdict = service_verdict(outcome, report, cascade)
    alert, icon = _VERDICT_ALERTS.get(verdict.level, (st.info, "ℹ️"))
    alert(prose(verdict.headline), icon=icon)
    if verdict.note:
        st.caption(prose(verdict.note))
    r = outcome.resource
    culprit = cascade.culprit(r.mesh, r.core_name)
    mesh = next((m for m in cascade.meshes if m.mesh == r.mesh), None)
    if culprit is not None and mesh is not None:
        look_ = ROLE_LOOKS[culprit.role]
        st.markdown(f"{look_.icon} **{look_.label.capitalize()} #{culprit.position}** of the 2.9 cascade in mesh "
                    f"{code(r.mesh)}. {culprit_lead(mesh, culprit)}")
        if culprit.takes_down:
            victim_links(culprit.takes_down, f"detail-victims-{service_id(r)}")
        later = [c for c in mesh.culprits if c.position > culprit.position]
        if culprit.role == "culprit" and later:  # the rest of what it drops now: the next root causes and theirs
            with st.container(horizontal=True, vertical_alignment="center", gap="small"):
                st.caption(f"Also dropped behind it until #{later[0].position} is fixed:", width="content")
                for c in later:
                    service_link(c.service, icon=ROLE_LOOKS[c.role].icon)
                    for v in c.takes_down:
                        service_link(v, icon="⛓️")
    restore = [name for name in (outcome.restore_on_29 or ()) if name != r.core_name]
    if restore:
        by_name = {s.resource.core_name: s for s in report.services if s.resource.mesh == r.mesh}
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            st.markdown("To have it on 2.9.x, fix these first (loop order):")
            for i, name in enumerate(restore, 1):
                other = by_name.get(name)
                if other is not None:
                    service_link(other, label=safe(f"{i}. {other.resource.name}"),
                                 icon=ROLE_LOOKS.get(other.cascade_role or "", ROLE_LOOKS["culprit"]).icon)
    stub_buttons(outcome, report, "summary")


def _cascade_pointer(outcome: ServiceOutcome) -> dict[str, str]:
    """MES502 (dropped behind a culprit) carries the culprit's fix: printed once, on the culprit, so here it
    points there instead."""
    if outcome.dropped_by is None:
        return {}
    return {"MES502": f"Nothing to change on this MES: the fix is on {code(outcome.dropped_by.name)} (open it from "
                      "the links above)."}


def render_findings(findings: list[Finding], fix_elsewhere: dict[str, str] | None = None) -> None:
    """Every finding with its hint and fix; `fix_elsewhere` replaces the fix of some codes by a pointer."""
    fix_elsewhere = fix_elsewhere or {}
    if not findings:
        st.caption("No findings.")
        return
    ordered = sorted(findings, key=lambda f: f.severity.rank)
    few = len(ordered) <= 4
    fixes: dict[tuple[str, str], str] = {}  # (hint, fix) -> the code that showed it first: each fix once
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
            if f.code in fix_elsewhere:
                st.markdown(f"**How to fix:** {fix_elsewhere[f.code]}")
                continue
            shown = fixes.get((f.hint, f.fix))
            if shown is not None and (f.hint or f.fix):
                st.markdown(f"**How to fix:** as for {code(shown)} above.")
                continue
            fixes[(f.hint, f.fix)] = f.code
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


def _references(outcome: ServiceOutcome, report: Report) -> None:
    if not outcome.references:
        st.caption("No TLS data sources (no caCert / clientCert / clientKey).")
        return
    stub_buttons(outcome, report, "refs")
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


def stub_buttons(outcome: ServiceOutcome, report: Report, where: str) -> None:
    """One "stub this Secret" what-if button per missing Secret of this MES (none when nothing is missing)."""
    stubbable = [r for r in outcome.references if can_stub(r)]
    if not stubbable:
        return
    with st.container(horizontal=True, gap="small"):
        for i, ref in enumerate(stubbable):
            whatif.stub_button(ref, outcome.resource.flavour, report.system_namespace,
                               key=f"w.stub.{where}.{service_id(outcome.resource)}.{i}")


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
