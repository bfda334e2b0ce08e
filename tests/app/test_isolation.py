"""Visitors kept apart (AppTest: each AppTest is one session; the report cache is the process' one, as on a real
server): one session's upload, paste or what-if never appears in another's, the cache serves an entry only to the
session that made it (even for identical input), and exports reach only the session that asked for them,
without Streamlit's media store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.app.conftest import ROOT, assert_clean, count_analyses, new_app, report_of, texts
from ui import exports, state

UPLOAD_KEY = "w.sources.upload"


def manifest(name: str) -> bytes:
    return yaml.safe_dump({
        "apiVersion": "kuma.io/v1alpha1", "kind": "MeshExternalService",
        "metadata": {"name": name, "namespace": "kuma-system", "labels": {"kuma.io/mesh": "default"}},
        "spec": {"match": {"type": "HostnameGenerator", "port": 443, "protocol": "tcp"},
                 "endpoints": [{"address": f"{name}.example.com", "port": 443}]},
    }).encode()


def uploaded(files: list[tuple[str, bytes]]) -> Any:
    at = new_app()
    at.run()
    at.switch_page("pages/1_Sources.py").run()
    at.file_uploader(key=UPLOAD_KEY).set_value([(n, d, "application/x-yaml") for n, d in files]).run()
    assert_clean(at)
    return at


def everything(at: Any) -> str:
    shown = []
    for path in ["app.py", "pages/2_Services.py", "pages/1_Sources.py"]:
        at.switch_page(path).run()
        assert_clean(at)
        shown.append(texts(at))
    return "\n".join(shown)


def token(at: Any) -> str:
    return str(at.session_state[state.PREFIX + "session"])


def test_two_sessions_uploads_stay_apart():
    alice = uploaded([("alice.yaml", manifest("alice-payments"))])
    bob = uploaded([("bob.yaml", manifest("bob-inventory"))])
    assert token(alice) != token(bob)
    alice_sees, bob_sees = everything(alice), everything(bob)
    assert "alice-payments" in alice_sees and "bob-inventory" not in alice_sees
    assert "bob-inventory" in bob_sees and "alice-payments" not in bob_sees
    assert [s.resource.name for s in report_of(alice).services] == ["alice-payments"]
    assert [s.resource.name for s in report_of(bob).services] == ["bob-inventory"]
    # the cache itself: bob's token does not reach alice's entries, even with alice's exact key (both sessions
    # analysed the same bundled sample first: each has its own entry under the same key)
    cache = state._report_cache()
    for key in cache.keys(token(alice)):
        mine, theirs = cache.get(token(alice), key), cache.get(token(bob), key)
        assert theirs is None or theirs is not mine
    (upload_key,) = [k for k in cache.keys(token(alice)) if k.startswith("files:")]
    assert cache.get(token(bob), upload_key) is None
    assert cache.get_derived(token(alice), upload_key, "services_frame") is not None
    assert cache.get_derived(token(bob), upload_key, "services_frame") is None


def test_identical_input_is_analysed_per_session(monkeypatch):
    """No entry is shared, not even for the same bytes: a visitor cannot learn from a fast answer that someone
    else analysed a file."""
    calls = count_analyses(monkeypatch)
    files = [("same.yaml", manifest("same-service"))]
    first, second = uploaded(files), uploaded(files)
    assert calls() == 4, "each session analyses its sample, then its upload"
    assert report_of(first) is not report_of(second)
    assert first.session_state[state.PREFIX + "input"].digest == second.session_state[state.PREFIX + "input"].digest


def test_a_paste_and_a_what_if_stay_in_their_session():
    alice = new_app()
    alice.run()
    alice.switch_page("pages/1_Sources.py").run()
    alice.text_area(key="w.sources.paste").set_value(manifest("pasted-secret-project").decode())
    next(b for b in alice.button if "Analyse pasted text" in str(b.label)).click().run()
    assert_clean(alice)
    bob = new_app()
    bob.run()
    assert "pasted-secret-project" in everything(alice)
    assert "pasted-secret-project" not in everything(bob)
    # a what-if overlay on alice's input: still alice's only
    alice.switch_page("pages/1_Sources.py").run()
    alice.text_area(key="w.sources.paste").set_value(manifest("what-if-service").decode())
    alice.checkbox(key="w.sources.paste_overlay").check()
    next(b for b in alice.button if "Analyse pasted text" in str(b.label)).click().run()
    assert "what-if-service" in everything(alice)
    assert "what-if-service" not in everything(bob)


def deliveries(at: Any) -> list[dict[str, Any]]:
    return [json.loads(e.proto.json) for e in at.get("bidi_component")]


def test_an_export_is_delivered_to_the_session_that_asked_only():
    alice = uploaded([("alice.yaml", manifest("alice-payments"))])
    bob = uploaded([("bob.yaml", manifest("bob-inventory"))])
    alice.switch_page("app.py").run()
    bob.switch_page("app.py").run()
    assert deliveries(alice) == [] and deliveries(bob) == [], "nothing is sent before a click"
    alice.button(key="dl.json").click().run()
    (sent,) = deliveries(alice)
    assert sent["name"].startswith("mesdoctor-") and sent["name"].endswith(".json")
    assert sent["mime"] == "application/json" and sent["expiryMs"] == exports.EXPIRY_SECONDS * 1000
    report = json.loads(sent["text"])
    assert [s["name"] for s in report["services"]] == ["alice-payments"]
    bob.run()
    assert deliveries(bob) == []
    alice.run()
    assert deliveries(alice) == [], "the file is sent once, with the click, and not drawn again"
    alice.button(key="dl.json").click().run()
    (again,) = deliveries(alice)
    assert again["id"] != sent["id"], "every click is a new delivery"


def test_every_export_button_delivers_its_file():
    at = new_app()
    at.run()
    for path, names in [("app.py", ["dl.md", "dl.json", "dl.services"]),
                        ("pages/3_Secrets_and_certificates.py", ["dl.references", "dl.certificates"]),
                        ("pages/5_Checks.py", ["dl.findings"])]:
        at.switch_page(path).run()
        for key in names:
            at.button(key=key).click().run()
            assert_clean(at)
            (sent,) = deliveries(at)
            assert sent["text"] and sent["name"].startswith("mesdoctor-")
            if key == "dl.md":
                assert sent["text"].startswith("# ") and sent["mime"] == "text/markdown"
            elif key != "dl.json":
                assert sent["mime"] == "text/csv" and "," in sent["text"].splitlines()[0]


def test_an_export_too_large_for_one_message_is_refused_with_a_message(monkeypatch):
    monkeypatch.setattr(exports, "max_delivery_bytes", lambda: 1000)
    at = new_app()
    at.run()
    at.button(key="dl.json").click().run()
    assert deliveries(at) == []
    assert any("too large to download" in str(e.value) for e in at.error)


def test_no_download_goes_through_streamlits_media_store():
    """`st.download_button` (static or deferred data) puts the file in the process-wide media store, served at
    /media/… to any client without a session: the dashboard never uses it (nor any other media element)."""
    for path in [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]:
        source = Path(path).read_text()
        for call in ("download_button(", "st.image(", "st.audio(", "st.video(", "st.pdf(", "st.pyplot("):
            assert call not in source, (path.name, call)
