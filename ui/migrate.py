"""The Services page's migration action: legacy ExternalServices as MeshExternalService YAML.

Runs `core.migrate.command.migrate` on the input the pages show (files, live state and what-if layers), only when
asked (it also checks the result by analysing it). Inline TLS material is never copied: the YAML references Secrets
and says how to create them, so the page shows no certificate or key bytes. The YAML is downloaded like the
report exports (`ui.exports.deliver_text`: sent to this tab only, never through Streamlit's media store).
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from core.migrate.command import migrate
from core.model import Kind, Report
from ui import state
from ui.exports import deliver_text, max_delivery_bytes
from ui.text import code, prose, safe

VERSION_KEY = "w.services.migrate_version"
DOWNLOAD_KEY = "services.migrate_download"
RESULT_KEY = "services.migrate_result"


def migrate_section(report: Report) -> None:
    """An expander with the migration of every ExternalService of the input (nothing when there is none)."""
    count = sum(1 for r in report.resources if r.kind is Kind.EXTERNAL_SERVICE)
    if not count:
        return
    with st.expander(f"🔁 Legacy ExternalService{'s' if count > 1 else ''} ({count}): migrate to MeshExternalService",
                     expanded=report.kuma_version == "3.0"):
        data = state.analysed_input()
        if data.is_snapshot:
            st.info("An opened snapshot holds the report, not the input: load the manifests (or the live source) "
                    "on the Sources page to migrate its ExternalServices.", icon="📦")
            return
        st.caption("Kuma 3.0 removes ExternalService. This writes the equivalent MeshExternalService of each one "
                   "(same form as the input) and says what does not carry over; MES Doctor checks the result.")
        with st.container(horizontal=True, vertical_alignment="bottom"):
            version = st.selectbox("Target Kuma version", state.VERSION_CHOICES[1:], key=VERSION_KEY,
                                   index=len(state.VERSION_CHOICES) - 2)
            clicked = st.button("Write MeshExternalService YAML", icon="🔁")
        key = f"{state.report_key()}|{version}"
        held = st.session_state.get(RESULT_KEY)
        if clicked or (held is not None and held[0] != key and held[1] is not None):
            options = state.current_options()
            result = migrate(list(data.sources), replace(options, kuma_version=str(version)), preloaded=data.live)
            held = (key, result)
            st.session_state[RESULT_KEY] = held
        if held is None or held[0] != key:
            return
        result = held[1]
        if result.failed:
            st.warning("Some ExternalServices could not be migrated, or the result has errors: see the notes.",
                       icon="⚠️")
        else:
            st.success(f"{sum(1 for m in result.migrations if m.converted)} MeshExternalService(s) for Kuma "
                       f"{safe(version)}: MES Doctor finds no error or warning on them.", icon="✅")
        for note in result.notes:
            st.markdown(f"- {prose(note)}")
        for finding in result.check:
            st.markdown(f"- {code(finding.code)} {prose(finding.message)}")
        st.code(result.text, language="yaml")
        if st.button("Download the YAML", icon="⬇️", key=DOWNLOAD_KEY) and not deliver_text(
                DOWNLOAD_KEY, f"meshexternalservices-{version}.yaml", "application/yaml", result.text):
            st.error(f"The YAML is too large to download from the dashboard (more than "
                     f"{max_delivery_bytes() // 1_000_000} MB). Run `mesdoctor migrate` on the same input instead.",
                     icon="📦")
