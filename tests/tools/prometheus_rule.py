"""Writes deploy/components/prometheus-operator/prometheusrule.yaml from deploy/prometheus/rules.yaml (the same
rules as a PrometheusRule for the Prometheus operator). `python -m tests.tools.prometheus_rule [--check]`."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "rules.yaml"
TARGET = ROOT / "deploy" / "components" / "prometheus-operator" / "prometheusrule.yaml"
HEAD = """# Generated from deploy/prometheus/rules.yaml (tests/deploy/test_kustomize.py checks they are the same;
# regenerate with `python -m tests.tools.prometheus_rule`). Your Prometheus must select PrometheusRules with these
# labels (its ruleSelector), e.g. `release: prometheus` for kube-prometheus-stack.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: mesdoctor
  namespace: mes-doctor
  labels:
    app.kubernetes.io/name: mesdoctor-watcher
spec:
  groups:"""


def render() -> str:
    body = RULES.read_text(encoding="utf-8").split("\ngroups:", 1)[1]
    indented = "\n".join(("  " + line) if line.strip() else line for line in body.split("\n"))
    return HEAD + indented.rstrip() + "\n"


def main(argv: list[str]) -> int:
    if "--check" in argv:
        return 0 if TARGET.read_text(encoding="utf-8") == render() else 1
    TARGET.write_text(render(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
