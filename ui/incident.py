"""The Overview's incident card: every culprit of the 2.9 cascade in loop order, with its one-line cause and
fix, how many MES it takes down, and the victims — each name a link to its detail.

Everything shown comes from `core.report.cascade.cascade_summary` (roles, `restoreOn29`, causes and fixes
are computed there, for every surface); this module only lays it out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import streamlit as st

from core.model import Report, Resource, ServiceOutcome
from core.report.cascade import CULPRIT, CascadeSummary, Culprit, MeshCascade
from core.secrets.placeholder import can_stub
from ui import page, whatif
from ui.frames import change_look, service_id
from ui.style import ROLE_LOOKS
from ui.text import code, prose, safe

# labels naming who owns an MES, most specific first: victims are grouped by the first one any of them carries
OWNER_LABELS = ("team", "owner", "app.kubernetes.io/team", "app.kubernetes.io/part-of")
FULL_CULPRITS = 4  # culprits drawn in full (cause, fix, victims); later ones without victims share one line


def upstream(outcome: ServiceOutcome) -> str:
    """The external host an MES sends to: its first endpoint address (as computed, else as written)."""
    d = outcome.destination
    if d is not None and d.endpoints:
        return d.endpoints[0].address
    endpoints = outcome.resource.spec.get("endpoints") if isinstance(outcome.resource.spec, dict) else None
    if isinstance(endpoints, list) and endpoints and isinstance(endpoints[0], dict):
        address = endpoints[0].get("address")
        return str(address) if address is not None else ""
    return ""


def link_label(outcome: ServiceOutcome) -> str:
    """`billing → api.payments.example` (escaped for the link label's Markdown)."""
    host = upstream(outcome)
    return safe(outcome.resource.name + (f" → {host}" if host else ""))


def service_link(outcome: ServiceOutcome, label: str | None = None, icon: str | None = None) -> None:
    st.page_link(page.SERVICES.path, label=label or link_label(outcome), icon=icon,
                 query_params={"service": service_id(outcome.resource)},
                 help=safe(f"Open {outcome.resource.mesh}/{outcome.resource.core_name}"))


def owner_groups(victims: Iterable[ServiceOutcome]) -> list[tuple[str, list[ServiceOutcome]]]:
    """Victims grouped by owner label (the first of `OWNER_LABELS` any of them carries), else by namespace
    when they span several; one unnamed group otherwise. Groups keep loop order."""
    victims = list(victims)
    label = next((k for k in OWNER_LABELS if any(k in v.resource.labels for v in victims)), None)
    if label is not None:
        key = lambda v: f"{label} {v.resource.labels.get(label, '(none)')}"  # noqa: E731
    elif len({v.resource.namespace for v in victims}) > 1:
        key = lambda v: f"namespace {v.resource.namespace or '(none)'}"  # noqa: E731
    else:
        return [("", victims)] if victims else []
    groups: dict[str, list[ServiceOutcome]] = {}
    for v in victims:
        groups.setdefault(key(v), []).append(v)
    return list(groups.items())


def victim_links(victims: Iterable[ServiceOutcome], key: str) -> None:
    """One wrapping row: each owner group's name with its victims (kept together), as links to their detail."""
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key=key):
        for group, members in owner_groups(victims):
            with st.container(horizontal=True, vertical_alignment="center", gap="small", width="content"):
                if group:
                    st.caption(safe(group) + ":", width="content")
                for v in members:
                    service_link(v, icon="⛓️")


def _culprit(mesh: MeshCascade, c: Culprit, report: Report, index: int) -> None:
    r = c.service.resource
    look = ROLE_LOOKS[c.role]
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.markdown(f"**{c.position}.** {look.icon} **{look.label}**", help=EXPLAINER if c.position == 1 else None)
        service_link(c.service, label=f"**{link_label(c.service)}**", icon=None)
        facts = [f"mesh {code(r.mesh)}"] if len({s.resource.mesh for s in report.services}) > 1 else []
        if r.namespace and len({s.resource.namespace for s in report.services}) > 1:
            facts.append(f"namespace {code(r.namespace)}")
        owner = next((f"{k} {code(r.labels[k])}" for k in OWNER_LABELS if k in r.labels), None)
        if owner:
            facts.append(owner)
        age = change_look(r.created_at, r.modified_at, report.now)
        if age:
            facts.append(f"**{safe(age)}**" if age.startswith("🆕") else safe(age))
        st.caption(" · ".join(facts))
        if c.fix_command:
            with st.popover("Fix", icon="📋", help="The ready-to-run fix"):
                st.code(c.fix_command, language="bash", wrap_lines=True)
        ref = c.reference
        if ref is not None and can_stub(ref):
            whatif.stub_button(ref, r.flavour, report.system_namespace, key=f"w.incident.stub.{index}", short=True)
    secret = _secret_of(report, c)
    secret_age = change_look(secret.created_at, secret.modified_at, report.now) if secret is not None else ""
    where = f" {code(secret.namespace)}/" if secret is not None and secret.namespace else " "
    recent = (f" (Secret{where}{code(secret.name)}: **{safe(secret_age)}**)"
              if secret is not None and secret_age.startswith("🆕") else "")
    with st.container(key=f"incident-why-{index}"):
        st.markdown(f"**Cause:** {prose(c.cause)}{recent}  \n**Fix:** {prose(c.fix)}")
    lead = culprit_lead(mesh, c)
    st.markdown(lead)
    victim_links(c.takes_down, f"victims-{index}")


def culprit_lead(mesh: MeshCascade, c: Culprit) -> str:
    """What a root cause does to its mesh's loop, in the numbers the engine computed: `drops_now` counts the
    later root causes too (they are dropped behind it as well), `takes_down` the MES its fix alone brings back."""
    later = [x for x in mesh.culprits if x.position > c.position]
    if c.role == CULPRIT:
        victims = c.drops_now - len(later)
        what = (f"Stops the loop: **{victims}** MES dropped behind it" if c.drops_now
                else "Stops the loop, but nothing sorts after it")
        if later:
            what += f" (and {_root_causes(later)})"
        if c.takes_down and victims > len(c.takes_down):
            what += (f". Fixing it brings back **{len(c.takes_down)}**; the other {victims - len(c.takes_down)} "
                     f"wait for #{later[0].position}")
        elif c.takes_down:
            what += ". Fixing it brings them back"
        return what + (":" if c.takes_down else ".")
    if c.takes_down:
        return (f"Next in line: once #{c.position - 1} is fixed it stops the loop; fixing it too brings back "
                f"**{len(c.takes_down)}**:")
    return f"Next in line: once #{c.position - 1} is fixed, it stops the loop itself."


def _root_causes(later: list[Culprit]) -> str:
    if len(later) == 1:
        return f"root cause #{later[0].position}"
    return f"{len(later)} more root causes"


def _secret_of(report: Report, c: Culprit) -> Resource | None:
    """The Secret the failing reference found (a near miss in another namespace, of another type, …)."""
    matched = c.reference.matched if c.reference is not None else None
    if matched is None:
        return None
    return next((r for r in report.resources if r.key == matched.key), None)


def _mesh(mesh: MeshCascade, report: Report, start: int, several: bool) -> int:
    if several:
        victims = len(mesh.victims)
        st.markdown(f"**Mesh {code(mesh.mesh)}** · {len(mesh.culprits)} failing MES, {victims} dropped behind them")
    full = [c for c in mesh.culprits if c.role == CULPRIT or c.takes_down][:FULL_CULPRITS]
    for i, c in enumerate(full):
        if i:
            st.divider()
        _culprit(mesh, c, report, start + i)
    rest = [c for c in mesh.culprits if c not in full]
    if rest:
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            st.caption(f"Also failing, next in line ({len(rest)}), each stopping the loop once the ones before it "
                       "are fixed:")
            for c in rest:
                service_link(c.service, label=safe(f"{c.position}. {c.service.resource.name}"),
                             icon=ROLE_LOOKS[c.role].icon)
    return start + len(mesh.culprits)


EXPLAINER = ("Kuma 2.9.x stops building the zone egress endpoint map at the first MES whose TLS material fails to "
             "load (kumahq/kuma#12821): every later MES of its mesh is missing. Root causes are listed in loop order; "
             "fix them all (or upgrade: 2.10 isolates the failure).")


def incident_card(report: Report, summary: CascadeSummary, verdict: Callable[[], None]) -> None:
    """The incident in one card: the verdict (`verdict` draws it), then every root cause of the 2.9 cascade with
    its cause, fix and victims. On other targets than 2.9 the card says what 2.9.x would do with this input."""
    if not summary.culprits:
        verdict()
        st.caption("💥 " + prose(summary.headline()))
        return
    target29 = report.kuma_version == "2.9"
    with st.container(border=True, key="incident-card"):
        verdict()
        if not target29:
            st.warning(prose(summary.headline()), icon="💥")
        several = len(summary.meshes) > 1
        start = 1
        for i, mesh in enumerate(summary.meshes):
            if i:
                st.divider()
            start = _mesh(mesh, report, start, several)
        st.page_link(page.ENDPOINT_MAP.path, label="The blast radius per mesh, and the endpoint maps side by side",
                     icon="🗺️")
