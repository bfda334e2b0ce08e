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
from core.secrets.placeholder import can_stub, placeholder_file_name, placeholder_manifest
from core.sources import Source
from ui import state
from ui.inputs import describe_sources

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


def add_layer(kind: str, title: str, sources: list[Source]) -> Layer:
    """Lay `sources` on top of the current input (and show the what-if view)."""
    data = state.current_input()
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


def stub_button(reference: SecretReference, flavour: Flavour, system_namespace: str, *, key: str) -> None:
    """A button that stubs the Secret of a missing reference; nothing for references a stub would not fix."""
    if not can_stub(reference):
        return
    done = has_layer("stub", stub_title(reference))
    st.button(
        f"Stub Secret {reference.secret} (what-if)" if not done else f"Secret {reference.secret} is stubbed",
        key=key, icon="🧩", disabled=done, on_click=stub_secret, args=(reference, flavour, system_namespace),
        help="Adds a placeholder Secret of this name where Kuma reads it (a what-if layer, no key material) to "
             "see what the fix changes; the MES then reports that the placeholder is not PEM (MES301).",
    )
