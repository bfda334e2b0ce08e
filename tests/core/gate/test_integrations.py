"""The CI integrations, run for real: the pre-commit hook (installed by `pre-commit` from a local clone of this
repository, offline), the GitHub Actions example (validated against the workflow schema, its shell steps run in
order on a pull request of a temporary repository) and the GitLab CI example (schema, script run on a merge
request)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
import yaml

from core import pki
from core.report.diff_text import MARKER
from tests.gate_inputs import annotated, chain, write
from tests.incident import mes as mes_doc
from tests.incident import secret

ROOT = Path(__file__).parents[3]
BIN = Path(sys.executable).parent
GITHUB = ROOT / "examples" / "github-actions.yml"
GITLAB = ROOT / "examples" / "gitlab-ci.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"

pytestmark = pytest.mark.slow


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c",
                           "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args], cwd=cwd, check=True,
                          capture_output=True, text=True).stdout


def fresh_chain(**replace: str) -> dict[str, str]:
    """The chain with its CA valid around the real clock (the examples run without --now)."""
    pem = pki.make_ca("Partner Root CA", datetime.now(UTC), days=400).cert_pem
    return chain(**{"secrets.yaml": secret("ca-ok", pem), **replace})


def manifests_repo(tmp_path: Path, change: dict[str, str]) -> Path:
    """A repository whose `main` (pushed to a local `origin`) holds the chain under manifests/, checked out on a
    pull-request branch that applies `change`."""
    origin = tmp_path / "origin.git"
    origin.mkdir()
    git(origin, "init", "-q", "--bare")
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q")
    git(work, "remote", "add", "origin", str(origin))
    base = fresh_chain()
    write(work / "manifests", base)
    git(work, "add", "-A")
    git(work, "commit", "-qm", "main")
    git(work, "push", "-q", "origin", "HEAD:main")
    git(work, "fetch", "-q", "origin")
    git(work, "checkout", "-qb", "pull-request")
    write(work / "manifests", {**base, **change})
    git(work, "add", "-A")
    git(work, "commit", "-q", "--allow-empty", "-m", "the change")
    return work


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_", "PIP_"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return {**env, **extra}


# --- the GitHub Actions example -----------------------------------------------------------------------------


def test_the_github_actions_example_is_a_valid_workflow():
    done = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(GITHUB)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    workflow = yaml.safe_load(GITHUB.read_text())
    pr = workflow["jobs"]["pull-request"]
    assert pr["permissions"] == {"contents": "read", "security-events": "write", "pull-requests": "write"}
    uses = [s["uses"].split("@")[0] for s in pr["steps"] if "uses" in s]
    assert uses == ["actions/checkout", "actions/setup-python", "github/codeql-action/upload-sarif",
                    "actions/github-script"]
    for step in pr["steps"] + workflow["jobs"]["default-branch"]["steps"]:
        assert "${{" not in step.get("run", ""), f"{step.get('name')}: pass expressions through env (injection)"
    script = next(s for s in pr["steps"] if s.get("uses", "").startswith("actions/github-script"))["with"]["script"]
    assert f"'{MARKER}'" in script  # the comment is found again by the marker the Markdown starts with


def run_job(job: dict[str, Any], workflow_env: dict[str, str], cwd: Path, temp: Path) -> dict[str, Any]:
    """The job's `run` steps in order, as a runner would: expressions of the environment substituted, `uses`
    steps and the install step left out, `continue-on-error` and the `if:` forms the example uses honoured."""
    known = {"${{ github.base_ref }}": "main", "${{ runner.temp }}": str(temp)}

    def expand(value: str) -> str:
        for expression, replacement in known.items():
            value = value.replace(expression, replacement)
        assert "${{" not in value, f"unknown expression in {value!r}"
        return value

    summary = temp / "summary.md"
    results: dict[str, Any] = {"outcomes": {}, "ran": [], "summary": summary}
    for step in job["steps"]:
        name = step.get("name") or step.get("id") or step.get("uses")
        if "uses" in step or name == "Install MES Doctor":
            continue
        condition = step.get("if")
        if condition is not None:
            if condition == "steps.check.outcome == 'failure'":
                if results["outcomes"].get("check") != "failure":
                    continue
            else:
                assert condition == "always()", f"{name}: condition not modelled: {condition}"
        env = environment(GITHUB_STEP_SUMMARY=str(summary), **{k: expand(str(v)) for k, v in {
            **workflow_env, **job.get("env", {}), **step.get("env", {})}.items()})
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=cwd,
                              env=env, capture_output=True, text=True, timeout=600)
        results["ran"].append((name, done.returncode, done.stdout + done.stderr))
        if "id" in step:
            results["outcomes"][step["id"]] = "success" if done.returncode == 0 else "failure"
        if done.returncode != 0 and not step.get("continue-on-error"):
            results["failed"] = name
            break
    return results


@pytest.mark.parametrize(("change", "fails"), [
    ({"a.yaml": mes_doc("a", ca="ca-okk")}, True),  # a typo: a new culprit that drops b..e on 2.9
    ({"aa.yaml": mes_doc("aa")}, False),  # a healthy new MES
])
def test_the_github_actions_pull_request_job_runs(tmp_path, change, fails):
    work = manifests_repo(tmp_path, change)
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    workflow = yaml.safe_load(GITHUB.read_text())
    result = run_job(workflow["jobs"]["pull-request"], workflow["env"], work, temp)
    ran = {name: (code, output) for name, code, output in result["ran"]}
    assert ran["Baseline from the base branch"][0] == 0, ran["Baseline from the base branch"][1]
    assert (temp / "baseline.json").exists()
    assert result["outcomes"]["check"] == ("failure" if fails else "success")
    sarif = json.loads((work / "mesdoctor.sarif").read_text())
    states = {(r["ruleId"], r.get("baselineState")) for r in sarif["runs"][0]["results"]}
    assert (("MES201", "new") in states) is fails and ("MES201", "unchanged") in states  # d's, in main already
    diff = (work / "mesdoctor-diff.md").read_text()
    assert diff.startswith(MARKER) and diff in result["summary"].read_text()
    assert ("#### 🔴 New 2.9 cascade culprits" in diff) is fails
    if fails:
        assert "`a.kuma-system` | default | culprit | not failing" in diff
        assert result.get("failed") == "Fail when the change adds problems"
    else:
        assert "New MES (1): aa.kuma-system." in diff.replace("\\", "")
        assert "failed" not in result and "Fail when the change adds problems" not in ran


def test_the_github_actions_default_branch_job_runs(tmp_path):
    work = manifests_repo(tmp_path, {})
    git(work, "checkout", "-q", "main")
    (work / ".mesdoctor.yaml").write_text("suppressions:\n  - codes: [MES201, MES501, MES502]\n"
                                          "    reason: b and d wait for the partner's CA (TICKET-7)\n")
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    workflow = yaml.safe_load(GITHUB.read_text())
    result = run_job(workflow["jobs"]["default-branch"], workflow["env"], work, temp)
    assert result["outcomes"]["check"] == "success" and "failed" not in result
    results = json.loads((work / "mesdoctor.sarif").read_text())["runs"][0]["results"]
    assert results and all(r["suppressions"][0]["kind"] == "external" for r in results if r["level"] == "error")


# --- the GitLab CI example ----------------------------------------------------------------------------------


def test_the_gitlab_example_is_valid_and_reports_code_quality_and_junit(tmp_path):
    done = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(GITLAB)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    job = yaml.safe_load(GITLAB.read_text())["mesdoctor"]
    assert job["artifacts"]["reports"] == {"codequality": "gl-code-quality-report.json",
                                           "junit": "mesdoctor-junit.xml"}
    work = manifests_repo(tmp_path, {"a.yaml": mes_doc("a", ca="ca-okk")})
    env = environment(CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main", CI_PROJECT_DIR=str(work),
                      **{k: str(v) for k, v in job["variables"].items()})
    script = "\n".join(job["script"])
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=work, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr  # the merge request adds a culprit
    issues = json.loads((work / "gl-code-quality-report.json").read_text())
    assert {(i["check_name"], i["location"]["path"]) for i in issues} >= {("MES201", "manifests/a.yaml")}
    assert all(len(i["fingerprint"]) == 64 and i["severity"] in ("critical", "major", "info") for i in issues)
    cases = {c.get("name"): c for c in ET.parse(work / "mesdoctor-junit.xml").getroot().iter("testcase")}
    assert cases["a.kuma-system"].find("failure") is not None
    assert (work / "mesdoctor-diff.md").read_text().startswith(MARKER)
    assert (work / "mesdoctor-baseline.json").exists()


# --- the pre-commit hook ------------------------------------------------------------------------------------


def hook_repository(tmp_path: Path) -> tuple[Path, str]:
    """A local clone of this repository as it is now (committed or not): what `repo:` names in a user's config."""
    repo = tmp_path / "mes-doctor"
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "mes-doctor")
    return repo, git(repo, "rev-parse", "HEAD").strip()


def test_the_pre_commit_hook_installs_from_a_local_clone_and_runs(tmp_path):
    done = subprocess.run([str(BIN / "pre-commit"), "validate-manifest", str(HOOKS)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    hook_repo, rev = hook_repository(tmp_path)
    work = tmp_path / "manifests-repo"
    work.mkdir()
    git(work, "init", "-q")
    write(work / "manifests", fresh_chain(**{"b.yaml": "", "d.yaml": ""}))  # a, c, e: healthy
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n      - id: mesdoctor\n"
        "        args: [--kuma-version, '2.9', manifests/]\n")
    git(work, "add", "-A")
    # offline: pre-commit builds the hook's own virtualenv and pip-installs the clone into it without an index;
    # the dependencies (streamlit, cryptography, ...) and the build backend are this environment's
    env = environment(PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"), PIP_NO_INDEX="1", PIP_NO_DEPS="1",
                      PIP_NO_BUILD_ISOLATION="0", PYTHONPATH=sysconfig.get_paths()["purelib"])

    def pre_commit() -> subprocess.CompletedProcess[str]:
        git(work, "add", "-A")
        return subprocess.run([str(BIN / "pre-commit"), "run", "--all-files"], cwd=work, env=env,
                              capture_output=True, text=True, timeout=900)

    done = pre_commit()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "MES Doctor (Kuma MeshExternalService)" in done.stdout and "Passed" in done.stdout
    installed = list((tmp_path / "pre-commit-home").glob("repo*/py_env-*/bin/mesdoctor"))
    assert installed, "the hook runs the mesdoctor its own environment installed"

    (work / "manifests" / "b.yaml").write_text(mes_doc("b", ca="ca-b"))  # the culprit comes back
    done = pre_commit()
    assert done.returncode == 1 and "Failed" in done.stdout
    assert "MES201" in done.stdout and "b.kuma-system" in done.stdout

    # accepted for now: b's own errors by its annotation, its victims' (c and e) by the repository's file
    (work / "manifests" / "b.yaml").write_text(annotated(mes_doc("b", ca="ca-b"), "MES201, MES501: the partner "
                                                         "sends ca-b on Monday"))
    (work / ".mesdoctor.yaml").write_text("suppressions:\n  - {code: MES502, reason: victims of b}\n")
    done = pre_commit()
    assert done.returncode == 0, done.stdout + done.stderr
