"""Live sources in the dashboard: the Sources page's Live tab, Refresh and auto-refresh, the
what-if overlay, and the banners every page shows for a live input.

A fetch turns into the current input (`ui.state.Input` with `live`, `live_digest` and `live_info`);
the report cache keys on the content digest only. The Kuma API token is typed into a password
field, travels only inside the `KumaApiSpec` kept in this session's memory (for Refresh), and the
field is emptied once a fetch succeeded: it never reaches a label, a message, a cache key, the URL,
a log or a file.

In `shared` mode (MESDOCTOR_MODE=shared, docs/deploy.md) the tab offers only select boxes of the sources the
operator named (core/live/config.py): no URL, file path, kubeconfig, CA file or token field, except a URL field
when the operator allows URL hosts, and then only for those hosts. Every read (Refresh included) is checked
against the configuration first, and errors about the server's own files reach the server log, not the page.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import streamlit as st

from core.live import (
    LiveResult,
    LiveSourceError,
    LiveSpec,
    fetch,
    in_cluster_available,
    kube_contexts,
    kubeconfig_path,
    kubernetes_available,
)
from core.live.config import IN_CLUSTER
from core.live.errors import ServerFileError
from core.live.specs import DEFAULT_TIMEOUT, display_url
from core.settings import Settings, SettingsError
from ui import audit, deployment, state
from ui.inputs import UPLOAD_TYPES, describe_sources, source_from_paste, sources_from_uploads
from ui.live_specs import (
    KIND_KUBE,
    KIND_KUMA,
    KIND_TITLES,
    KIND_URL,
    KIND_WATCHER,
    REFRESH_CHOICES,
    SpecError,
    failed_refresh,
    kept_token,
    kube_spec,
    kuma_spec,
    live_input,
    refresh_label,
    refreshed,
    scrub,
    time_text,
    url_spec,
    with_overlay,
)
from ui.text import code, prose, safe

ROOT = Path(__file__).resolve().parents[1]
RBAC_FILE = ROOT / "docs" / "rbac" / "mes-doctor-reader.yaml"
DOCS = "docs/live-sources.md"

# permanent state (survives page switches; see ui/state.py)
FORM = state.PREFIX + "live_form"  # non-secret field values of the Live tab
ERROR = state.PREFIX + "live_error"  # the last failed connection attempt (one line)
EVERY = state.PREFIX + "live_every"  # auto-refresh interval in seconds (0: off)
POLLED = state.PREFIX + "live_polled"  # time.monotonic() of the last read (auto-refresh is due after it)
OVERLAY_GEN = state.PREFIX + "live_overlay_gen"  # bumped to empty the overlay uploader

# widgets
W = "w.live."
KIND_KEY = W + "kind"
TOKEN_KEY = W + "kuma.token"
TIMEOUT_KEY = W + "timeout"
OVERLAY_PASTE_KEY = W + "overlay.paste"
SIDEBAR_EVERY_KEY = "w.sidebar.live_every"
SOURCES_EVERY_KEY = "w.sources.live_every"
POLL_FRAGMENT = "mesdoctor-live-poll"


# --- reading --------------------------------------------------------------------------------------


SERVER_FILE_MESSAGE = ("this source's configuration on the server cannot be used (its kubeconfig, CA file or "
                       "credential plugin); the operator finds the details in the server's log")


@audit.audited_read  # one audit line per read (ui/audit.py)
def read(spec: LiveSpec) -> LiveResult:
    """Fetch with the analysis' limits and system namespace, under the server's policy (shared mode: only the
    named sources, checked here before every read). Raises only LiveSourceError."""
    options = state.current_options()
    label = str(getattr(spec, "label", "live"))
    try:
        current = deployment.settings()
    except SettingsError:
        raise LiveSourceError(label, "the server's settings are invalid; nothing is read") from None
    if current.shared:
        refusal = current.sources.refusal(spec)
        if refusal:
            raise LiveSourceError(label, refusal)
    try:
        return fetch(spec, limits=options.limits, system_namespace=options.system_namespace,
                     policy=deployment.read_policy(current, spec))
    except ServerFileError as exc:
        if not current.shared:
            raise
        deployment.log_server_detail(str(exc))
        raise LiveSourceError(exc.source, SERVER_FILE_MESSAGE) from None
    except LiveSourceError:
        raise
    except Exception as exc:  # fetch promises LiveSourceError only; never show a traceback regardless
        raise LiveSourceError(label, scrub(f"unexpected failure ({type(exc).__name__}: {exc})", spec)) from None


def connect(kind: str) -> None:
    """Fetch button: build the spec from the fields, read it, make it the current input."""
    st.session_state[ERROR] = ""
    try:
        spec = _spec_from_fields(kind)
    except SpecError as exc:
        st.session_state[ERROR] = str(exc)
        return
    try:
        result = read(spec)
    except LiveSourceError as exc:
        st.session_state[ERROR] = str(exc)
        return
    state.set_input(live_input(result, spec))
    st.session_state[POLLED] = time.monotonic()
    st.session_state[TOKEN_KEY] = ""  # the token now lives only in the spec (for Refresh)
    st.toast(f"Fetched {safe(result.summary())}", icon="📡")


def refresh() -> bool | None:
    """Read the current live input again. True: changed, False: unchanged, None: failed / not live."""
    data = state.current_input()
    if data.live_info is None:
        return None
    st.session_state[POLLED] = time.monotonic()
    try:
        result = read(data.live_info.spec)
    except LiveSourceError as exc:
        state.set_input(failed_refresh(data, str(exc)))
        return None
    new, changed = refreshed(data, result)
    state.set_input(new)
    return changed


def on_refresh_click() -> None:
    changed = refresh()
    data = state.current_input()
    if changed is None:
        if data.live_info is not None and data.live_info.error:
            st.toast("Refresh failed; the previous state is kept.", icon="⚠️")
    elif changed:
        st.toast("Refreshed: the live state changed and was analysed again.", icon="🔄")
    else:
        st.toast("Refreshed: nothing changed.", icon="✅")


def interval() -> int:
    every = st.session_state.get(EVERY, 0)
    return every if every in REFRESH_CHOICES else 0


def _poll() -> None:
    """Auto-refresh (a fragment re-run every interval): re-fetch when due, rerun the app only on change.

    A full-app rerun keeps widget state and query params, so filters and the selected service stay.
    """
    data = state.current_input()
    every = interval()
    if data.live_info is None or not every:
        return
    last = st.session_state.setdefault(POLLED, time.monotonic())
    if time.monotonic() - last >= every * 0.95:
        if refresh():
            st.rerun(scope="app")
        data = state.current_input()
    info = data.live_info
    assert info is not None
    checked = info.checked_at or data.loaded_at
    st.caption(f"🔁 auto-refresh {refresh_label(every)} · last read {time_text(checked)}")


def poller() -> None:
    """Render the auto-refresh fragment when it is on (call inside the sidebar)."""
    every = interval()
    if every and state.current_input().is_live:
        st.fragment(_poll, run_every=every, key=POLL_FRAGMENT)()


def every_widget(key: str, width: int | str = "stretch") -> None:
    st.session_state[key] = interval()  # re-seed from the permanent value (widgets of other pages are dropped)
    st.selectbox("Auto-refresh", REFRESH_CHOICES, key=key, format_func=refresh_label, width=width,  # type: ignore[arg-type]
                 on_change=lambda: st.session_state.__setitem__(EVERY, st.session_state[key]),
                 help="Re-fetch and re-analyse on a timer (off by default). Filters and the selected service stay; "
                 "the pages update only when the live state changed.")


# --- the Live tab -------------------------------------------------------------------------------


def _memory() -> dict[str, Any]:
    memory = st.session_state.get(FORM)
    if not isinstance(memory, dict):
        memory = {}
        st.session_state[FORM] = memory
    return memory


def _seed(name: str, default: Any) -> str:
    """A widget key seeded from the remembered value (Streamlit forgets widgets of other pages)."""
    key = W + name
    if key not in st.session_state:
        st.session_state[key] = _memory().get(name, default)
    return key


def _keep(name: str, value: Any) -> None:
    _memory()[name] = value


def _value(name: str, default: Any = None) -> Any:
    return st.session_state.get(W + name, default)


def _spec_from_fields(kind: str) -> LiveSpec:
    try:
        current = deployment.settings()
    except SettingsError:
        raise SpecError("The server's settings are invalid; nothing can be read.") from None
    if current.shared:
        return _named_spec(kind, current)
    timeout = _value("timeout", DEFAULT_TIMEOUT)
    if kind == KIND_KUBE:
        return kube_spec(kubeconfig=_value("kube.kubeconfig"), context=_value("kube.context"),
                         in_cluster=bool(_value("kube.in_cluster", False)),
                         search_other_namespaces=bool(_value("kube.search", True)),
                         system_namespace=state.current_options().system_namespace, timeout=timeout)
    if kind == KIND_KUMA:
        url = _value("kuma.url")
        token = st.session_state.get(TOKEN_KEY) or kept_token(state.current_input(), url)
        return kuma_spec(url=url, token=token, ca_file=_value("kuma.ca_file"),
                         insecure=bool(_value("kuma.insecure", False)), meshes=_value("kuma.meshes"), timeout=timeout)
    return url_spec(url=_value("url.url"), timeout=timeout)


def _named_spec(kind: str, current: Settings) -> LiveSpec:
    """Shared mode: the spec of the source the visitor chose by name (or a URL on an allowed host)."""
    sources = current.sources
    try:
        if kind == KIND_KUBE:
            name = _value("shared.kube")
            if not name:
                raise SpecError("Choose one of the clusters the operator configured.")
            return sources.kube_spec(str(name), system_namespace=state.current_options().system_namespace,
                                     search_other_namespaces=bool(_value("kube.search", True)))
        if kind == KIND_KUMA:
            name = _value("shared.kuma")
            if not name:
                raise SpecError("Choose one of the control planes the operator configured.")
            return sources.kuma_spec(str(name))
        typed = str(_value("shared.url_free", "") or "").strip() if sources.url_hosts is not None else ""
        if typed:
            return sources.free_url_spec(typed)
        name = _value("shared.url")
        if not name:
            raise SpecError("Choose one of the manifest URLs the operator configured"
                            + (", or enter a URL on an allowed host." if sources.url_hosts is not None else "."))
        return sources.url_spec(str(name))
    except ValueError as exc:
        raise SpecError(str(exc)) from None


def live_tab() -> None:
    """The Sources page's Live tab: Kubernetes / Kuma API / URL, the last error, the overlay."""
    data = state.current_input()
    try:
        current = deployment.settings()
    except SettingsError:
        return  # the page has said so already (ui/deployment.py)
    kinds = _shared_kinds(current) if current.shared else list(KIND_TITLES)
    if not kinds:
        st.info("The operator of this shared dashboard has configured **no live sources**: upload or paste "
                f"manifests instead. (Operators: {code(deployment.DOCS)}, Configured sources.)", icon="🔒")
        return
    default_kind = data.kind if data.is_live and data.kind in kinds else kinds[0]
    kind_key = _seed("kind", default_kind)
    if st.session_state.get(kind_key) not in kinds:
        st.session_state[kind_key] = default_kind
    kind = st.radio("Read from", kinds, key=kind_key, format_func=KIND_TITLES.__getitem__,
                    horizontal=True, label_visibility="collapsed")
    _keep("kind", kind)
    if kind == KIND_WATCHER:
        from ui import watcher  # the watcher source (its report, not manifests)

        watcher.form(current)
    elif current.shared:
        st.caption(f"🔒 This dashboard is shared: it reads only the sources its operator configured, chosen by name "
                   f"({code(deployment.DOCS)}).")
        {KIND_KUBE: _shared_kube_form, KIND_KUMA: _shared_kuma_form, KIND_URL: _shared_url_form}[kind](current)
    elif kind == KIND_KUBE:
        _kube_form()
    elif kind == KIND_KUMA:
        _kuma_form()
    else:
        _url_form()
    error = st.session_state.get(ERROR)
    if error:  # holds the user's URL and the server's words: text, never Markdown or HTML
        st.error(prose(error), icon="🔌")
    if data.is_live:
        st.divider()
        overlay_section()


def _timeout_input() -> None:
    key = _seed("timeout", DEFAULT_TIMEOUT)
    value = st.number_input("Timeout (s)", min_value=1.0, max_value=300.0, step=1.0, key=key, width=150,
                            help="Bounds each connection and each read.")
    _keep("timeout", value)


def _fetch_button(kind: str, disabled: bool = False) -> None:
    st.button("Fetch and analyse", type="primary", icon="📡", on_click=connect, args=(kind,),
              key=f"{W}fetch.{kind}", disabled=disabled)


def _kube_form() -> None:
    if not kubernetes_available():
        st.warning(
            "The **`kubernetes` Python package is not installed**, so a cluster cannot be read. Install it with "
            "`pip install 'mes-doctor[kubernetes]'` (`make run` does), or read the Kuma control plane API or a URL.",
            icon="📦",
        )
        return
    in_cluster = False
    if in_cluster_available():
        key = _seed("kube.in_cluster", False)  # never pre-selected: the pod's own account is a deliberate choice
        in_cluster = st.checkbox("In-cluster: use this pod's service account", key=key)
        _keep("kube.in_cluster", in_cluster)
    else:
        st.session_state.pop(W + "kube.in_cluster", None)
    cols = st.columns([3, 2], vertical_alignment="bottom")
    with cols[0]:
        key = _seed("kube.kubeconfig", "")
        path = st.text_input("Kubeconfig", key=key, placeholder=kubeconfig_path(), disabled=in_cluster,
                             help="Empty: `$KUBECONFIG` (a colon-separated list is merged, as kubectl does), "
                             "else `~/.kube/config`. A path on the machine running MES Doctor.")
        _keep("kube.kubeconfig", path)
    names: tuple[str, ...] = ()
    with cols[1]:
        if in_cluster:
            st.text_input("Context", value="(in-cluster)", disabled=True, key=W + "kube.context_off")
        else:
            try:
                contexts = kube_contexts((path or "").strip() or None)
            except LiveSourceError as exc:
                st.caption(f"⚠️ {safe(str(exc))}")
            except Exception as exc:  # kube_contexts promises LiveSourceError only; never show a traceback
                st.caption(f"⚠️ kubeconfig: cannot read it ({safe(type(exc).__name__)})")
            else:
                names = contexts.names
                key = W + "kube.context"
                remembered = st.session_state.get(key, _memory().get("kube.context"))
                st.session_state[key] = remembered if remembered in names else (
                    contexts.current if contexts.current in names else (names[0] if names else None))
                current = contexts.current
                context = st.selectbox("Context", names, key=key,
                                       format_func=lambda n: f"{n} (current)" if n == current else n,
                                       help="Defaults to the kubeconfig's current context.")
                _keep("kube.context", context)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        key = _seed("kube.search", True)
        search = st.checkbox("Search referenced Secrets in other namespaces", key=key,
                             help="Finds a Secret of the wrong namespace or type (needs cluster-wide `list secrets`; "
                             "skipped with a note when refused).")
        _keep("kube.search", search)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        _timeout_input()
        _fetch_button(KIND_KUBE, disabled=not in_cluster and not names)
    st.caption(
        f"Read-only (`get`/`list`): MeshExternalServices, Meshes, Kuma Secrets of the system namespace "
        f"{code(state.current_options().system_namespace)}, ZoneEgresses and more. Permissions: "
        f"{code('docs/rbac/mes-doctor-reader.yaml')}, see {code(DOCS)}."
    )


def _kuma_form() -> None:
    cols = st.columns([3, 2], vertical_alignment="bottom")
    with cols[0]:
        key = _seed("kuma.url", "")
        url = st.text_input("Control plane API URL", key=key,
                            placeholder="http://localhost:5681 or https://kuma-cp.kuma-system:5682")
        _keep("kuma.url", url)
    with cols[1]:
        st.text_input("Token (optional)", type="password", key=TOKEN_KEY, autocomplete="off",
                      placeholder="bearer token",
                      help="Sent only as `Authorization: Bearer` to this host. Kept in this browser session's "
                      "memory for Refresh; never written to disk, logs, the URL or a cache. Secrets are admin-only: "
                      "use an admin token to check secret references.")
    if not st.session_state.get(TOKEN_KEY) and kept_token(state.current_input(), url):
        st.caption("🔑 The token of the current connection is used again (same URL). Type another one to replace it.")
    cols = st.columns([3, 2], vertical_alignment="bottom")
    with cols[0]:
        key = _seed("kuma.ca_file", "")
        insecure_now = bool(_memory().get("kuma.insecure", False))
        ca_file = st.text_input("CA certificate file (optional)", key=key, disabled=insecure_now,
                                placeholder="/path/to/ca.pem",
                                help="PEM file on the machine running MES Doctor, to verify a private CA. "
                                "Empty: the system's trusted CAs.")
        _keep("kuma.ca_file", ca_file)
    with cols[1]:
        key = _seed("kuma.insecure", False)
        insecure = st.checkbox("Skip TLS verification (insecure)", key=key,
                               help="Accept any certificate. Only for a control plane you reach over a trusted path.")
        _keep("kuma.insecure", insecure)
    if insecure:
        st.caption("⚠️ TLS verification is off: the server's identity is not checked.")
    with st.container(horizontal=True, vertical_alignment="bottom"):
        key = _seed("kuma.meshes", "")
        meshes = st.text_input("Only these meshes (optional)", key=key, placeholder="default, payments",
                               help="Comma-separated. Empty: every mesh.")
        _keep("kuma.meshes", meshes)
        _timeout_input()
        _fetch_button(KIND_KUMA)
    st.caption(
        "Read-only (`GET`): the version (`GET /`), Meshes, MeshExternalServices and Secrets per mesh, "
        "GlobalSecrets, ZoneEgresses. With `auto`, the target version follows the control plane."
    )


def _url_form() -> None:
    with st.container(horizontal=True, vertical_alignment="bottom"):
        key = _seed("url.url", "")
        url = st.text_input("Manifest file or archive URL", key=key, placeholder="https://git.example/raw/mesh/mes.yaml",
                            help="http(s) only; .yaml, .json, .zip, .tar, .tar.gz. At most 3 redirects.")
        _keep("url.url", url)
        _timeout_input()
        _fetch_button(KIND_URL)


# --- the Live tab of a shared dashboard: the operator's named sources only ----------------------------------


def _shared_kinds(current: Settings) -> list[str]:
    sources = current.sources
    available = {KIND_KUBE: bool(sources.kube_names()), KIND_KUMA: bool(sources.kuma_apis),
                 KIND_URL: bool(sources.manifest_urls) or sources.url_hosts is not None,
                 KIND_WATCHER: bool(sources.watchers)}
    return [kind for kind in KIND_TITLES if available[kind]]


def _choice(name: str, label: str, options: tuple[str, ...], placeholder: str, **kwargs: Any) -> Any:
    """A select box of configured names; nothing is pre-selected (a remembered choice is kept)."""
    key = W + name
    remembered = st.session_state.get(key, _memory().get(name))
    st.session_state[key] = remembered if remembered in options else None
    value = st.selectbox(label, options, key=key, index=None, placeholder=placeholder, **kwargs)
    _keep(name, value)
    return value


def _shared_kube_form(current: Settings) -> None:
    if not kubernetes_available():
        st.warning("The **`kubernetes` Python package is not installed** on this server, so a cluster cannot be "
                   "read. Ask the operator, or read a Kuma control plane API.", icon="📦")
        return
    names = current.sources.kube_names()
    with st.container(horizontal=True, vertical_alignment="bottom"):
        chosen = _choice("shared.kube", "Cluster", names, "Choose a cluster the operator configured", width=360,
                         format_func=lambda n: "in-cluster (this pod's service account)" if n == IN_CLUSTER else n)
        key = _seed("kube.search", True)
        search = st.checkbox("Search referenced Secrets in other namespaces", key=key,
                             help="Finds a Secret of the wrong namespace or type (needs cluster-wide `list secrets`; "
                             "skipped with a note when refused).")
        _keep("kube.search", search)
        _fetch_button(KIND_KUBE, disabled=chosen is None)
    st.caption(
        f"Read-only (`get`/`list`): MeshExternalServices, Meshes, Kuma Secrets of the system namespace "
        f"{code(state.current_options().system_namespace)}, ZoneEgresses and more, with the permissions the operator "
        "gave this server."
    )


def _shared_kuma_form(current: Settings) -> None:
    apis = {api.name: api for api in current.sources.kuma_apis}
    with st.container(horizontal=True, vertical_alignment="bottom"):
        chosen = _choice("shared.kuma", "Control plane", tuple(apis), "Choose a control plane the operator configured",
                         width=360, format_func=lambda n: f"{n} · {display_url(apis[n].url)}" if n in apis else n)
        _fetch_button(KIND_KUMA, disabled=chosen is None)
    api = apis.get(chosen) if chosen else None
    if api is not None:
        meshes = ("mesh " if len(api.meshes) == 1 else "meshes ") + ", ".join(api.meshes) if api.meshes else \
            "every mesh"
        token = "with the operator's token" if api.token_env else "without a token"
        st.caption(f"Reads {safe(meshes)} {token} (read-only `GET`: the version, Meshes, MeshExternalServices, "
                   "Secrets, GlobalSecrets, ZoneEgresses).")


def _shared_url_form(current: Settings) -> None:
    sources = current.sources
    urls = {u.name: u for u in sources.manifest_urls}
    with st.container(horizontal=True, vertical_alignment="bottom"):
        if urls:
            _choice("shared.url", "Manifest file or archive", tuple(urls), "Choose a manifest the operator configured",
                    width=360, format_func=lambda n: f"{n} · {display_url(urls[n].url)}" if n in urls else n)
        if sources.url_hosts is not None:
            key = _seed("shared.url_free", "")
            typed = st.text_input("URL on an allowed host" if not urls else "or a URL on an allowed host", key=key,
                                  placeholder="https://" + sources.url_hosts.entries[0].removeprefix("*.") + "/…"
                                  if sources.url_hosts.entries else "https://…",
                                  help=f"http(s) only. Allowed hosts: {sources.url_hosts.describe()} "
                                  "(redirects too). .yaml, .json, .zip, .tar, .tar.gz.")
            _keep("shared.url_free", typed)
        _fetch_button(KIND_URL)
    if sources.url_hosts is not None:
        st.caption(f"Allowed URL hosts: {safe(sources.url_hosts.describe())}" + (
            " · a URL typed here is read instead of the chosen manifest." if urls else ""))


# --- what-if overlay ------------------------------------------------------------------------------


def _overlay_upload_key() -> str:
    return f"{W}overlay.upload.{st.session_state.get(OVERLAY_GEN, 0)}"


def apply_overlay() -> None:
    files = st.session_state.get(_overlay_upload_key()) or []
    sources = sources_from_uploads(files)
    pasted = source_from_paste(st.session_state.get(OVERLAY_PASTE_KEY), name="what-if.yaml")
    if pasted is not None:
        sources.append(pasted)
    if not sources:
        st.toast("Nothing to apply: upload files or paste YAML first.", icon="⚠️")
        return
    state.set_input(with_overlay(state.current_input(), sources))


def clear_overlay() -> None:
    state.set_input(with_overlay(state.current_input(), []))
    st.session_state[OVERLAY_GEN] = st.session_state.get(OVERLAY_GEN, 0) + 1
    st.session_state[OVERLAY_PASTE_KEY] = ""


def overlay_section() -> None:
    data = state.current_input()
    st.markdown("**What-if overlay** — local manifests applied on top of the fetched state")
    st.caption("E.g. a fixed Secret or MeshExternalService, to see that a fix works before applying it. A resource "
               "defined again replaces the live one; nothing is sent anywhere, and Refresh keeps the overlay.")
    if data.sources:
        with st.container(horizontal=True, vertical_alignment="center"):
            st.info(f"Overlay active: {safe(describe_sources(data.sources))}", icon="🧪")
            st.button("Clear overlay", on_click=clear_overlay, icon="🧹", key=W + "overlay.clear")
    cols = st.columns(2)
    with cols[0]:
        st.file_uploader("Manifests", type=UPLOAD_TYPES, accept_multiple_files=True, key=_overlay_upload_key())
    with cols[1]:
        st.text_area("or YAML", key=OVERLAY_PASTE_KEY, height=110, placeholder="kind: Secret\n…")
    st.button("Apply overlay" if not data.sources else "Replace overlay", on_click=apply_overlay, icon="🧪",
              key=W + "overlay.apply")
