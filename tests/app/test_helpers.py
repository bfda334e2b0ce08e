"""The dashboard's pure helpers (escaping, frames, map comparison, charts) and its safety nets
(friendly errors, user strings never becoming markup)."""

from __future__ import annotations

import dataclasses
import re

import pytest
from streamlit.testing.v1 import AppTest

from core.analysis import analyse
from core.options import AnalysisOptions
from core.report.blast import blast_radius
from core.sources import Source
from tests.app.conftest import PAGES, assert_clean, new_app
from tests.factories import NOW
from tests.scenarios import motivating_case
from ui import charts, maps
from ui.detail import destination_pairs, manifest_yaml, tls_pairs
from ui.frames import catalogue_frame, certificates_frame, references_frame, services_frame
from ui.style import LOOKS, included_label, label, look
from ui.text import chart, code, plain, prose, safe

HOSTILE = "<img src=x onerror=alert(1)>**bold**$x$:red[hi][link](javascript:alert(1))"
ACTIVE = ("<img", "<b>", "**bold", "$x$", ":red[", "[link]", "](javascript")


def unescaped(token: str, markdown: str) -> bool:
    """Whether `token` occurs with its first character not backslash-escaped."""
    return re.search(r"(?<!\\)" + re.escape(token), markdown) is not None


@pytest.fixture(scope="module")
def reports():
    case = motivating_case(NOW)
    source = Source("upload", "case.yaml", case.yaml.encode())
    return (
        case,
        analyse([source], AnalysisOptions(now=NOW)),
        analyse([source], AnalysisOptions(now=NOW, kuma_version="2.9")),
    )


# --- text -----------------------------------------------------------------------------------------


def test_safe_leaves_no_markup_active():
    out = safe(HOSTILE)
    for active in ACTIVE:
        assert not unescaped(active, out), active
    assert re.sub(r"\\(.)", r"\1", out) == HOSTILE  # nothing lost, only escaped


LINKY = ["https://evil.example/x", "HTTP://EVIL.EXAMPLE", "www.evil.example", "Www.Evil.example", "me@evil.example",
         "mailto:me@evil.example", ":material/bolt:", ":smile:", ":+1:", ":streamlit:", "$$x^2$$", "$y$",
         "[a](https://evil.example)", "<https://evil.example>"]


@pytest.mark.parametrize("text", LINKY)
def test_safe_and_prose_leave_no_autolink_icon_emoji_or_math(text: str):
    from tests.core.hardening.outputs import live_patterns

    for out in (safe(text), prose(text), prose(f"`x` {text} `y`")):
        assert not live_patterns(out), (text, out)
    assert re.sub(r"\\(.)", r"\1", safe(text)).replace("\u2060", "") == text  # reads the same


def test_code_spans_show_icon_codes_as_written():
    """Streamlit turns `:material/` into `:material_` in the whole source (code spans too) before parsing."""
    out = code(":material/bolt: x")
    assert ":material/" not in out and out.replace("\u2060", "") == "`:material/bolt: x`"


def test_code_span_cannot_be_broken_out_of():
    assert code("a`b") == "``a`b``"
    assert code("x") == "`x`"


def test_prose_keeps_core_code_spans_and_escapes_the_rest():
    assert prose("use `tls.enabled` **now**") == "use `tls.enabled` \\*\\*now\\*\\*"
    assert prose("odd ` backtick") == safe("odd ` backtick")


def test_chart_and_plain_text():
    assert chart("<b>x</b> & y") == "&lt;b&gt;x&lt;/b&gt; &amp; y"
    assert plain("a\x1b[31mb") == "a\\x1b[31mb"


def test_status_looks_are_consistent():
    assert label("broken") == "🔴 broken" and label("healthy") == "🟢 healthy"
    assert look("error").colour == look("broken").colour == look("expired").colour == "red"
    assert look("not-found").icon == "🔴" and look("no-value-key").icon == "🟠"
    assert included_label(True) == "✅ included" and included_label(False) == "⛔ excluded"
    assert all(lk.hex.startswith("#") for lk in LOOKS.values())


# --- frames and maps ------------------------------------------------------------------------------


def test_frames_from_the_incident(reports):
    case, report, _ = reports
    services = services_frame(report)
    assert list(services["name"]) == [case.broken, case.healthy], "broken first"
    assert list(services["look"]) == ["🔴 broken", "🟢 healthy"]
    # ids are `<mesh>/<core name>` (Kubernetes: `name.namespace`), unique even when names repeat
    assert list(services["service"]) == [f"default/{case.broken}.kuma-system", f"default/{case.healthy}.kuma-system"]
    refs = references_frame(report)
    assert list(refs["status"][:2]) == ["not-found", "not-found"], "failing references first"
    assert set(refs["secret"]) == {"kuma-cert", "kuma-key", "kuma-cert-1", "kuma-key-1"}
    certs = certificates_frame(report)
    assert list(certs["subject"]) == ["CN=mesh-client,O=MES Doctor test PKI"]
    assert certs["not_after"][0].to_pydatetime() == case.cert_not_after
    catalogue = catalogue_frame(report)
    assert catalogue.set_index("code")["in_input"]["MES201"] == 2


def test_map_comparison_marks_the_cascade(reports):
    case, report, _ = reports
    comparison = maps.comparison_frame(report)
    row = comparison.set_index("name").loc[case.healthy]
    assert (row["isolated"], row["kuma29"], row["culprit"], row["differs"]) == (
        maps.INCLUDED, "⛔ dropped by the 2.9 cascade", case.broken, True)
    broken = comparison.set_index("name").loc[case.broken]
    assert not broken["differs"]
    counts = maps.outcome_counts(report)
    as_dict = {(r.control_plane, r.category): r.count for r in counts.itertuples()}
    assert as_dict == {
        ("Kuma 2.14 (target)", "included"): 1,
        ("Kuma 2.14 (target)", "excluded: own failure"): 1,
        ("Kuma 2.9.x", "dropped by cascade"): 1,
        ("Kuma 2.9.x", "excluded: own failure"): 1,
    }
    target = maps.destinations_frame(report.endpoint_map, report.services)
    assert list(target["state"]) == [maps.INCLUDED, "⛔ own TLS material fails to load"]
    assert target["cluster"][0].startswith("default_" + case.healthy)
    assert list(target["service"]) == [f"default/{case.healthy}.kuma-system", f"default/{case.broken}.kuma-system"]


def test_a_2_9_target_is_compared_with_the_isolated_builder(reports):
    """On a 2.9 target the other side is the 2.14 map core built (`Report.isolated_map`), not 2.9 itself."""
    case, _, report29 = reports
    assert report29.isolated_map is not None and report29.isolated_map.version == "2.14"
    assert (maps.isolated_side(report29).title, maps.legacy_side(report29).title) == (
        "Kuma 2.14 (isolated per MES)", "Kuma 2.9.x (target)")
    comparison = maps.comparison_frame(report29).set_index("name")
    assert comparison.loc[case.healthy, ["isolated", "kuma29", "differs"]].tolist() == [
        maps.INCLUDED, "⛔ dropped by the 2.9 cascade", True]
    assert not comparison.loc[case.broken, "differs"]
    counts = {(r.control_plane, r.category): r.count for r in maps.outcome_counts(report29).itertuples()}
    assert counts == {
        ("Kuma 2.14 (isolated per MES)", "included"): 1,
        ("Kuma 2.14 (isolated per MES)", "excluded: own failure"): 1,
        ("Kuma 2.9.x (target)", "dropped by cascade"): 1,
        ("Kuma 2.9.x (target)", "excluded: own failure"): 1,
    }
    assert list(maps.outcome_counts(report29)["control_plane"].unique()) == [
        "Kuma 2.14 (isolated per MES)", "Kuma 2.9.x (target)"], "the isolated builder first, as on other targets"


def test_without_an_isolated_map_nothing_differs(reports):
    _, _, report29 = reports
    bare = dataclasses.replace(report29, isolated_map=None)
    assert maps.isolated_side(bare) is None
    assert not maps.comparison_frame(bare)["differs"].any(), "2.9 against itself"
    assert set(maps.outcome_counts(bare)["control_plane"]) == {"Kuma 2.9.x (target)"}


def test_charts_build(reports):
    _, report, _ = reports
    certs = certificates_frame(report)
    fig = charts.expiry_timeline(certs, report.now, 30)
    markers = [t for t in fig.data if t.mode == "markers"]
    assert [t.name for t in markers] == ["valid"]
    assert len(fig.layout.shapes) == 2  # the warning window and the "now" line
    assert charts.expiry_timeline(certs.iloc[0:0], report.now, 30).data == ()
    blast = charts.blast_chart(maps.outcome_counts(report))
    assert {t.name for t in blast.data} == {"included", "dropped by cascade", "excluded: own failure"}
    culprits = charts.culprit_chart(blast_radius(report))
    assert list(culprits.data[0].x) == [1]


def test_bar_labels_are_short_and_fit_their_margin(reports):
    """Long mesh and culprit names are shortened (the hover keeps them whole) and the left margin is set for the
    longest label: plotly's automargin alone stops short on a narrow chart and cut labels' beginnings."""
    _, _, report29 = reports
    long_mesh = "a-very-long-mesh-name-" * 4
    counts = maps.outcome_counts(report29).assign(mesh=long_mesh)
    fig = charts.blast_chart(counts)
    labels = {y for trace in fig.data for y in trace.y}
    assert labels == {f"{long_mesh[:23]}… · 2.14 isolated", f"{long_mesh[:24]}… · 2.9.x target"}
    assert all(len(label) <= charts.MAX_LABEL for label in labels)
    assert fig.layout.margin.l >= 6 * max(len(label) for label in labels)
    assert {trace.customdata[0][0] for trace in fig.data} <= {f"{long_mesh} on Kuma 2.14 (isolated per MES)",
                                                              f"{long_mesh} on Kuma 2.9.x (target)"}
    radius = blast_radius(report29)
    culprit = next(iter(radius.culprits))
    renamed = type(radius)(culprits={dataclasses.replace(culprit, name="x" * 80): radius.culprits[culprit]})
    bars = charts.culprit_chart(renamed)
    assert list(bars.data[0].y) == [f"default/{'x' * 31}…"] and bars.data[0].customdata[0][0] == f"default/{'x' * 80}"


def test_timeline_escapes_labels(reports):
    _, report, _ = reports
    certs = certificates_frame(report).assign(service=HOSTILE, subject=HOSTILE)
    fig = charts.expiry_timeline(certs, report.now, 30)
    for trace in fig.data:
        for y in trace.y or ():
            assert y is None or "<img" not in y
        if trace.customdata is not None:
            assert all("<img" not in str(v) for v in trace.customdata.ravel())


def test_detail_pairs_and_manifest(reports):
    case, report, _ = reports
    healthy = report.service("default", case.healthy)
    assert healthy is not None and healthy.destination is not None
    pairs = dict(destination_pairs(healthy.destination))
    assert pairs["hostname"] == f"{case.healthy}.extsvc.mesh.local"
    tls = dict(tls_pairs(healthy.destination.tls))
    assert tls["verification mode"] == "Secured" and tls["client certificate"] == "yes"
    assert "kind: MeshExternalService" in manifest_yaml(healthy.resource.redacted_manifest())


# --- safety nets ----------------------------------------------------------------------------------


def test_friendly_errors_hide_the_traceback():
    def script() -> None:
        from ui.errors import friendly_errors

        with friendly_errors("this test"):
            raise ValueError("boom <b>")

    at = AppTest.from_function(script).run()
    assert not at.exception
    assert "could not render this test" in at.error[0].value
    assert "ValueError: boom <b>" in at.code[0].value


def test_a_failing_page_body_shows_the_friendly_error(monkeypatch):
    at = new_app()
    at.run()

    def broken(*_args, **_kwargs):
        raise RuntimeError("simulated")

    from ui import state

    monkeypatch.setattr(state, "derived", broken)
    at.switch_page("pages/2_Services.py").run()
    assert not at.exception
    assert any("could not render the Services page" in e.value for e in at.error)


def test_hostile_names_are_shown_as_text_on_every_page():
    universal = (
        f"type: MeshExternalService\nname: '{HOSTILE}'\nmesh: default\n"
        "spec:\n  match: {port: 80, protocol: http}\n  endpoints: [{address: '<b>x</b>', port: 80}]\n"
    )
    at = new_app()
    at.run()
    at.switch_page("pages/1_Sources.py").run()
    at.text_area(key="w.sources.paste").set_value(universal)
    next(b for b in at.button if "Analyse pasted text" in str(b.label)).click().run()
    at.query_params["service"] = f"default/{HOSTILE}"
    subheaders: list[str] = []
    for path in ["app.py", *PAGES]:
        at.switch_page(path).run()
        assert_clean(at)
        subheaders += [str(m.value) for m in at.subheader]
        for element in [*at.markdown, *at.caption, *at.error, *at.warning, *at.info, *at.success, *at.subheader]:
            body = str(element.value)
            # raw HTML / Markdown / LaTeX / directives only ever appear escaped (or inside code spans)
            outside_code = re.sub(r"(`+).*?\1", "", body)
            for active in ACTIVE:
                assert not unescaped(active, outside_code), (path, body[:200])
    assert any("onerror" in s for s in subheaders), "the detail of the hostile service is shown"
