"""Secret hygiene of the engine: no private key, Secret payload or credential in logs, exceptions, outputs or on
disk; user-provided strings never become live markup in the Markdown / JUnit / SARIF / table outputs."""

from __future__ import annotations

import base64
import json
import os
import re
import stat
import tempfile
import traceback
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
import yaml

from core import pki
from core.live import KubeSpec, LiveSourceError, fetch
from core.sources import Source
from tests.core.live.conftest import FAST, Tls, fill_kube
from tests.core.live.servers import KubeApi, LoopbackServer, kubeconfig
from tests.factories import NOW
from tests.logcapture import Collect

from .corpus import baseline_source, case_source, materials, run
from .outputs import assert_no_key_material, key_fragments, live_patterns, markdown_prose, render_all, run_cli

KEY_FILES = ["key-encrypted.yaml", "key-in-wrong-place.yaml", "key-unsupported-types.yaml",
             "syntax-in-secret-data.yaml", "duplicate-keys-secret-data.yaml", "pem-garbage-between-blocks.yaml",
             # keys where no key belongs (annotations, labels, unknown fields, extension.config, insecureInline
             # strings, names, reference names, mesh names, JSON) and tagged Secret values
             "keys-in-annotations-labels.yaml", "keys-in-unknown-fields.yaml", "keys-in-extension-config.yaml",
             "keys-in-insecure-inline-string.yaml", "keys-in-names.yaml", "keys-in-json.json",
             "keys-tagged-secret-values.yaml"]


def all_fragments() -> list[str]:
    out: list[str] = []
    for pem, der in materials().keys.values():
        out += key_fragments(pem, der)
    return out


def key_sources() -> list[Source]:
    return [baseline_source(), *(case_source(n) for n in KEY_FILES)]


def test_analysis_and_every_format_log_no_key_material(logs: Collect, tmp_path: Path) -> None:
    report = run(key_sources())
    assert {"MES308", "MES303", "MES309", "MES020"} <= {f.code for f in report.findings}  # the keys went through
    outputs = render_all(report)
    for i, source in enumerate(key_sources()):
        (tmp_path / f"{i}-{source.name}").write_bytes(source.data)
    code, out, err = run_cli("check", str(tmp_path), "--format", "markdown", "--now", NOW.isoformat())
    assert code == 1
    assert_no_key_material({**outputs, "cli stdout": out, "cli stderr": err, "logs": "\n".join(logs.lines),
                            "report repr": repr(report)}, all_fragments())


def _boom(*_args: Any, **_kwargs: Any) -> Any:
    raise RuntimeError("forced failure")


# where a failure is forced: (module path, attribute); the failure happens while key bytes are in hand
FAILURE_POINTS = [
    ("cryptography.hazmat.primitives.serialization", "load_pem_private_key"),
    ("cryptography.hazmat.primitives.serialization", "load_der_private_key"),
    ("cryptography.x509", "load_der_x509_certificate"),
    ("core.secrets.datasource", "base64"),
    ("core.certs.parse", "hashlib"),
    ("core.report.json_report", "certificate_dict"),
    ("core.report.markdown", "md_code"),
]


@pytest.mark.parametrize(("module", "attribute"), FAILURE_POINTS)
def test_forced_failures_leak_no_key_material(module: str, attribute: str, logs: Collect,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever breaks (a library, a stage, a renderer), neither the message nor the traceback carries a key."""
    import importlib

    from core.certs import cache

    cache.clear()
    target = importlib.import_module(module)
    if attribute in ("base64", "hashlib"):  # a module used by the target: break every function of it
        broken = type("Broken", (), {"__getattr__": lambda self, name: _boom})()
        monkeypatch.setattr(target, attribute, broken)
    else:
        monkeypatch.setattr(target, attribute, _boom)
    texts: list[str] = []
    try:
        report = run(key_sources())
        texts.append(json.dumps([f.message for f in report.findings]))
        render_all(report)
    except Exception as exc:  # the point is to look at whatever escapes
        texts += [str(exc), "".join(traceback.format_exception(exc))]
    finally:
        cache.clear()
    texts += logs.lines
    assert_no_key_material(texts, all_fragments())


# --- live sources: kubeconfig credentials -------------------------------------------------------------


@pytest.fixture(scope="module")
def client_identity() -> pki.Issued:
    ca = pki.make_ca("Kubeconfig Test CA", NOW)
    return pki.make_client(ca, "kubeconfig-user", NOW, key_type="rsa")


TOKEN = "kubeconfig-bearer-token-9f8e7d6c5b4a"


def _kubeconfig_with_client_key(path: Path, server: str, identity: pki.Issued, ca_pem: bytes,
                                token: str = TOKEN) -> Path:
    config = kubeconfig(server, token=token, ca_pem=ca_pem)
    config["users"][0]["user"]["client-certificate-data"] = base64.b64encode(identity.cert_pem).decode()
    config["users"][0]["user"]["client-key-data"] = base64.b64encode(identity.key_pem()).decode()
    path.write_text(yaml.safe_dump(config))
    return path


def _temp_files() -> dict[Path, float]:
    out: dict[Path, float] = {}
    for root in {Path(tempfile.gettempdir()), Path("/dev/shm")}:
        if not root.is_dir():
            continue
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                path = Path(dirpath) / name
                try:
                    info = path.lstat()
                except OSError:
                    continue
                if stat.S_ISREG(info.st_mode):  # (never open a FIFO or a device: reading it could block)
                    out[path] = info.st_mtime
    return out


def _written_since(before: dict[Path, float]) -> list[Path]:
    return [p for p, mtime in _temp_files().items() if before.get(p) != mtime]


def _secrets_in(paths: list[Path], needles: list[str]) -> list[Path]:
    found = []
    for path in paths:
        try:
            data = path.read_bytes()[:1_000_000]
        except OSError:
            continue
        if any(n.encode() in data for n in needles):
            found.append(path)
    return found


def test_kubeconfig_token_and_client_key_are_never_logged_shown_or_left_on_disk(
        tmp_path: Path, logs: Collect, client_identity: pki.Issued, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    api = KubeApi(token=TOKEN)
    case = fill_kube(api)
    needles = [TOKEN, *key_fragments(client_identity.key_pem(), client_identity.key_der()),
               *key_fragments(case.key_pem)]
    tls = Tls(tmp_path)  # https: only then does the kubernetes client load the client certificate and key
    with LoopbackServer(api, tls=tls.context) as server:
        assert server.url.startswith("https://")
        path = _kubeconfig_with_client_key(tmp_path / "kubeconfig", server.url, client_identity, tls.ca.cert_pem)
        before = _temp_files()
        result = fetch(KubeSpec(kubeconfig=str(path), timeout=FAST), now=NOW)
        again = fetch(KubeSpec(kubeconfig=str(path), timeout=FAST), now=NOW)  # a refresh works the same
        assert result.counts == again.counts and result.counts["Secret"] == 2
        code, out, err = run_cli("check", "--kubeconfig", str(path), "--format", "json", "--now", NOW.isoformat())
        assert code == 1 and '"schemaVersion": 1' in out
        # a wrong token: the error names the problem, never the token
        wrong = _kubeconfig_with_client_key(tmp_path / "wrong", server.url, client_identity, tls.ca.cert_pem,
                                            token=TOKEN[::-1])
        with pytest.raises(LiveSourceError) as denied:
            fetch(KubeSpec(kubeconfig=str(wrong), timeout=FAST), now=NOW)
        code, out2, err2 = run_cli("check", "--kubeconfig", str(wrong), "--now", NOW.isoformat())
        assert code == 2 and ("401" in err2 or "Unauthorized" in err2)
    from core.analysis import analyse
    from core.options import AnalysisOptions

    report = analyse([], AnalysisOptions(now=NOW), preloaded=result.load)
    shown = {**render_all(report), "cli": out + err, "cli wrong token": out2 + err2, "error": str(denied.value),
             "result": repr(result) + repr(result.notes) + repr(result.load.findings) + repr(result.load.documents),
             "logs": "\n".join(logs.lines)}
    for where, text in shown.items():
        assert TOKEN not in text and TOKEN[::-1] not in text, f"the bearer token in {where}"
    assert_no_key_material(shown, needles[1:])
    from kubernetes.config import kube_config

    assert not kube_config._temp_files, "the kubernetes client still holds credential files"
    # only what is this test's own (other test runs may share /tmp): the kubeconfig's token and client key
    own = [TOKEN, *key_fragments(client_identity.key_pem(), client_identity.key_der())]
    left = _secrets_in([p for p in _written_since(before) if tmp_path not in p.parents], own)
    assert not left, f"credentials left on disk: {left}"


# --- user-provided strings stay text in every format ---------------------------------------------------


HOSTILE_TEXT = ["names-html-markdown.yaml", "names-control-characters.yaml", "names-control-characters.json",
                "archive-nested-and-odd.archive.yaml"]


@pytest.fixture(scope="module")
def hostile_outputs() -> dict[str, str]:
    sources = [baseline_source(), *(case_source(n) for n in HOSTILE_TEXT),
               Source("upload", "<img src=x onerror=alert(1)>[f](http://evil.example)`x`.yaml",
                      b"kind: [broken\n")]
    report = run(sources)
    assert any("<script>" in s.resource.name for s in report.services)
    return render_all(report)


def test_markdown_has_no_live_markup(hostile_outputs: dict[str, str]) -> None:
    prose = markdown_prose(hostile_outputs["markdown"])
    tags = re.findall(r"(?<!\\)<[A-Za-z/!?][^\n]{0,20}", prose)  # `\<script\>` renders as text, `<script>` not
    assert not tags, tags[:3]
    links = re.findall(r".{0,20}(?<!\\)\]\(.{0,20}", prose)  # `[x](y)` with an unescaped `](`
    assert not links, links[:3]
    assert not re.search(r"(?<!\\)!\[", prose), "an unescaped image"
    assert "alert(1)" in hostile_outputs["markdown"]  # the names are there, as text


def test_junit_holds_only_its_own_elements(hostile_outputs: dict[str, str]) -> None:
    root = ET.fromstring(hostile_outputs["junit"].encode())
    assert {e.tag for e in root.iter()} <= {"testsuites", "testsuite", "testcase", "failure", "system-out"}
    assert any("<script>" in (e.get("name") or "") for e in root.iter("testcase"))  # as an attribute value


def test_sarif_carries_text_only(hostile_outputs: dict[str, str]) -> None:
    sarif = json.loads(hostile_outputs["sarif"])
    for run_ in sarif["runs"]:
        for result in run_["results"]:
            assert "markdown" not in result["message"], "SARIF viewers render message.markdown"
        for rule in run_["tool"]["driver"]["rules"]:
            for text in (rule.get("fullDescription") or {}, rule.get("help") or {}):
                assert "<script" not in json.dumps(text)


def test_table_and_csv_have_no_terminal_escapes_or_formulas(hostile_outputs: dict[str, str]) -> None:
    for name in ("table", "services.csv", "findings.csv", "references.csv"):
        assert "\x1b" not in hostile_outputs[name] and "\x9b" not in hostile_outputs[name]
    assert "\\x1b[31m" in hostile_outputs["table"] or "\\x1b" in hostile_outputs["table"]  # shown, escaped
    for line in hostile_outputs["findings.csv"].splitlines()[1:]:
        for cell in line.split(","):
            assert not cell.startswith(("=", "+", "@")), line


def test_fix_commands_never_carry_a_name_a_shell_would_interpret() -> None:
    """Fix snippets are meant to be pasted into a shell: names from the input must not run anything there."""
    hostile = ["x$(touch /tmp/pwned)", "a; rm -rf ~", "q'uote", "`id`", "new\nline", "ok-name"]
    docs = []
    for i, name in enumerate(hostile):
        docs.append({"apiVersion": "kuma.io/v1alpha1", "kind": "MeshExternalService",
                     "metadata": {"name": f"zz-shell-{i}", "namespace": "kuma-system",
                                  "labels": {"kuma.io/mesh": "default"}},
                     "spec": {"match": {"type": "HostnameGenerator", "port": 443, "protocol": "tcp"},
                              "endpoints": [{"address": "s.example.com", "port": 443}],
                              "tls": {"enabled": True, "verification": {"mode": "SkipCA",
                                                                         "caCert": {"secret": name}}}}})
        docs.append({"apiVersion": "v1", "kind": "Secret", "type": "system.kuma.io/secret",
                     "metadata": {"name": f"{name}-empty", "namespace": "kuma-system",
                                  "labels": {"kuma.io/mesh": "default"}}, "data": {}})
    report = run([baseline_source(), Source("t", "shell.yaml", yaml.safe_dump_all(docs).encode())])
    fixes = [f.fix for f in report.findings if f.fix and f.code in ("MES201", "MES214")]
    assert len(fixes) == 2 * len(hostile)
    for fix in fixes:
        for bad in ("$(touch", "; rm", "q'uote", "`id`", "new\nline"):
            assert bad not in fix, fix
    assert sum("kubectl create secret generic ok-name " in f for f in fixes) == 1  # a plain name keeps its command
    assert sum("no command generated" in f for f in fixes) == 2 * (len(hostile) - 1)


def test_mesh_fix_commands_never_carry_a_hostile_mesh_name() -> None:
    mes = ("apiVersion: kuma.io/v1alpha1\nkind: MeshExternalService\nmetadata:\n  name: zz-in-odd-mesh\n"
           "  namespace: kuma-system\n  labels: {kuma.io/mesh: 'm$(touch /tmp/pwned)'}\nspec:\n"
           "  match: {type: HostnameGenerator, port: 443, protocol: tcp}\n"
           "  endpoints: [{address: m.example.com, port: 443}]\n")
    report = run([baseline_source(), Source("t", "mesh.yaml", mes.encode())])
    fixes = [f.fix for f in report.findings if f.fix and f.code.startswith("MES4")]
    assert fixes and all("$(touch" not in f for f in fixes), fixes


# --- keys where no key belongs -----------------------------------------------------------------------------


KEYS_ELSEWHERE = [n for n in KEY_FILES if n.startswith("keys-")]


@pytest.mark.parametrize("version", ["2.14", "3.0"])
def test_keys_outside_secrets_reach_no_output_in_any_format(version: str, logs: Collect, tmp_path: Path) -> None:
    """Every copy shown or exported — JSON, SARIF, JUnit, Markdown, table, CSV, the CLI's five formats, log lines,
    the report's own objects — holds markers where the keys were; MES020 names each place, never the key."""
    sources = [baseline_source(), *(case_source(n) for n in KEYS_ELSEWHERE)]
    report = run(sources, version=version)
    warnings = [f for f in report.findings if f.code == "MES020"]
    assert len(warnings) >= 10 and all(f.path and f.origin and f.origin.line for f in warnings)
    names = {s.resource.name for s in report.services}
    assert any(n.startswith("<redacted: ") for n in names)  # an MES named with a key: its name is the marker
    texts = dict(render_all(report))
    for i, source in enumerate(sources):
        (tmp_path / f"{i}-{source.name}").write_bytes(source.data)
    for fmt in ("json", "sarif", "junit", "markdown", "table", "codequality"):
        code, out, err = run_cli("check", str(tmp_path), "--format", fmt, "--now", NOW.isoformat(),
                                 "--kuma-version", version, "--fail-on", "never")
        assert code == 0, err
        texts[f"cli {fmt}"] = out + err
    empty = tmp_path / "empty"
    empty.mkdir()
    for fmt in ("json", "markdown", "table"):  # `mesdoctor diff` from nothing to all of it
        code, out, err = run_cli("diff", str(empty), str(tmp_path), "--format", fmt, "--now", NOW.isoformat(),
                                 "--kuma-version", version)
        assert code == 0, err
        texts[f"cli diff {fmt}"] = out + err
    texts["logs"] = "\n".join(logs.lines)
    texts["report"] = repr(report) + repr([(s.resource.redacted_manifest(), s.resource.annotations,
                                           s.resource.labels, s.resource.spec) for s in report.services])
    texts["resources"] = repr([r.redacted_manifest() for r in report.resources])
    assert_no_key_material(texts, all_fragments())
    tagged = next(f for f in report.findings if f.code == "MES001" and "`!!int`" in f.message)
    assert tagged.path == "data.value" and "(the value is not shown" in tagged.message


def test_a_reference_named_with_a_key_is_echoed_nowhere() -> None:
    """A key pasted as a `secret:` name: the message, the fix snippet, the predicted kuma-cp log line and every
    table show the marker, which is the same (size and hash) wherever it appears."""
    from core.model import redaction_marker

    report = run([baseline_source(), case_source("keys-in-names.yaml")])
    service = next(s for s in report.services if s.resource.name == "zz-key-as-reference")
    values = materials().values
    markers = {redaction_marker(json.loads(values["OTHER_KEY_PEM_JSON"])),
               redaction_marker(values["CLIENT_KEY_PEM_B64"])}
    assert {r.secret for r in service.references} == markers
    for f in service.findings:
        if f.code == "MES201":
            assert any(m in f.message for m in markers) and f.fix and "kubectl create secret" not in f.fix
    assert service.log_lines and all(any(m in line for m in markers) for line in service.log_lines[:1])


# --- links, icons, math and line breaks ---------------------------------------------------------------------


def test_markdown_export_never_renders_links_icons_or_math() -> None:
    report = run([baseline_source(), case_source("names-links-icons.yaml"), case_source("names-html-markdown.yaml")])
    markdown = render_all(report)["markdown"]
    assert "zz-links" in markdown and "mail" in markdown  # the names are there, as text
    assert live_patterns(markdown) == []
    assert re.sub(r"\\(.)", r"\1", markdown_prose(markdown)).replace("\u2060", "").count("https://evil.example") >= 1


def test_table_cells_never_span_lines() -> None:
    report = run([baseline_source(), case_source("names-links-icons.yaml")])
    outputs = render_all(report)
    for name in ("table", "table-colour"):
        lines = re.sub(r"\x1b\[[0-9;]*m", "", outputs[name]).splitlines()
        assert not [ln for ln in lines if ln.startswith("✖ MES999") or ln.lstrip().startswith("ok  yes")], name
        assert any("zz-newline\\n✖ MES999 forged finding line\\n" in ln for ln in lines), name
        assert not [ln for ln in lines if ln.strip() == "forged"], name


def test_no_payload_of_the_corpus_is_quoted_in_any_finding_or_document_record() -> None:
    """Whatever breaks a Secret (a tag, a type, bad base64, a syntax error inside its data, a duplicate key) or
    any other document, no finding, hint, fix or inventory reason quotes a piece of a base64 payload."""
    from .corpus import case_files

    sources = [baseline_source(), *(case_source(n) for n in case_files() if not n.endswith(".archive.yaml"))]
    report = run(sources)
    shown = "\n".join([f"{f.message}\n{f.hint}\n{f.fix}\n{f.path}" for f in report.findings]
                      + [d.reason for d in report.documents])
    runs: set[str] = set()
    for source in sources:
        text = source.data.decode("utf-8", "replace")
        runs |= {r for r in re.findall(r"[A-Za-z0-9+/]{40,}", text) if len(set(r)) > 24}  # base64, not `aaaa…`
    assert len(runs) > 20
    quoted = [r[i:i + 20] for r in runs for i in range(0, len(r) - 20, 10) if r[i:i + 20] in shown]
    assert quoted == []


def test_a_key_used_as_a_name_gets_no_similar_name_suggestions() -> None:
    report = run([baseline_source(), case_source("keys-in-names.yaml")])
    service = next(s for s in report.services if s.resource.name == "zz-key-as-reference")
    messages = [f.message for f in service.findings if f.code == "MES201"]
    assert len(messages) == 2 and not any("Similar Secrets" in m for m in messages), messages
