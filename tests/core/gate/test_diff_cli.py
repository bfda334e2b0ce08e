"""`mesdoctor diff` on pairs of inputs (a new culprit, a fix, a rotated certificate, a renamed Secret), on two
saved reports, on a path at a git revision, and from stdin; the table, Markdown (a pull-request comment) and
JSON outputs and the exit codes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from core.gate.git import sources_at_revision
from core.report.diff import diff_reports
from core.report.diff_text import COMMENT_LIMIT, MARKER
from core.sources import sources_from_paths
from tests.gate_inputs import NOW_ARG, chain, run, write
from tests.incident import ca_pem, secret
from tests.incident import mes as mes_doc

K = ".kuma-system"
OPTIONS = ("--now", NOW_ARG, "--kuma-version", "2.9", "--no-config")


def diff(tmp_path: Path, before: dict[str, str], after: dict[str, str], *extra: str) -> tuple[int, dict, str]:
    write(tmp_path / "before", before)
    write(tmp_path / "after", after)
    code, out, err = run("diff", str(tmp_path / "before"), str(tmp_path / "after"), "--format", "json",
                         *OPTIONS, *extra)
    assert err == "" or code != 2, err
    return code, json.loads(out) if out else {}, err


def core_names(changes: list[dict]) -> list[str]:
    return [c["coreName"] for c in changes]


def test_a_new_culprit_and_its_victims(tmp_path):
    code, data, _ = diff(tmp_path, chain(), chain(**{"a.yaml": mes_doc("a", ca="ca-okk")}))
    assert code == 0  # --fail-on never: the diff informs
    assert [(c["coreName"], c["roleBefore"], c["roleAfter"], c["victims"]) for c in data["newCulprits"]] == [
        ("a" + K, None, "culprit", ["b" + K, "c" + K, "d" + K, "e" + K])]
    assert core_names(data["newlyDropped"]) == ["a" + K]
    assert [(c["coreName"], c["before"], c["after"]) for c in data["statusChanges"]] == [
        ("a" + K, "healthy", "broken")]
    assert any(f["code"] == "MES201" and f["resource"]["name"] == "a" for f in data["findingsNew"])
    assert data["before"]["label"] == str(tmp_path / "before") and data["after"]["verdict"] == "error"
    assert data["changed"] is True
    assert "New culprit: a.kuma-system (mesh default) now stops the 2.9 loop, holding back 4 MES." in data["summary"]
    assert run("diff", str(tmp_path / "before"), str(tmp_path / "after"), *OPTIONS, "--fail-on", "new")[0] == 1
    assert run("diff", str(tmp_path / "before"), str(tmp_path / "after"), *OPTIONS, "--fail-on", "error")[0] == 1


def test_a_fix_restores_the_victims(tmp_path):
    fixed = chain(**{"secrets.yaml": secret("ca-ok") + "---\n" + secret("ca-b")})
    code, data, _ = diff(tmp_path, chain(), fixed, "--fail-on", "new")
    assert code == 1  # fixing b makes d the culprit: its MES501 is new (see the next test)
    assert core_names(data["restored"]) == ["b" + K, "c" + K]
    assert [(c["coreName"], c["roleBefore"]) for c in data["resolvedCulprits"]] == [("b" + K, "culprit")]
    assert [(c["coreName"], c["roleBefore"], c["roleAfter"]) for c in data["newCulprits"]] == [
        ("d" + K, "latent-culprit", "culprit")]
    assert [r["serviceCoreName"] for r in data["referencesFixed"]] == ["b" + K]
    assert [(c["serviceCoreName"], c["field"]) for c in data["certificatesAdded"]] == [("b" + K, "caCert")]


def test_fail_on_counts_new_findings_that_are_not_suppressed(tmp_path):
    fixed = chain(**{"secrets.yaml": secret("ca-ok") + "---\n" + secret("ca-b")})
    _, data, _ = diff(tmp_path, chain(), fixed)
    assert [(f["code"], f["resource"]["name"]) for f in data["findingsNew"]] == [("MES501", "d")]
    assert run("diff", str(tmp_path / "before"), str(tmp_path / "after"), *OPTIONS, "--fail-on", "error")[0] == 1
    (tmp_path / "gate.yaml").write_text("suppressions:\n  - {code: MES501, reason: d is fixed next, name: d}\n")
    code, out, _ = run("diff", str(tmp_path / "before"), str(tmp_path / "after"), "--now", NOW_ARG,
                       "--kuma-version", "2.9", "--config", str(tmp_path / "gate.yaml"), "--fail-on", "error",
                       "--format", "json")
    assert code == 0
    assert json.loads(out)["findingsNew"][0]["suppression"]["reason"] == "d is fixed next"


def test_a_rotated_certificate(tmp_path):
    rotated = chain(**{"secrets.yaml": secret("ca-ok", ca_pem("Partner Root CA 2026", days=700))})
    _, data, _ = diff(tmp_path, chain(), rotated)
    rot = data["certificatesRotated"]
    assert sorted(r["after"]["serviceCoreName"] for r in rot) == ["a" + K, "e" + K]
    assert rot[0]["before"]["sha256"] != rot[0]["after"]["sha256"]
    assert data["certificatesAdded"] == data["certificatesRemoved"] == data["findingsNew"] == []
    code, table, _ = run("diff", str(tmp_path / "before"), str(tmp_path / "after"), *OPTIONS)
    assert code == 0 and "Certificates: 2 rotated." in table
    assert "🔄 rotated: a.kuma-system caCert (ca-ok) CN=Partner Root CA 2026" in table


def test_a_renamed_secret(tmp_path):
    renamed = chain(**{"secrets.yaml": secret("ca-renamed"), "a.yaml": mes_doc("a", ca="ca-renamed"),
                       "e.yaml": mes_doc("e", ca="ca-renamed")})
    _, data, _ = diff(tmp_path, chain(), renamed)
    assert sorted((m["before"]["secret"], m["after"]["secret"]) for m in data["certificatesMoved"]) == [
        ("ca-ok", "ca-renamed"), ("ca-ok", "ca-renamed")]
    assert data["certificatesAdded"] == data["certificatesRemoved"] == data["referencesBroken"] == []
    # the Secret renamed but a reference left behind breaks it
    forgot = chain(**{"secrets.yaml": secret("ca-renamed"), "a.yaml": mes_doc("a", ca="ca-renamed")})
    _, data, _ = diff(tmp_path, chain(), forgot)
    assert [r["serviceCoreName"] for r in data["referencesBroken"]] == ["e" + K]
    assert [c["serviceCoreName"] for c in data["certificatesRemoved"]] == ["e" + K]


def test_markdown_is_a_pull_request_comment(tmp_path):
    write(tmp_path / "before", chain())
    write(tmp_path / "after", chain(**{"a.yaml": mes_doc("a", ca="ca-okk")}))
    code, text, _ = run("diff", str(tmp_path / "before"), str(tmp_path / "after"), *OPTIONS, "--format", "markdown")
    assert code == 0 and text.startswith(MARKER + "\n### MES Doctor: what this change does")
    assert "**🔴 error → 🔴 error**" in text
    assert "#### 🔴 New 2.9 cascade culprits" in text
    assert ("| `a.kuma-system` | default | culprit | not failing | `b.kuma-system`, `c.kuma-system`, "
            "`d.kuma-system`, `e.kuma-system` |") in text
    assert "| `a.kuma-system` | default | healthy → broken | yes → no | yes → no |" in text
    assert "#### New findings (3)" in text and "<details><summary>Resolved findings (1)</summary>" in text
    assert len(text) < COMMENT_LIMIT


def test_a_long_markdown_is_cut_to_fit_a_comment(tmp_path):
    many = {f"m{i:03}.yaml": mes_doc(f"m{i:03}", ca=f"missing-{i}") for i in range(400)}
    write(tmp_path / "before", chain())
    write(tmp_path / "after", {**chain(), **many})
    code, text, _ = run("diff", str(tmp_path / "before"), str(tmp_path / "after"), *OPTIONS, "--format", "markdown")
    assert code == 0 and len(text) <= COMMENT_LIMIT + 200
    assert "… and " in text and "more." in text


def test_two_saved_reports_give_the_same_diff_as_the_inputs(tmp_path):
    write(tmp_path / "before", chain())
    write(tmp_path / "after", chain(**{"a.yaml": mes_doc("a", ca="ca-okk")}))
    for side in ("before", "after"):
        assert run("check", str(tmp_path / side), *OPTIONS, "-f", "json", "-o", str(tmp_path / f"{side}.json"))[0] == 1
    code, out, _ = run("diff", str(tmp_path / "before.json"), str(tmp_path / "after.json"), "--format", "json")
    assert code == 0
    from_reports = json.loads(out)
    reports = [json.loads((tmp_path / f"{side}.json").read_text()) for side in ("before", "after")]
    expected = diff_reports(*reports).to_dict()  # the one report diff of core
    assert {k: from_reports[k] for k in expected} == expected
    _, from_inputs, _ = diff(tmp_path, chain(), chain(**{"a.yaml": mes_doc("a", ca="ca-okk")}))
    assert from_inputs["newCulprits"] == from_reports["newCulprits"]
    assert from_inputs["findingsNew"] == from_reports["findingsNew"]


def test_stdin_is_one_side_as_helm_template_pipes_it(tmp_path):
    write(tmp_path / "before", chain())
    rendered = "---\n".join(chain(**{"a.yaml": mes_doc("a", ca="ca-okk")}).values()).encode()
    code, out, _ = run("diff", str(tmp_path / "before"), "-", *OPTIONS, "--format", "json", stdin=rendered)
    data = json.loads(out)
    assert code == 0 and data["after"]["label"] == "stdin"
    assert [c["coreName"] for c in data["newCulprits"]] == ["a" + K]
    code, out, _ = run("check", "-", *OPTIONS, "--format", "json", stdin=rendered)
    assert code == 1 and json.loads(out)["summary"]["services"] == 5


@pytest.mark.parametrize(("argv", "message"), [
    (("diff", "one"), "diff needs BEFORE and AFTER"),
    (("diff", "-", "-"), "only one side can be read from stdin"),
    (("diff", "a", "b", "--git-head", "HEAD"), "--git-head needs --git-base"),
    (("diff", "nope-1", "nope-2"), "no such file or directory"),
])
def test_usage_errors(argv, message):
    code, out, err = run(*argv)
    assert code == 2 and out == "" and message in err, err


# --- git revisions ------------------------------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c",
                           "commit.gpgsign=false", *args], cwd=repo, check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root / "mesh", chain())
    (root / "mesh" / ".hidden.yaml").write_text("kind: [broken\n")  # skipped, as the directory walk skips it
    (root / "README.md").write_text("not a manifest\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return root


def test_git_base_compares_a_path_at_a_revision_with_the_working_tree(repo, monkeypatch):
    (repo / "mesh" / "a.yaml").write_text(mes_doc("a", ca="ca-okk"))
    monkeypatch.chdir(repo)
    code, out, _ = run("diff", "--git-base", "main", "mesh", *OPTIONS, "--format", "json", "--fail-on", "new")
    data = json.loads(out)
    assert code == 1
    assert data["before"]["label"] == "main:mesh" and data["after"]["label"] == "mesh"
    assert [c["coreName"] for c in data["newCulprits"]] == ["a" + K]
    # committed: --git-head compares two revisions; the working tree is not read
    git(repo, "commit", "-qam", "typo")
    (repo / "mesh" / "e.yaml").unlink()
    code, out, _ = run("diff", "--git-base", "HEAD~1", "--git-head", "HEAD", "mesh", *OPTIONS, "--format", "json")
    data = json.loads(out)
    assert data["after"]["label"] == "HEAD:mesh" and data["servicesRemoved"] == []
    assert [c["coreName"] for c in data["newCulprits"]] == ["a" + K]


def test_git_base_from_a_subdirectory_and_for_a_path_new_in_the_change(repo, monkeypatch):
    write(repo / "new-zone", {"z.yaml": mes_doc("z", ca="ca-z")})
    monkeypatch.chdir(repo / "mesh")
    code, out, _ = run("diff", "--git-base", "main", ".", *OPTIONS, "--format", "json")
    assert code == 0 and json.loads(out)["changed"] is False  # nothing changed under mesh/
    monkeypatch.chdir(repo)
    code, out, _ = run("diff", "--git-base", "main", "new-zone", *OPTIONS, "--format", "json")
    data = json.loads(out)
    assert code == 0 and [c["coreName"] for c in data["servicesAdded"]] == ["z" + K]


@pytest.mark.parametrize(("where", "paths"), [(".", ["mesh"]), (".", ["."]), (".", ["mesh/a.yaml", "./mesh/"]),
                                             ("mesh", ["."]), ("mesh", ["../mesh"])])
def test_files_at_a_revision_have_the_names_the_working_tree_gives(repo, monkeypatch, where, paths):
    monkeypatch.chdir(repo / where)
    at_rev = sources_at_revision("main", paths)
    on_disk = sources_from_paths(paths)
    assert [(s.name, s.data) for s in at_rev] == [(s.name, s.data) for s in on_disk]
    assert ".hidden.yaml" not in " ".join(s.name for s in at_rev) and at_rev


def test_git_errors_are_usage_errors(repo, tmp_path, monkeypatch):
    monkeypatch.chdir(repo)
    code, _, err = run("diff", "--git-base", "no-such-branch", "mesh", *OPTIONS)
    assert code == 2 and "no-such-branch: no such commit" in err
    code, _, err = run("diff", "--git-base", "--upload-pack=x", "mesh", *OPTIONS)
    assert code == 2
    outside = tmp_path / "plain"
    outside.mkdir()
    monkeypatch.chdir(outside)
    code, _, err = run("diff", "--git-base", "main", ".", *OPTIONS)
    assert code == 2 and "git" in err
