"""Every protective limit is a finding (MES003 / MES008), never a crash: through the whole pipeline, every
format and the CLI, with the baseline read before the limit still analysed unchanged. The CLI can set the
size limits (`--max-file-size`, `--max-total-size`), and Streamlit's upload limit agrees with the default."""

from __future__ import annotations

import json
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from core import loading
from core.options import Limits
from core.report.json_report import report_dict
from core.sources import Source
from tests.factories import NOW

from .corpus import ROOT, baseline_source, build_archive, run, snapshots
from .outputs import render_all, run_cli

MIB = 1024 * 1024


def mes(name: str, pad: int = 0) -> str:
    return ("apiVersion: kuma.io/v1alpha1\nkind: MeshExternalService\nmetadata:\n"
            f"  name: {name}\n  namespace: kuma-system\n  labels: {{kuma.io/mesh: default}}\n"
            "spec:\n  match: {type: HostnameGenerator, port: 443, protocol: tcp}\n"
            f"  endpoints: [{{address: {name}.example.com, port: 443}}]\n" + "#" * pad + ("\n" if pad else ""))


def many(prefix: str, n: int) -> bytes:
    return "---\n".join(mes(f"{prefix}-{i}") for i in range(n)).encode()


def members(n: int, text: str = "kind: ConfigMap\n") -> list[dict[str, Any]]:
    return [{"name": f"m{i:03d}.yaml", "text": text} for i in range(n)]


BASELINE_BYTES = len(baseline_source().data)
BASELINE_DOCS = 8

# limit -> (Limits overrides, hostile input, expected code, a phrase of the message, MES of the input still read)
CASES: dict[str, tuple[dict[str, Any], Source, str, str, set[str]]] = {
    "file size": ({"max_file_bytes": BASELINE_BYTES + 100},
                  Source("t", "big.yaml", mes("zz-big", pad=BASELINE_BYTES + 200).encode()),
                  "MES003", f"larger than {BASELINE_BYTES + 100} bytes", set()),
    "total size": ({"max_total_bytes": BASELINE_BYTES + 1500},
                   Source("t", "more.yaml", many("zz-total", 6)),
                   "MES003", "larger than", set()),
    "document count": ({"max_documents": BASELINE_DOCS},  # per file: the baseline has exactly as many
                       Source("t", "docs.yaml", many("zz-doc", 10)),
                       "MES003", f"more than {BASELINE_DOCS} documents", {f"zz-doc-{i}" for i in range(8)}),
    "nesting depth": ({"max_depth": 12},
                      Source("t", "deep.yaml", (mes("zz-shallow") + "---\n" + "kind: ConfigMap\ndata: "
                                                + "[" * 20 + "]" * 20 + "\n").encode()),
                      "MES003", "deeper than 12 levels", {"zz-shallow"}),
    "alias expansion": ({"max_alias_nodes": 50},
                        Source("t", "alias.yaml", (mes("zz-alias-ok") + "---\nkind: ConfigMap\n"
                                                   "a: &a [1, 2, 3, 4, 5, 6, 7]\n"
                                                   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n").encode()),
                        "MES003", "more than 50 nodes", {"zz-alias-ok"}),
    "archive members": ({"max_archive_members": 4},
                        Source("t", "many.zip", build_archive({"format": "zip", "members": [
                            {"name": "a.yaml", "text": mes("zz-first-member")}, *members(10)]})),
                        "MES003", "more than 4 members", {"zz-first-member"}),
    "archive expansion ratio": ({"max_archive_ratio": 10},
                                Source("t", "ratio.tar.gz", build_archive({"format": "tar.gz", "members": [
                                    {"name": "a.yaml", "text": mes("zz-before-ratio")},
                                    {"name": "b.yaml", "repeat": "# same line over and over\n", "count": 40000}]})),
                                "MES003", "compression ratio limit", {"zz-before-ratio"}),
    "archive total size": ({"max_archive_total_bytes": 4096},
                           Source("t", "total.zip", build_archive({"format": "zip", "members": [
                               {"name": "a.yaml", "text": mes("zz-in-budget")},
                               {"name": "b.yaml", "text": mes("zz-over-budget", pad=5000)}]})),
                           "MES003", "more than 4096 bytes", {"zz-in-budget"}),
    "unsafe archive entry": ({},
                             Source("t", "unsafe.tar", build_archive({"format": "tar", "members": [
                                 {"name": "../x.yaml", "text": mes("zz-escaped")},
                                 {"name": "ok.yaml", "text": mes("zz-kept")}]})),
                             "MES008", "path escapes the archive", {"zz-kept"}),
}


@pytest.mark.parametrize("limit", sorted(CASES))
def test_limit_is_a_finding_and_the_rest_is_analysed(limit: str) -> None:
    overrides, hostile, code, phrase, kept = CASES[limit]
    limits = replace(Limits(), **overrides)
    alone = snapshots(run([baseline_source()], limits))
    report = run([baseline_source(), hostile], limits)
    assert {k: v for k, v in snapshots(report).items() if k in alone} == alone
    hits = [f for f in report.findings if f.code == code]
    assert hits and any(phrase in f.message for f in hits), [f.message for f in report.findings if f.code < "MES1"]
    assert {s.resource.name for s in report.services if s.resource.origin.source == "t"} == kept
    render_all(report)


def test_parse_time_limit_stops_in_the_slow_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """A clock that advances one second per document: the limit (per file) falls inside the slow file only."""
    ticks = iter(range(10**6))
    monkeypatch.setattr(loading._Load.__init__, "__defaults__", (lambda: float(next(ticks)),))
    limits = replace(Limits(), max_parse_seconds=BASELINE_DOCS - 0.5)
    sources = [baseline_source(), Source("t", "slow.yaml", many("zz-slow", 10)),
               Source("t", "after.yaml", mes("zz-after").encode())]
    report = run(sources, limits)
    stops = [f for f in report.findings if f.code == "MES003"]
    assert len(stops) == 1 and "parsing the file took longer than 7.5 s" in stops[0].message
    assert stops[0].origin is not None and stops[0].origin.file == "slow.yaml"
    assert {s.resource.name for s in report.services} == {"aa-partner", "aa-plain", "aa-inline", "zz-after",
                                                          *(f"zz-slow-{i}" for i in range(8))}
    render_all(report)


def test_a_stopped_file_does_not_stop_the_files_after_it() -> None:
    limits = replace(Limits(), max_documents=BASELINE_DOCS)
    report = run([baseline_source(), Source("t", "a.yaml", many("zz-a", BASELINE_DOCS + 2)),
                  Source("t", "b.yaml", many("zz-b", 1))], limits)
    stopped = [d for d in report.documents if d.origin.file == "a.yaml" and d.status.value == "failed"]
    assert len(stopped) == 1 and f"more than {BASELINE_DOCS} documents" in stopped[0].reason
    assert [d.status.value for d in report.documents if d.origin.file == "b.yaml"] == ["loaded"]
    assert "zz-b-0" in {s.resource.name for s in report.services}
    assert report_dict(report)["summary"]


# --- the CLI ------------------------------------------------------------------------------------------


@pytest.fixture()
def inputs(tmp_path: Path) -> Path:
    (tmp_path / "baseline.yaml").write_bytes(baseline_source().data)
    (tmp_path / "z-big.yaml").write_text(mes("zz-big-cli", pad=40_000))
    return tmp_path


def _json(out: str) -> dict[str, Any]:
    return json.loads(out)


def test_cli_max_file_size(inputs: Path) -> None:
    code, out, err = run_cli("check", str(inputs), "--format", "json", "--now", NOW.isoformat(),
                             "--max-file-size", "0.025", "--fail-on", "never")
    assert code == 0 and not err
    data = _json(out)
    limit = int(0.025 * MIB)
    assert any(f["code"] == "MES003" and f"larger than {limit} bytes" in f["message"] for f in data["findings"])
    assert sorted(s["name"] for s in data["services"]) == ["aa-inline", "aa-partner", "aa-plain"]
    code, out, _ = run_cli("check", str(inputs), "--format", "json", "--now", NOW.isoformat(), "--fail-on", "never")
    assert "zz-big-cli" in {s["name"] for s in _json(out)["services"]}


def test_cli_max_total_size(inputs: Path) -> None:
    code, out, err = run_cli("check", str(inputs), "--format", "json", "--now", NOW.isoformat(),
                             "--max-total-size", "0.02", "--fail-on", "never")
    assert code == 0 and not err
    stops = [f for f in _json(out)["findings"] if f["code"] == "MES003"]
    assert stops and "in total" in stops[0]["message"]


def test_cli_reads_no_more_than_the_limit_of_a_file(inputs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from core import sources

    read: list[int] = []
    original = sources._read
    monkeypatch.setattr(sources, "_read", lambda path, cap: read.append(cap) or original(path, cap))
    run_cli("check", str(inputs / "z-big.yaml"), "--max-file-size", "0.01", "--fail-on", "never")
    assert read == [int(0.01 * MIB) + 1]


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "abc", "1e30"])
def test_cli_refuses_bad_limits(value: str, inputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for flag in ("--max-file-size", "--max-total-size"):
        code, _, err = run_cli("check", str(inputs), flag, value)
        err += capsys.readouterr().err  # argparse writes its own errors to sys.stderr
        assert code == 2 and flag in err


def test_streamlit_upload_limit_agrees_with_the_loader() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * MIB == Limits().max_file_bytes  # Streamlit counts MiB
