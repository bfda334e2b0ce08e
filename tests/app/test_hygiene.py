"""Secret hygiene and hostile text in the dashboard (AppTest): real keys uploaded (RSA and EC, PKCS#8 and
traditional, an inline clientKey in an MES, a Universal Secret, kubectl's last-applied annotation) never reach a
page, a log record, Streamlit's caches or the session state (the uploaded bytes themselves aside); every page
and every service detail renders; user-provided strings never become live Markdown or HTML."""

from __future__ import annotations

import base64
import gc
import json
import re
import types
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import yaml
from streamlit.runtime.caching import cache_data_api, cache_resource_api

from core import pki
from core.model import redaction_marker
from tests.app.conftest import PAGES, assert_clean, new_app, report_of, texts, unescape
from tests.core.hardening.corpus import case_source, materials
from tests.core.hardening.outputs import key_fragments, live_patterns
from tests.factories import NOW
from tests.logcapture import Collect
from ui import state
from ui.frames import service_id

UPLOAD_KEY = "w.sources.upload"
PASTE_KEY = "w.sources.paste"


class Keys:
    """Real key material, made once: what no page, log, cache or state may ever hold."""

    def __init__(self) -> None:
        ca = pki.make_ca("Hygiene Test CA", NOW, key_type="rsa")
        self.rsa = pki.make_client(ca, "rsa-client", NOW, key_type="rsa")
        self.ec = pki.make_client(ca, "ec-client", NOW)
        self.inline = pki.make_client(ca, "inline-client", NOW)
        self.universal = pki.make_client(ca, "universal-client", NOW, key_type="rsa")
        self.ca = ca
        self.pems = [self.rsa.key_pem(), self.rsa.key_pem(traditional=True), self.ec.key_pem(),
                     self.ec.key_pem(traditional=True), self.inline.key_pem(), self.universal.key_pem()]
        self.ders = [self.rsa.key_der(), self.ec.key_der(), self.inline.key_der(), self.universal.key_der()]

    def fragments(self) -> list[str]:
        out: list[str] = []
        for pem in self.pems:
            body = [ln for ln in pem.decode().splitlines() if ln and not ln.startswith("-----") and ":" not in ln]
            stored = base64.b64encode(pem).decode()
            middle = len(stored) // 2  # (the start of a key's encodings is the same for every key of its type)
            out += [*body, stored[middle - 20:middle + 20], stored[-60:-20]]
        for der in self.ders:
            b64, hexed = base64.b64encode(der).decode(), der.hex()
            out += [b64[len(b64) // 2 - 20:len(b64) // 2 + 20], hexed[len(hexed) // 2 - 32:len(hexed) // 2 + 32]]
        return [f for f in out if len(f) >= 24]


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _secret(name: str, pem: bytes, **annotations: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "kuma-system", "labels": {"kuma.io/mesh": "default"}}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Secret", "type": "system.kuma.io/secret", "metadata": meta,
            "data": {"value": _b64(pem)}}


def _mes(name: str, verification: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "kuma.io/v1alpha1", "kind": "MeshExternalService",
            "metadata": {"name": name, "namespace": "kuma-system", "labels": {"kuma.io/mesh": "default"}},
            "spec": {"match": {"type": "HostnameGenerator", "port": 443, "protocol": "tcp"},
                     "endpoints": [{"address": f"{name}.example.com", "port": 443}],
                     "tls": {"enabled": True, "verification": {"mode": "SkipCA", **verification}}}}


def manifests(keys: Keys) -> tuple[bytes, bytes]:
    """(Kubernetes manifests, Universal manifests) holding every key."""
    leaky = _secret("ec-key-trad", keys.ec.key_pem(traditional=True))
    leaky["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/last-applied-configuration": json.dumps(leaky)}  # a verbatim copy, key included
    docs = [
        {"apiVersion": "kuma.io/v1alpha1", "kind": "Mesh", "metadata": {"name": "default"},
         "spec": {"mtls": {"enabledBackend": "ca-1", "backends": [{"name": "ca-1", "type": "builtin"}]}}},
        _mes("rsa-pkcs8", {"clientCert": {"secret": "rsa-cert"}, "clientKey": {"secret": "rsa-key"}}),
        _mes("rsa-traditional", {"clientCert": {"secret": "rsa-cert"}, "clientKey": {"secret": "rsa-key-trad"}}),
        _mes("ec-pkcs8", {"clientCert": {"secret": "ec-cert"}, "clientKey": {"secret": "ec-key"}}),
        _mes("ec-traditional", {"clientCert": {"secret": "ec-cert"}, "clientKey": {"secret": "ec-key-trad"}}),
        _mes("inline-key", {"clientCert": {"inlineString": keys.inline.cert_pem.decode()},
                            "clientKey": {"inlineString": keys.inline.key_pem().decode()}}),
        _mes("inline-b64-key", {"clientCert": {"inline": _b64(keys.inline.cert_pem)},
                                "clientKey": {"inline": _b64(keys.inline.key_pem())}}),
        _mes("key-as-ca", {"caCert": {"secret": "rsa-key"}}),
        _secret("rsa-cert", keys.rsa.cert_pem), _secret("rsa-key", keys.rsa.key_pem()),
        _secret("rsa-key-trad", keys.rsa.key_pem(traditional=True)),
        _secret("ec-cert", keys.ec.cert_pem), _secret("ec-key", keys.ec.key_pem()), leaky,
    ]
    universal = [
        {"type": "Mesh", "name": "edge"},
        {"type": "MeshExternalService", "name": "universal-client", "mesh": "edge",
         "spec": {"match": {"port": 443, "protocol": "tcp"}, "endpoints": [{"address": "u.example.com", "port": 443}],
                  "tls": {"enabled": True, "verification": {"mode": "SkipCA", "clientCert": {"secret": "u-cert"},
                                                            "clientKey": {"secret": "u-key"}}}}},
        {"type": "Secret", "name": "u-cert", "mesh": "edge", "data": _b64(keys.universal.cert_pem)},
        {"type": "Secret", "name": "u-key", "mesh": "edge", "data": _b64(keys.universal.key_pem())},
    ]
    return yaml.safe_dump_all(docs).encode(), yaml.safe_dump_all(universal).encode()


def _visit_everything(at: Any) -> list[str]:
    """Every page, then every service's detail by deep link (AppTest renders every tab's content)."""
    seen: list[str] = []
    for path in ["app.py", *PAGES]:
        at.switch_page(path).run()
        assert_clean(at)
        seen.append(texts(at))
        seen += [str(m.value) for m in at.markdown]  # the Markdown source, escapes included
    for service in report_of(at).services:
        at.query_params["service"] = service_id(service.resource)
        at.switch_page("pages/2_Services.py").run()
        assert_clean(at)
        shown = texts(at)
        assert f"{service.resource.mesh} / {service.resource.name}" in shown, service.resource.name
        seen.append(shown)
        seen += [str(c.value) for c in at.code]
    return seen


def _strings(root: Any, limit: int = 2_000_000) -> Iterator[str]:
    """Every str / bytes reachable from `root` through containers and plain objects (not modules,
    functions, classes or frames, which would reach the whole program)."""
    skip = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType, type,
            types.FrameType, types.CodeType)
    seen: set[int] = set()
    stack = [root]
    while stack and len(seen) < limit:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, skip):
            continue
        seen.add(id(obj))
        if isinstance(obj, str):
            yield obj
        elif isinstance(obj, bytes | bytearray | memoryview):
            yield bytes(obj).decode("latin-1")
        else:
            stack.extend(gc.get_referents(obj))


def _leaks(strings: Iterator[str], fragments: list[str]) -> list[str]:
    found = []
    for text in strings:
        if len(text) >= 24:
            found += [f[:12] for f in fragments if f in text]
            if re.search(r"-----BEGIN [A-Z ]*PRIVATE KEY-----", text):
                found.append("PEM private key block")
    return found


@pytest.fixture(scope="module")
def uploaded(keys: Keys) -> Iterator[Any]:
    k8s, universal = manifests(keys)
    at = new_app()
    at.run()
    at.switch_page("pages/1_Sources.py").run()
    at.file_uploader(key=UPLOAD_KEY).set_value([
        ("kubernetes.yaml", k8s, "application/x-yaml"), ("universal.yaml", universal, "application/x-yaml")]).run()
    assert_clean(at)
    report = report_of(at)
    assert len(report.services) == 8
    assert {"MES303"} <= {f.code for f in report.findings}  # a key where a CA belongs: the keys went through
    yield at


def test_no_key_material_on_any_page_or_detail(uploaded: Any, keys: Keys, logs: Collect) -> None:
    seen = _visit_everything(uploaded)
    everything = "\n".join(seen)
    assert "CN=rsa-client" in everything and "<redacted:" in everything  # certificates shown, payloads redacted
    assert not _leaks(iter([*seen, *logs.lines]), keys.fragments())


def test_caches_hold_no_key_material(uploaded: Any, keys: Keys) -> None:
    _visit_everything(uploaded)
    report = report_of(uploaded)
    assert any(isinstance(s, str) and "rsa-client" in s for s in _strings(state._report_cache()))  # looked inside
    leaks = _leaks(_strings(cache_resource_api._resource_caches), keys.fragments())
    leaks += _leaks(_strings(cache_data_api._data_caches), keys.fragments())
    assert not leaks, leaks[:3]
    assert report.resources and all(r.payload is None or repr(r.payload).endswith("<redacted>)")
                                    for r in report.resources)


def test_session_state_holds_no_key_material_beyond_the_uploaded_bytes(uploaded: Any, keys: Keys) -> None:
    _visit_everything(uploaded)
    raw_input = {UPLOAD_KEY, PASTE_KEY}  # the widgets' own copies of what the user handed over
    leaks: list[str] = []
    for key in uploaded.session_state:
        if key in raw_input:
            continue
        value = uploaded.session_state[key]
        if isinstance(value, state.Input):
            assert value.sources and value.live is None  # the uploaded bytes themselves: exempt
            value = replace(value, sources=[])
        leaks += [f"{key}: {leak}" for leak in _leaks(_strings(value), keys.fragments())]
    assert not leaks, leaks[:3]


# --- hostile strings stay text ---------------------------------------------------------------------------------


LIVE_MARKUP = re.compile(r"(?<!\\)<[A-Za-z/!?]|(?<!\\)\]\(|(?<!\\)!\[")
HOSTILE = ["names-html-markdown.yaml", "names-control-characters.yaml", "names-control-characters.json",
           "archive-nested-and-odd.archive.yaml", "names-links-icons.yaml"]


def _markdown_prose(text: str) -> str:
    text = re.sub(r"(?ms)^[ \t]*(`{3,}).*?^[ \t]*\1", "", text)
    return re.sub(r"(`+)(?:(?!\1).)*?\1", "", text)


def test_hostile_names_never_become_markup_on_any_page_or_detail() -> None:
    at = new_app()
    at.run()
    at.switch_page("pages/1_Sources.py").run()
    files = [(case_source(n).name, case_source(n).data, "application/octet-stream") for n in HOSTILE]
    files.append(("<img src=x onerror=alert(1)>[f](http://evil.example).yaml", b"kind: [\n", "application/x-yaml"))
    at.file_uploader(key=UPLOAD_KEY).set_value(files).run()
    assert_clean(at)
    services = report_of(at).services
    assert any(s.resource.name == "<script>alert(1)</script>" for s in services)
    assert any("https://evil.example" in s.resource.name for s in services)
    assert any(f.code == "MES901" and "[mesh](https://evil.example/mesh)" in f.message for f in report_of(at).coverage)
    visits = [("app.py", None), *((p, None) for p in PAGES),
              *(("pages/2_Services.py", service_id(s.resource)) for s in services)]
    for path, service in visits:
        if service:
            at.query_params["service"] = service
        at.switch_page(path).run()
        assert_clean(at)
        for kind in ("markdown", "caption", "error", "warning", "info", "success", "title", "header", "subheader",
                     "toast"):
            for element in getattr(at, kind):
                source = str(element.value)
                if getattr(element.proto, "allow_html", False):
                    assert "alert(1)" not in source and "evil.example" not in source, (path, source[:80])
                live = LIVE_MARKUP.findall(_markdown_prose(source))
                assert not live, (path, service, kind, source[:160])
                assert not live_patterns(source), (path, service, kind, live_patterns(source), source[:160])
        # labels and tooltips are Markdown too
        labels = [*(str(m.label) for m in at.metric), *(str(m.proto.help) for m in at.metric),
                  *(str(e.label) for e in at.expander), *(str(t.label) for t in at.tabs),
                  *(str(p.proto.label) for p in at.page_link), *(str(p.proto.help) for p in at.page_link)]
        for source in labels:
            assert not LIVE_MARKUP.findall(_markdown_prose(source)), (path, service, source[:160])
            assert not live_patterns(source), (path, service, live_patterns(source), source[:160])
        for text in (str(e.value) for e in [*at.text, *at.code]):
            assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text), (path, text[:80])


# --- limits ------------------------------------------------------------------------------------------------------


def test_the_dashboard_uses_the_engine_limits_and_reports_reaching_one() -> None:
    from streamlit.testing.v1 import AppTest

    from core.options import AnalysisOptions, Limits
    from tests.app.conftest import APP, TIMEOUT

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert at.session_state[state.PREFIX + "options"].limits == Limits()  # the CLI's defaults, the same object type

    at = new_app()
    at.session_state[state.PREFIX + "options"] = AnalysisOptions(now=NOW, limits=Limits(max_file_bytes=2000))
    at.run()
    at.switch_page("pages/1_Sources.py").run()
    big = b"kind: ConfigMap\n" + b"# padding\n" * 500
    at.file_uploader(key=UPLOAD_KEY).set_value([("big.yaml", big, "application/x-yaml")]).run()
    assert_clean(at)
    assert any(f.code == "MES003" and "larger than 2000 bytes" in f.message for f in report_of(at).findings)
    assert "larger than 2000 bytes" in texts(at)


def test_the_sample_keys_never_reach_a_cache() -> None:
    """The bundled sample carries demo private keys in its Secrets: like uploads, they stay in the
    session's input and never in a Streamlit cache shared across sessions."""
    at = new_app()
    at.run()
    for page in PAGES[1:]:
        at.switch_page(page).run()
    assert_clean(at)
    sample = at.session_state[state.PREFIX + "input"]
    assert sample.is_sample
    fragments: list[str] = []
    for source in sample.sources:
        docs = [item for doc in yaml.safe_load_all(source.data)
                for item in (doc["items"] if isinstance(doc, dict) and isinstance(doc.get("items"), list) else [doc])]
        for doc in docs:
            values = (doc or {}).get("data") if isinstance(doc, dict) else None
            for value in (values or {}).values() if isinstance(values, dict) else []:
                decoded = base64.b64decode(value + "==", validate=False)
                if b"PRIVATE KEY" in decoded:
                    fragments.append(value[len(value) // 2: len(value) // 2 + 40])
    assert fragments, "the sample should hold demo keys"
    leaks = _leaks(_strings(cache_resource_api._resource_caches), fragments)
    leaks += _leaks(_strings(cache_data_api._data_caches), fragments)
    assert not leaks, leaks[:3]


def test_a_hostile_certificate_subject_stays_text_in_the_overview_tooltip() -> None:
    """The earliest-expiry metric's tooltip (Markdown, like every `help`) quotes the service and the subject."""
    ca = pki.make_ca("[ca](http://evil.example) **ca**", NOW)
    mes = _mes("svc", {"caCert": {"inlineString": ca.cert_pem.decode()}})
    at = new_app()
    at.run()
    at.switch_page("pages/1_Sources.py").run()
    at.file_uploader(key=UPLOAD_KEY).set_value([("ca.yaml", yaml.safe_dump(mes).encode(), "application/x-yaml")]).run()
    at.switch_page("app.py").run()
    assert_clean(at)
    (earliest,) = [m for m in at.metric if "Earliest expiry" in m.label]
    tooltip = earliest.proto.help
    assert "CN=[ca](http://evil.example) **ca**" in unescape(tooltip)
    assert not LIVE_MARKUP.findall(_markdown_prose(tooltip)) and "**ca**" not in tooltip, tooltip


# --- keys where no key belongs -----------------------------------------------------------------------------------


ELSEWHERE = ["keys-in-annotations-labels.yaml", "keys-in-unknown-fields.yaml", "keys-in-extension-config.yaml",
             "keys-in-insecure-inline-string.yaml", "keys-in-names.yaml", "keys-in-json.json",
             "keys-tagged-secret-values.yaml"]


def corpus_fragments() -> list[str]:
    out: list[str] = []
    for pem, der in materials().keys.values():
        out += key_fragments(pem, der)
    return out


@pytest.fixture(scope="module")
def elsewhere(keys: Keys) -> Iterator[Any]:
    """The hostile files with keys outside Secrets, and an MES with inline TLS material (payloads)."""
    inline = _mes("zz-inline-once", {"clientCert": {"inline": _b64(keys.inline.cert_pem)},
                                     "clientKey": {"inlineString": keys.inline.key_pem().decode()}})
    files = [(case_source(n).name, case_source(n).data, "application/octet-stream") for n in ELSEWHERE]
    files.append(("inline.yaml", yaml.safe_dump(inline).encode(), "application/x-yaml"))
    at = new_app()
    at.run()
    at.switch_page("pages/1_Sources.py").run()
    at.file_uploader(key=UPLOAD_KEY).set_value(files).run()
    assert_clean(at)
    assert {"MES020", "MES001"} <= {f.code for f in report_of(at).findings}
    yield at


def test_keys_outside_secrets_reach_no_page_detail_log_or_cache(elsewhere: Any, keys: Keys, logs: Collect) -> None:
    seen = _visit_everything(elsewhere)
    everything = "\n".join(seen)
    assert "MES020" in everything and "<redacted:" in everything
    assert "metadata.annotations" in everything  # MES020 says where
    fragments = keys.fragments() + corpus_fragments()
    assert not _leaks(iter([*seen, *logs.lines]), fragments)
    assert not _leaks(_strings(cache_resource_api._resource_caches), fragments)
    assert not _leaks(_strings(cache_data_api._data_caches), fragments)
    tagged = materials().values["OTHER_KEY_PEM_B64"]
    for start in range(0, len(tagged) - 12, 12):  # not even a piece of the `!!int`-tagged value
        assert tagged[start:start + 12] not in everything, start


def test_the_manifest_marker_describes_the_payload_once(elsewhere: Any, keys: Keys) -> None:
    at = elsewhere
    service = next(s for s in report_of(at).services if s.resource.name == "zz-inline-once")
    at.query_params["service"] = service_id(service.resource)
    at.switch_page("pages/2_Services.py").run()
    assert_clean(at)
    manifest = "\n".join(str(c.value) for c in at.code if "kind: MeshExternalService" in str(c.value))
    assert redaction_marker(keys.inline.key_pem().decode()) in manifest  # size and hash of the key itself
    assert redaction_marker(_b64(keys.inline.cert_pem)) in manifest
    assert manifest.count("<redacted: ") == 2
