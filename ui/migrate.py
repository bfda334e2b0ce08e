"""The Services page's migration action: legacy ExternalServices as MeshExternalService YAML.

Runs `core.migrate.command.migrate` on the current input (files and live state), only when asked (it also
checks the result by analysing it). Inline TLS material is never copied: the YAML references Secrets and says
how to create them, so the page shows no certificate or key bytes.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from core.migrate.command import migrate
from core.model import Kind, Report
from ui import state
from ui.text import code, prose, safe

VERSION_KEY = "w.services.migrate_version"
RESULT_KEY = "services.migrate_result"


def migrate_section(report: Report) -> None:
    """An expander with the migration of every ExternalService of the input (nothing when there is none)."""
    count = sum(1 for r in report.resources if r.kind is Kind.EXTERNAL_SERVICE)
    if not count:
        return
    with st.expander(f"🔁 Legacy ExternalService{'s' if count > 1 else ''} ({count}): migrate to MeshExternalService",
                     expanded=report.kuma_version == "3.0"):
        st.caption("Kuma 3.0 removes ExternalService. This writes the equivalent MeshExternalService of each one "
                   "(same form as the input) and says what does not carry over; MES Doctor checks the result.")
        with st.container(horizontal=True, vertical_alignment="bottom"):
            version = st.selectbox("Target Kuma version", state.VERSION_CHOICES[1:], key=VERSION_KEY,
                                   index=len(state.VERSION_CHOICES) - 2)
            clicked = st.button("Write MeshExternalService YAML", icon="🔁")
        key = f"{state.report_key()}|{version}"
        held = st.session_state.get(RESULT_KEY)
        if clicked or (held is not None and held[0] != key and held[1] is not None):
            data = state.current_input()
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
        st.download_button("Download the YAML", result.text, file_name=f"meshexternalservices-{version}.yaml",
                           mime="application/yaml", icon="⬇️")
