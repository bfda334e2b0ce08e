"""What-if layers: manifests laid on top of the current input to try a fix before applying it.

A layer is one pasted text, a set of uploaded files or a placeholder Secret ("stub this Secret",
`core.secrets.placeholder`); later resources replace earlier ones, so a fixed Secret or MES in a layer
replaces the loaded one. Layers are kept apart from the input they sit on, so the dashboard can show
both reports: the **baseline** (the input alone) and the **what-if** (the input plus every layer), and
what changed between them (`core.report.diff`).

For a live input, the files of its overlay (Sources → Live, `ui.live`) are what-if layers too: its
baseline is the fetched state alone. Layers belong to the input they were added to: loading another
input (an upload, the sample, a new live source) drops them; a live refresh keeps them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import streamlit as st

from core.model import Flavour, SecretReference
from core.report.diff import ReportDiff, diff_reports
from core.report.json_report import report_dict
from core.secrets.placeholder import can_stub, placeholder_file_name, placeholder_manifest
from core.sources import Source
from ui import state
from ui.inputs import describe_sources
from ui.text import code, prose

LAYERS = state.PREFIX + "whatif.layers"  # list[Layer] added in the dashboard
BASE = state.PREFIX + "whatif.base"  # identity of the input they sit on
VIEW = state.PREFIX + "whatif.view"  # WHATIF or BASELINE: which report every page shows
VIEW_KEY = "w.whatif.view"

WHATIF = "what-if"
BASELINE = "baseline"
KINDS = {"paste": "📋", "upload": "📄", "stub": "🧩", "live": "📡"}
_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Layer:
    """One what-if layer: `kind` is `paste`, `upload`, `stub` or `live` (a file of a live input's overlay)."""

    id: str
    kind: str
    title: str
    sources: tuple[Source, ...]

    @property
    def icon(self) -> str:
        return KINDS.get(self.kind, "🩹")


def _identity(data: state.Input) -> tuple[Any, ...]:
    """What identifies the input layers sit on: a live source keeps its identity across refreshes."""
    loaded: datetime | None = None if data.is_live else data.loaded_at
    return (data.kind, data.label, loaded)


def own_layers(data: state.Input | None = None) -> list[Layer]:
    """The layers added in the dashboard, or none when the input they were added to was replaced."""
    data = data or state.current_input()
    layers: list[Layer] = st.session_state.get(LAYERS) or []
    if layers and st.session_state.get(BASE) != _identity(data):
        st.session_state[LAYERS] = []
        st.session_state[VIEW] = WHATIF
        return []
    return list(layers)


def live_layers(data: state.Input) -> list[Layer]:
    """A live input's overlay files (applied on the Sources page's Live tab), one layer each."""
    if not data.is_live:
        return []
    return [Layer(f"live:{i}", "live", s.name, (s,)) for i, s in enumerate(data.sources)]


def layers(data: state.Input | None = None) -> list[Layer]:
    data = data or state.current_input()
    return live_layers(data) + own_layers(data)


def active(data: state.Input | None = None) -> bool:
    return bool(layers(data))


def available(data: state.Input | None = None) -> bool:
    """What-if needs an input to analyse again: an opened snapshot is a report only."""
    return not (data or state.current_input()).is_snapshot


def add_layer(kind: str, title: str, sources: list[Source]) -> Layer | None:
    """Lay `sources` on top of the current input (and show the what-if view); None on a snapshot."""
    data = state.current_input()
    if not available(data):
        st.toast("A snapshot is a saved report: load its input to try a fix on top of it.", icon="📦")
        return None
    current = own_layers(data)
    layer = Layer(f"{kind}-{next(_ids)}", kind, title, tuple(sources))
    st.session_state[LAYERS] = [*current, layer]
    st.session_state[BASE] = _identity(data)
    st.session_state[VIEW] = WHATIF
    return layer


def remove_layer(layer_id: str) -> None:
    data = state.current_input()
    if layer_id.startswith("live:"):
        index = int(layer_id.split(":", 1)[1])
        kept = [s for i, s in enumerate(data.sources) if i != index]
        state.set_input(replace(data, sources=kept))
    else:
        st.session_state[LAYERS] = [layer for layer in own_layers(data) if layer.id != layer_id]
    if not active():
        st.session_state[VIEW] = WHATIF


def clear() -> None:
    """Drop every layer (a live overlay too)."""
    data = state.current_input()
    st.session_state[LAYERS] = []
    st.session_state[VIEW] = WHATIF
    if data.is_live and data.sources:
        state.set_input(replace(data, sources=[]))


def has_layer(kind: str, title: str) -> bool:
    return any(layer.kind == kind and layer.title == title for layer in own_layers())


# --- the two inputs, and which one the pages show ------------------------------------------------------


def baseline_input(data: state.Input) -> state.Input:
    """The input without any layer (a live input without its overlay)."""
    return replace(data, sources=[]) if data.is_live and data.sources else data


def whatif_input(data: state.Input) -> state.Input:
    """The input with every layer on top, in the order they were added."""
    own = own_layers(data)
    if not own:
        return data
    return replace(data, sources=[*data.sources, *(s for layer in own for s in layer.sources)])


def view() -> str:
    return BASELINE if active() and st.session_state.get(VIEW) == BASELINE else WHATIF


def set_view(value: str) -> None:
    st.session_state[VIEW] = BASELINE if value == BASELINE else WHATIF


def shown_input(data: state.Input) -> state.Input:
    """What the pages analyse: the what-if input, or the baseline while the toggle says so."""
    return baseline_input(data) if view() == BASELINE else whatif_input(data)


def describe(layer_list: list[Layer]) -> str:
    files = [s for layer in layer_list for s in layer.sources]
    return describe_sources(files, limit=4)


# --- rendering ------------------------------------------------------------------------------------------


def _on_view_change() -> None:
    set_view(st.session_state.get(VIEW_KEY) or WHATIF)


def banner() -> None:
    """Under every page's title while layers are active: each layer (removable), and the view toggle."""
    data = state.current_input()
    current = layers(data)
    if not current:
        return
    showing = view()
    st.session_state[VIEW_KEY] = showing  # widgets of other pages are forgotten: re-seed from the permanent view
    with st.container(border=True, key="whatif-banner"):
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            noun = "layer" if len(current) == 1 else "layers"
            st.markdown(f"**🩹 What-if active** · {len(current)} {noun} on top of the input — showing "
                        + ("**the baseline** (without them)" if showing == BASELINE else "**the what-if**"))
            st.segmented_control(
                "Show", [WHATIF, BASELINE], key=VIEW_KEY, on_change=_on_view_change, label_visibility="collapsed",
                format_func=lambda v: "🩹 what-if" if v == WHATIF else "⏪ baseline",
                help="Every page follows: the input with the layers (what-if) or without them (baseline).",
            )
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            for layer in current:
                st.button(f"{layer.icon} {layer.title} ✕", key=f"w.whatif.remove.{layer.id}", on_click=remove_layer,
                          args=(layer.id,), type="secondary", help=f"Remove this layer ({layer.kind})")
            if len(current) > 1:
                st.button("Remove all", key="w.whatif.clear", on_click=clear, type="tertiary", icon="🧹")
        diff = delta()
        if diff is not None:
            st.caption("Δ " + prose(delta_line(diff)) + " — the Overview has the details.")


# --- "stub this Secret" -------------------------------------------------------------------------------------


def stub_title(reference: SecretReference) -> str:
    return f"stub Secret {reference.secret} (mesh {reference.mesh})"


def stub_secret(reference: SecretReference, flavour: Flavour, system_namespace: str) -> None:
    """Add a placeholder Secret for a missing reference (no key material: `core.secrets.placeholder`)."""
    title = stub_title(reference)
    if has_layer("stub", title):
        return
    text = placeholder_manifest(reference, flavour=flavour, system_namespace=system_namespace)
    add_layer("stub", title, [Source(label="what-if", name=placeholder_file_name(reference), data=text.encode())])


def stub_button(reference: SecretReference, flavour: Flavour, system_namespace: str, *, key: str,
                short: bool = False) -> None:
    """A button that stubs the Secret of a missing reference; nothing for references a stub would not fix."""
    if not can_stub(reference) or not available():
        return
    done = has_layer("stub", stub_title(reference))
    if short:
        text = "Stub the Secret" if not done else "Secret stubbed"
    else:
        text = f"Stub Secret {reference.secret} (what-if)" if not done else f"Secret {reference.secret} is stubbed"
    st.button(
        text,
        key=key, icon="🧩", disabled=done, on_click=stub_secret, args=(reference, flavour, system_namespace),
        help=f"Adds a placeholder Secret {reference.secret} where Kuma reads it (a what-if layer, no key material) "
             "to see what the fix changes; the MES then reports that the placeholder is not PEM (MES301).",
    )


# --- what the layers change -------------------------------------------------------------------------------

DELTA = state.PREFIX + "whatif.delta"  # (baseline key, what-if key) -> ReportDiff, for this session


def delta() -> ReportDiff | None:
    """The baseline → what-if diff of the reports (`core.report.diff` on their JSON), None without layers."""
    data = state.current_input()
    if not active(data):
        return None
    before, after = baseline_input(data), whatif_input(data)
    key = (state.report_key(before), state.report_key(after))
    held = st.session_state.get(DELTA)
    if held is not None and held[0] == key:
        return held[1]  # type: ignore[no-any-return]
    diff = diff_reports(report_dict(state.report_for(before)), report_dict(state.report_for(after)))
    st.session_state[DELTA] = (key, diff)
    return diff


def delta_counts(diff: ReportDiff) -> list[tuple[str, int, str]]:
    """(label, count, help) of what changed, for the metrics row and the banner's one line. On a 2.9 target its
    map is the 2.9.x map, so the "on 2.9.x" counts are not repeated."""
    certs = len(diff.certificates_rotated) + len(diff.certificates_added) + len(diff.certificates_removed)
    target29 = diff.version_after == "2.9"
    rows = [("restored", len(diff.restored), "MES the what-if puts back in the target version's endpoint map")]
    if not target29:
        rows.append(("restored on 2.9.x", len(diff.restored_on_29), "MES a 2.9.x control plane would have again"))
    still = diff.still_dropped if target29 else diff.still_dropped_on_29
    rows += [
        ("still dropped" if target29 else "still dropped on 2.9.x", len(still),
         "MES still missing from the " + ("endpoint map" if target29 else "2.9.x endpoint map")),
        ("newly dropped", len(diff.newly_dropped) + (0 if target29 else len(diff.newly_dropped_on_29)),
         "MES the what-if takes out of a map"),
        ("new root causes", len(diff.new_culprits), "MES that now stop the 2.9 loop (often the next in line)"),
        ("findings resolved", len(diff.findings_resolved), "findings of the baseline gone in the what-if"),
        ("findings new", len(diff.findings_new), "findings the what-if adds"),
        ("certificates changed", certs, "rotated, added or removed certificates"),
    ]
    return rows


def delta_line(diff: ReportDiff) -> str:
    parts = [f"{n} {what}" for what, n, _ in delta_counts(diff) if n]
    return "vs baseline: " + (" · ".join(parts) if parts else "no change")


def delta_panel() -> None:
    """The Overview's before/after of the layers: counts, what came back, what is still down, new culprits."""
    diff = delta()
    if diff is None:
        return
    with st.container(border=True, key="whatif-delta"):
        st.markdown("#### 🩹 What the what-if changes")
        st.caption("The input with the layers compared with the baseline (the input alone).")
        with st.container(horizontal=True, gap="small"):
            for what, n, help_text in delta_counts(diff):
                st.metric(what, n, help=help_text, width=170)
        for c in diff.new_culprits:
            was = " — it was next in line" if c.role_before else ""
            st.warning(f"**New root cause:** {code(c.name)} (mesh {code(c.mesh)}) now stops the 2.9 loop{was}, "
                       f"holding back {len(c.victims)} MES. Fix it too.", icon="💥")
        target29 = diff.version_after == "2.9"
        for line in diff.summary_lines():
            if target29 and line.startswith("On 2.9.x,"):
                continue  # on a 2.9 target the endpoint map is the 2.9.x map: said in the line before
            st.markdown(f"- {prose(line)}")
