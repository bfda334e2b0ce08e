"""The alert rules: `promtool check rules`, `promtool test rules` (deploy/prometheus/rules_test.yaml: every alert,
the expiry thresholds and their boundaries, the cascade on and off 2.9, staleness, failing and down watchers, the
dashboard link with and without a dashboard URL), and the PrometheusRule holding the same rules."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from tests.deploy.tools import tool
from tests.tools.prometheus_rule import TARGET, render

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "rules.yaml"
RULE_TESTS = ROOT / "deploy" / "prometheus" / "rules_test.yaml"


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("promtool"), *args], capture_output=True, text=True, timeout=120,
                          cwd=RULES.parent)


def test_promtool_check_rules():
    done = promtool("check", "rules", RULES.name)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 10 rules found" in done.stdout


def test_promtool_unit_tests_pass():
    done = promtool("test", "rules", RULE_TESTS.name)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_every_alert_has_a_unit_test_that_fires_it():
    alerts = {r["alert"] for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]}
    fired = {case["alertname"] for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]
             for case in test["alert_rule_test"] if case.get("exp_alerts")}
    assert fired == alerts


def test_a_broken_expectation_fails(tmp_path):
    """The unit tests can fail: the same tests against rules whose 7-day threshold moved."""
    (tmp_path / "rules.yaml").write_text(RULES.read_text().replace("< 7 * 86400", "< 5 * 86400", 1))
    (tmp_path / "rules_test.yaml").write_text(RULE_TESTS.read_text())
    done = subprocess.run([tool("promtool"), "test", "rules", "rules_test.yaml"], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode != 0 and "MESDoctorCertificateExpiresIn7Days" in done.stdout + done.stderr


def test_every_alert_names_the_fix_and_has_a_severity():
    for group in yaml.safe_load(RULES.read_text())["groups"]:
        for rule in group["rules"]:
            assert rule["labels"]["severity"] in ("critical", "warning"), rule["alert"]
            assert "Fix:" in rule["annotations"]["description"], rule["alert"]
            assert rule["annotations"]["summary"], rule["alert"]


def test_the_prometheus_rule_holds_the_same_rules():
    assert TARGET.read_text() == render(), "regenerate it: python -m tests.tools.prometheus_rule"
    rule = yaml.safe_load(TARGET.read_text())
    assert rule["kind"] == "PrometheusRule" and rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["spec"]["groups"] == yaml.safe_load(RULES.read_text())["groups"]
